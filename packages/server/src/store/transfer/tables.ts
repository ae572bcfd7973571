import { createHash } from "node:crypto";
import { AidcError } from "@aidc/core";

/** One table as a copy sees it. */
export interface TableInfo {
  readonly name: string;
  /** Columns in the order rows carry them. */
  readonly columns: readonly string[];
  /** Primary-key columns: rows are read, copied and paged in this order. */
  readonly key: readonly string[];
  /** Tables this one references: they are copied first (and emptied last). */
  readonly parents: readonly string[];
}

/** A store's schema: its applied migrations and its tables in copy order (parents first). */
export interface SchemaInfo {
  readonly versions: readonly number[];
  readonly tables: readonly TableInfo[];
}

/**
 * Columns that SQLite keeps as the rowid: PostgreSQL's `jobs.seq` (the submission order) is the rowid
 * of SQLite's jobs table, so a copy carries it both ways and submission order survives.
 */
export const ROWID_COLUMNS: Readonly<Record<string, string>> = { jobs: "seq" };

/** Bookkeeping the copy does not carry: the target's own migrations write it. */
export const NOT_COPIED = new Set(["schema_migrations"]);

/** A quoted identifier (the column `user` is reserved in PostgreSQL; quoting is valid in both dialects). */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Tables ordered so that every table comes after the tables it references; ties by name. */
export function copyOrder(tables: readonly TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: TableInfo[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (t: TableInfo): void => {
    const s = state.get(t.name);
    if (s === "done") return;
    if (s === "visiting") throw new AidcError("STORE_SCHEMA_MISMATCH", `Tables reference each other in a cycle through "${t.name}"`);
    state.set(t.name, "visiting");
    for (const p of [...t.parents].sort()) {
      const parent = byName.get(p);
      if (parent !== undefined && p !== t.name) visit(parent);
    }
    state.set(t.name, "done");
    out.push(t);
  };
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t);
  return out;
}

/** One value as it is hashed and written to a dump: BIGINTs as numbers, bytes as hex. */
export function plainValue(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (Buffer.isBuffer(v)) return v.toString("hex");
  return v ?? null;
}

/**
 * An order-independent checksum of a table's rows: the XOR of each row's SHA-256 (of its values as a
 * JSON array, columns in name order). Two stores that hold the same rows give the same sum,
 * whatever order their engines return them in; rows are unique by primary key, so none cancel out.
 */
export class TableChecksum {
  private readonly acc = new Uint32Array(8);
  /** Column positions in name order: the sum does not depend on the order a backend's columns are in. */
  private readonly order: number[];
  rows = 0;

  constructor(columns: readonly string[]) {
    this.order = columns
      .map((c, i) => [c, i] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([, i]) => i);
  }

  add(row: readonly unknown[]): void {
    const d = createHash("sha256")
      .update(JSON.stringify(this.order.map((i) => plainValue(row[i]))))
      .digest();
    for (let i = 0; i < 8; i++) this.acc[i] = (this.acc[i] ?? 0) ^ d.readUInt32BE(i * 4);
    this.rows++;
  }

  hex(): string {
    return [...this.acc].map((w) => w.toString(16).padStart(8, "0")).join("");
  }
}

/**
 * The tables and columns of two schemas must agree (same migrations give the same tables); a target
 * column the source lacks would be left empty, so any difference is refused before anything is written.
 */
export function checkSameSchema(from: SchemaInfo, to: SchemaInfo, where: { from: string; to: string }): void {
  const sameVersions = from.versions.length === to.versions.length && from.versions.every((v, i) => v === to.versions[i]);
  if (!sameVersions) {
    throw new AidcError(
      "STORE_VERSION_MISMATCH",
      `Cannot copy ${where.from} (migrations ${from.versions.join(",") || "none"}) to ${where.to} (migrations ${to.versions.join(",")}): ` +
        `open the source with this aidc first (aidc serve --store <source>) so that both are at the same version`,
    );
  }
  const toTables = new Map(to.tables.map((t) => [t.name, t]));
  const problems: string[] = [];
  for (const t of from.tables) {
    const other = toTables.get(t.name);
    if (other === undefined) {
      problems.push(`table ${t.name} is missing in the target`);
      continue;
    }
    const a = [...t.columns].sort().join(",");
    const b = [...other.columns].sort().join(",");
    if (a !== b) problems.push(`table ${t.name} has columns (${a}) in the source but (${b}) in the target`);
  }
  for (const t of to.tables) if (!from.tables.some((f) => f.name === t.name)) problems.push(`table ${t.name} is missing in the source`);
  if (problems.length > 0) {
    throw new AidcError("STORE_SCHEMA_MISMATCH", `Cannot copy ${where.from} to ${where.to}: ${problems.join("; ")}`);
  }
}

/** Where a copy reads: one consistent snapshot of a store (a read transaction held until close). */
export interface RowSource {
  readonly location: string;
  schema(): Promise<SchemaInfo>;
  /** A table's rows in key order, `batchSize` at a time, each row's values in `t.columns` order. */
  rows(t: TableInfo, batchSize: number): AsyncIterable<unknown[][]>;
  /** After the last table: a check that the source was whole (a dump's trailer). */
  finish?(): Promise<void>;
  close(): Promise<void>;
}

/** Where a copy writes: everything between begin and commit is one transaction. */
export interface RowTarget {
  readonly location: string;
  schema(): Promise<SchemaInfo>;
  /** The tables among `tables` that hold rows. */
  nonEmpty(tables: readonly TableInfo[]): Promise<string[]>;
  begin(): Promise<void>;
  /** Delete every row of `tables` (given in copy order; emptied children first). */
  clear(tables: readonly TableInfo[]): Promise<void>;
  insert(t: TableInfo, rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Move id sequences past the copied ids, then commit. */
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

/** `WHERE (k1, k2) > (p1, p2) ORDER BY k1, k2 LIMIT p3`: one page after the last key read (keyset paging). */
export function pageSql(t: TableInfo, columnSql: (column: string) => string, placeholder: (i: number) => string, after: boolean): string {
  const keys = t.key.map(columnSql);
  const where = after ? ` WHERE (${keys.join(", ")}) > (${t.key.map((_, i) => placeholder(i + 1)).join(", ")})` : "";
  const cols = t.columns.map((c) => {
    const expr = columnSql(c);
    return expr === ident(c) ? expr : `${expr} AS ${ident(c)}`;
  });
  return `SELECT ${cols.join(", ")} FROM ${ident(t.name)}${where} ORDER BY ${keys.join(", ")} LIMIT ${placeholder(after ? t.key.length + 1 : 1)}`;
}

/** The key values of a row (to page after it). */
export function keyOf(t: TableInfo, row: readonly unknown[]): unknown[] {
  return t.key.map((k) => row[t.columns.indexOf(k)]);
}

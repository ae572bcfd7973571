import Database from "better-sqlite3";
import { AidcError } from "@aidc/core";
import {
  NOT_COPIED,
  ROWID_COLUMNS,
  copyOrder,
  ident,
  keyOf,
  pageSql,
  type RowSource,
  type RowTarget,
  type SchemaInfo,
  type TableInfo,
} from "./tables.js";

function openFile(path: string): Database.Database {
  try {
    const db = new Database(path, { fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    return db;
  } catch (cause) {
    throw new AidcError("STORE_OPEN_FAILED", `Cannot open the store at sqlite:${path}: ${(cause as Error).message}`, { cause });
  }
}

/** The columns SQLite keeps as the rowid, per table (e.g. jobs.seq). */
function rowidAliases(db: Database.Database, tables: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of tables) {
    const alias = ROWID_COLUMNS[t];
    if (alias === undefined) continue;
    const cols = (db.pragma(`table_info(${ident(t)})`) as { name: string }[]).map((c) => c.name);
    if (!cols.includes(alias)) out.set(t, alias);
  }
  return out;
}

/** The schema of a SQLite store file: tables (copy order), columns, primary keys, references, migrations. */
export function sqliteSchema(db: Database.Database): SchemaInfo {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[])
    .map((r) => r.name)
    .filter((n) => !NOT_COPIED.has(n));
  const aliases = rowidAliases(db, names);
  const tables: TableInfo[] = names.map((name) => {
    const cols = db.pragma(`table_info(${ident(name)})`) as { name: string; pk: number }[];
    const key = cols
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    if (key.length === 0) throw new AidcError("STORE_SCHEMA_MISMATCH", `Table ${name} has no primary key; the copy pages by it`);
    const parents = [...new Set((db.pragma(`foreign_key_list(${ident(name)})`) as { table: string }[]).map((f) => f.table))];
    const alias = aliases.get(name);
    return { name, columns: [...cols.map((c) => c.name), ...(alias === undefined ? [] : [alias])], key, parents };
  });
  const hasMigrations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
  const versions = hasMigrations
    ? (db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[]).map((r) => r.version)
    : [];
  return { versions, tables: copyOrder(tables) };
}

/**
 * Reads a SQLite store in one read transaction: in WAL mode that is a snapshot, so a server may keep
 * writing meanwhile. The transaction spans the copy's awaits, which is safe here: this connection is the
 * copy's own and nothing else runs on it.
 */
export class SqliteRows implements RowSource {
  readonly location: string;
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    this.location = `sqlite:${path}`;
    this.db = openFile(path);
    this.db.exec("BEGIN");
  }

  schema(): Promise<SchemaInfo> {
    return Promise.resolve(sqliteSchema(this.db));
  }

  async *rows(t: TableInfo, batchSize: number): AsyncIterable<unknown[][]> {
    const alias = rowidAliases(this.db, [t.name]).get(t.name);
    const col = (c: string): string => (c === alias ? "rowid" : ident(c));
    const first = this.db.prepare(pageSql(t, col, () => "?", false)).raw(true);
    const next = this.db.prepare(pageSql(t, col, () => "?", true)).raw(true);
    let batch = first.all(batchSize) as unknown[][];
    while (batch.length > 0) {
      yield batch;
      if (batch.length < batchSize) return;
      const last = batch[batch.length - 1] ?? [];
      batch = next.all(...keyOf(t, last), batchSize) as unknown[][];
    }
  }

  close(): Promise<void> {
    if (this.db.open) {
      if (this.db.inTransaction) this.db.exec("COMMIT");
      this.db.close();
    }
    return Promise.resolve();
  }
}

/** Writes a SQLite store file in one write transaction (BEGIN IMMEDIATE … COMMIT) on the copy's own connection. */
export class SqliteWriter implements RowTarget {
  readonly location: string;
  private readonly db: Database.Database;
  private readonly inserts = new Map<string, Database.Statement>();

  constructor(readonly path: string) {
    this.location = `sqlite:${path}`;
    this.db = openFile(path);
    this.db.pragma("foreign_keys = ON");
  }

  schema(): Promise<SchemaInfo> {
    return Promise.resolve(sqliteSchema(this.db));
  }

  nonEmpty(tables: readonly TableInfo[]): Promise<string[]> {
    return Promise.resolve(
      tables.filter((t) => this.db.prepare(`SELECT 1 FROM ${ident(t.name)} LIMIT 1`).get() !== undefined).map((t) => t.name),
    );
  }

  begin(): Promise<void> {
    this.db.exec("BEGIN IMMEDIATE");
    return Promise.resolve();
  }

  clear(tables: readonly TableInfo[]): Promise<void> {
    for (const t of [...tables].reverse()) this.db.exec(`DELETE FROM ${ident(t.name)}`);
    return Promise.resolve();
  }

  insert(t: TableInfo, rows: readonly (readonly unknown[])[]): Promise<void> {
    let st = this.inserts.get(t.name);
    if (st === undefined) {
      const alias = rowidAliases(this.db, [t.name]).get(t.name);
      const cols = t.columns.map((c) => (c === alias ? "rowid" : ident(c)));
      st = this.db.prepare(`INSERT INTO ${ident(t.name)} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`);
      this.inserts.set(t.name, st);
    }
    for (const r of rows) st.run(...r);
    return Promise.resolve();
  }

  commit(): Promise<void> {
    this.db.exec("COMMIT"); // AUTOINCREMENT ids: SQLite moves sqlite_sequence past explicit ids by itself
    return Promise.resolve();
  }

  rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

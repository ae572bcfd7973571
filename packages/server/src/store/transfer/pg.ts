import type pg from "pg";
import { connectPg, type PgDb } from "../pg/db.js";
import { NOT_COPIED, copyOrder, ident, keyOf, pageSql, type RowSource, type RowTarget, type SchemaInfo, type TableInfo } from "./tables.js";

type Client = pg.PoolClient;

/** The schema of the store in the connection's current schema (its search_path). */
export async function pgSchema(client: Client): Promise<SchemaInfo> {
  const cols = await client.query<{ t: string; c: string }>(
    `SELECT c.table_name AS t, c.column_name AS c
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const keys = await client.query<{ t: string; c: string }>(
    `SELECT k.table_name AS t, k.column_name AS c
       FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage k
         ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name
      WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()
      ORDER BY k.table_name, k.ordinal_position`,
  );
  const refs = await client.query<{ t: string; p: string }>(
    `SELECT DISTINCT tc.table_name AS t, u.table_name AS p
       FROM information_schema.table_constraints tc
       JOIN information_schema.constraint_column_usage u
         ON u.constraint_schema = tc.constraint_schema AND u.constraint_name = tc.constraint_name
      WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()`,
  );
  const tables = new Map<string, { columns: string[]; key: string[]; parents: string[] }>();
  for (const r of cols.rows) {
    if (NOT_COPIED.has(r.t)) continue;
    let t = tables.get(r.t);
    if (t === undefined) tables.set(r.t, (t = { columns: [], key: [], parents: [] }));
    t.columns.push(r.c);
  }
  for (const r of keys.rows) tables.get(r.t)?.key.push(r.c);
  for (const r of refs.rows) if (r.p !== r.t) tables.get(r.t)?.parents.push(r.p);
  const hasMigrations = (await client.query<{ r: string | null }>("SELECT to_regclass('schema_migrations')::text AS r")).rows[0]?.r;
  const versions =
    hasMigrations === null || hasMigrations === undefined
      ? []
      : (await client.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version")).rows.map((r) => r.version);
  return { versions, tables: copyOrder([...tables].map(([name, t]) => ({ name, ...t }))) };
}

/** Reads a PostgreSQL store in one REPEATABLE READ, READ ONLY transaction: a consistent snapshot while replicas write. */
export class PgRows implements RowSource {
  private constructor(
    private readonly db: PgDb,
    private readonly client: Client,
  ) {}

  get location(): string {
    return this.db.location;
  }

  static async open(url: string): Promise<PgRows> {
    const db = await connectPg(url, { max: 1, applicationName: "aidc-store-copy" });
    const client = await db.pool.connect();
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    return new PgRows(db, client);
  }

  schema(): Promise<SchemaInfo> {
    return pgSchema(this.client);
  }

  async *rows(t: TableInfo, batchSize: number): AsyncIterable<unknown[][]> {
    const first = pageSql(t, ident, (i) => `$${i}`, false);
    const next = pageSql(t, ident, (i) => `$${i}`, true);
    let batch = (await this.client.query<unknown[]>({ text: first, values: [batchSize], rowMode: "array" })).rows;
    while (batch.length > 0) {
      yield batch;
      if (batch.length < batchSize) return;
      const last = batch[batch.length - 1] ?? [];
      batch = (await this.client.query<unknown[]>({ text: next, values: [...keyOf(t, last), batchSize], rowMode: "array" })).rows;
    }
  }

  async close(): Promise<void> {
    await this.client.query("COMMIT").catch(() => undefined);
    this.client.release();
    await this.db.close();
  }
}

/** PostgreSQL allows 65,535 parameters per statement; a multi-row INSERT stays well below. */
const MAX_PARAMS = 30_000;

/** Writes a PostgreSQL store in one transaction on one connection. */
export class PgWriter implements RowTarget {
  private constructor(
    private readonly db: PgDb,
    private readonly client: Client,
  ) {}

  get location(): string {
    return this.db.location;
  }

  static async open(url: string): Promise<PgWriter> {
    const db = await connectPg(url, { max: 1, applicationName: "aidc-store-copy" });
    return new PgWriter(db, await db.pool.connect());
  }

  schema(): Promise<SchemaInfo> {
    return pgSchema(this.client);
  }

  async nonEmpty(tables: readonly TableInfo[]): Promise<string[]> {
    const out: string[] = [];
    for (const t of tables) if ((await this.client.query(`SELECT 1 FROM ${ident(t.name)} LIMIT 1`)).rows.length > 0) out.push(t.name);
    return out;
  }

  async begin(): Promise<void> {
    await this.client.query("BEGIN");
  }

  async clear(tables: readonly TableInfo[]): Promise<void> {
    if (tables.length > 0) await this.client.query(`TRUNCATE ${tables.map((t) => ident(t.name)).join(", ")}`);
  }

  async insert(t: TableInfo, rows: readonly (readonly unknown[])[]): Promise<void> {
    const width = t.columns.length;
    const per = Math.max(1, Math.floor(MAX_PARAMS / width));
    const head = `INSERT INTO ${ident(t.name)} (${t.columns.map(ident).join(", ")}) VALUES `;
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      const values = chunk.map((_, r) => `(${t.columns.map((_c, c) => `$${r * width + c + 1}`).join(", ")})`);
      await this.client.query(head + values.join(", "), chunk.flat());
    }
  }

  async commit(): Promise<void> {
    // ids the copy wrote explicitly (events.id, jobs.seq): the next generated one must come after them
    const serials = await this.client.query<{ t: string; c: string }>(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns
        WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`,
    );
    for (const s of serials.rows) {
      await this.client.query(
        `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${ident(s.c)}) FROM ${ident(s.t)}), 0) + 1, false)`,
        [ident(s.t), s.c],
      );
    }
    await this.client.query("COMMIT");
  }

  async rollback(): Promise<void> {
    await this.client.query("ROLLBACK").catch(() => undefined);
  }

  async close(): Promise<void> {
    this.client.release();
    await this.db.close();
  }
}

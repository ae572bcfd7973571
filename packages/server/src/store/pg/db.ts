import pg from "pg";
import { AidcError } from "@aidc/core";

/** What a repository needs to run SQL: the pool outside a transaction, one client inside. */
export interface Sql {
  /** Rows of a statement; `name` makes it a named prepared statement (parsed once per connection). */
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[], name?: string): Promise<R[]>;
}

/** PostgreSQL's error codes we act on. */
export const PG_UNIQUE_VIOLATION = "23505";
const RETRYABLE = new Set(["40001", "40P01"]); // serialization failure, deadlock

/** A URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

// BIGINT (int8) and NUMERIC come back as strings by default; every such column here holds milliseconds,
// counts or ids well below 2^53, so read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/**
 * A pool of connections to one PostgreSQL database. `tx` runs a function in one transaction on one
 * connection (READ COMMITTED, the default, unless stated), retrying it on serialization failures and deadlocks.
 */
export class PgDb implements Sql {
  readonly pool: pg.Pool;
  readonly location: string;

  constructor(url: string, o: { max?: number; applicationName?: string } = {}) {
    this.location = redactUrl(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: o.max ?? 10,
      application_name: o.applicationName ?? "aidc",
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
    });
    // an idle client's error (the server went away) must not crash the process; the next query fails instead
    this.pool.on("error", () => undefined);
  }

  async query<R = Record<string, unknown>>(text: string, values: readonly unknown[] = [], name?: string): Promise<R[]> {
    const r = await this.pool.query(name === undefined ? { text, values: [...values] } : { name, text, values: [...values] });
    return r.rows as R[];
  }

  async tx<T>(fn: (sql: Sql) => Promise<T>, o: { isolation?: "read committed" | "repeatable read" | "serializable" } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      const sql: Sql = {
        query: async <R>(text: string, values: readonly unknown[] = [], name?: string) =>
          (await client.query(name === undefined ? { text, values: [...values] } : { name, text, values: [...values] })).rows as R[],
      };
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${(o.isolation ?? "read committed").toUpperCase()}`);
        const out = await fn(sql);
        await client.query("COMMIT");
        client.release();
        return out;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        client.release();
        const code = (err as { code?: string }).code;
        if (code !== undefined && RETRYABLE.has(code) && attempt < 5) continue;
        throw err;
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Connect and check the server answers (a clear error instead of a pool timeout later). */
export async function connectPg(url: string, o: { max?: number; applicationName?: string } = {}): Promise<PgDb> {
  const db = new PgDb(url, o);
  try {
    await db.query("SELECT 1");
  } catch (cause) {
    await db.close().catch(() => undefined);
    throw new AidcError("STORE_OPEN_FAILED", `Cannot open the store at ${db.location}: ${(cause as Error).message}`, { cause });
  }
  return db;
}

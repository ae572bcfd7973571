// Jobs by state read straight from the store the server writes (SQLite file or PostgreSQL schema),
// so the benchmark's checkpoints do not depend on the server's own listing.
import Database from "better-sqlite3";
import pg from "pg";

/** `sqliteFile` or `pgUrl` (with its search_path option); returns `counts()` → { pending, admitted, running, ... } and `close()`. */
export async function storeCounter({ sqliteFile, pgUrl }) {
  const sql = "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state";
  const asMap = (rows) => Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  if (pgUrl !== undefined) {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    return { counts: async () => asMap((await client.query(sql)).rows), close: () => client.end() };
  }
  const db = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  const stmt = db.prepare(sql);
  return { counts: async () => asMap(stmt.all()), close: async () => db.close() };
}

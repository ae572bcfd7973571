import { AidcError } from "@aidc/core";
import type { Migration } from "../migrations.js";
import type { PgDb } from "./db.js";
import { PG_MIGRATIONS } from "./migrations.js";

/**
 * The advisory-lock key of the migration runner, per schema: replicas starting at once on the same
 * database serialise on it (the second finds everything applied), while tests on their own schemas
 * do not wait for each other.
 */
const LOCK_KEY = "hashtext('aidc.migrate:' || current_schema())";

/**
 * Bring the database at `db` up to date: one transaction per migration together with its row in
 * schema_migrations, all under a session advisory lock. A database with versions this aidc does not
 * know is refused with STORE_TOO_NEW (nothing is applied).
 */
export async function migratePg(db: PgDb, migrations: readonly Migration[] = PG_MIGRATIONS): Promise<number[]> {
  const client = await db.pool.connect();
  let locked = false;
  try {
    const schema = (await client.query<{ s: string | null }>("SELECT current_schema() AS s")).rows[0]?.s ?? null;
    if (schema === null) {
      throw new AidcError("STORE_OPEN_FAILED", `Cannot migrate the store at ${db.location}: its search_path names no existing schema`);
    }
    await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    locked = true;
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, applied_at_ms BIGINT NOT NULL)',
    );
    const applied = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied].filter((v) => !known.has(v)).sort((a, b) => a - b);
    if (unknown.length > 0) {
      throw new AidcError(
        "STORE_TOO_NEW",
        `The store at ${db.location} has migrations ${unknown.join(", ")} that this aidc does not know; upgrade aidc`,
      );
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      try {
        await client.query("BEGIN");
        await client.query(m.sql);
        await client.query("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)", [
          m.version,
          m.name,
          Date.now(),
        ]);
        await client.query("COMMIT");
      } catch (cause) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw new AidcError(
          "STORE_MIGRATION_FAILED",
          `Cannot apply migration ${m.version} (${m.name}) to the store at ${db.location}: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    return (await client.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version")).rows.map((r) => r.version);
  } finally {
    // a connection that could not unlock is closed rather than returned to the pool holding the lock
    let unlocked = true;
    if (locked)
      unlocked = await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).then(
        () => true,
        () => false,
      );
    client.release(!unlocked);
  }
}

/** Applied migration versions, oldest first (empty when the store was never migrated). */
export async function appliedVersionsPg(db: PgDb): Promise<number[]> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (exists[0]?.t === null || exists[0]?.t === undefined) return [];
  return (await db.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version")).map((r) => r.version);
}

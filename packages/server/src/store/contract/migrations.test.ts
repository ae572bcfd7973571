import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../migrations.js";
import { openStore, parseStoreUrl } from "../open.js";
import { PgDb } from "../pg/db.js";
import { appliedVersionsPg, migratePg } from "../pg/migrate.js";
import { PG_MIGRATIONS } from "../pg/migrations.js";
import { NO_PG_REASON, PgSchemas, describeStores, pgRequired, pgTestUrl } from "./harness.testing.js";

const ALL = MIGRATIONS.map((m) => m.version);

/** Run one statement on the raw database behind a store URL (outside the store). */
async function raw(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const where = parseStoreUrl(url);
  if (where.backend === "sqlite") {
    const db = new Database(where.path);
    try {
      const st = db.prepare(sql);
      return st.reader ? (st.all() as Record<string, unknown>[]) : (st.run(), []);
    } finally {
      db.close();
    }
  }
  const db = new PgDb(where.url, { max: 1 });
  try {
    return await db.query(sql);
  } finally {
    await db.close();
  }
}

describe("migration lists", () => {
  it("have the same version numbers in both dialects, each once, in order", () => {
    expect(PG_MIGRATIONS.map((m) => m.version)).toEqual(ALL);
    expect(ALL).toEqual(ALL.map((_, i) => i + 1));
    expect(PG_MIGRATIONS.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
  });
});

describeStores("store migrations", (open, kit) => {
  it("apply every version to an empty store", async () => {
    const store = await open();
    expect(await store.appliedVersions()).toEqual(ALL);
    expect(await store.ping()).toBe(true);
  });

  it("do nothing when run again on a migrated store", async () => {
    const url = await kit.freshUrl();
    await (await kit.openUrl(url)).close();
    const before = await raw(url, "SELECT version, applied_at_ms FROM schema_migrations ORDER BY version");
    const again = await kit.openUrl(url);
    expect(await again.appliedVersions()).toEqual(ALL);
    expect(await raw(url, "SELECT version, applied_at_ms FROM schema_migrations ORDER BY version")).toEqual(before);
  });

  it("refuse a store with a version this aidc does not know (STORE_TOO_NEW), changing nothing", async () => {
    const url = await kit.freshUrl();
    await (await kit.openUrl(url)).close();
    await raw(url, "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (99, 'from the future', 0)");
    await expect(kit.openUrl(url)).rejects.toMatchObject({ code: "STORE_TOO_NEW", message: expect.stringContaining("99") as string });
    expect((await raw(url, "SELECT COUNT(*) AS n FROM schema_migrations"))[0]?.["n"]).toBe(ALL.length + 1);
  });

  it("finish an interrupted upgrade: a store at version 10 gets only 11", async () => {
    const url = await kit.freshUrl();
    await (await kit.openUrl(url)).close();
    await raw(url, "DROP TABLE leases");
    await raw(url, "DELETE FROM schema_migrations WHERE version = 11");
    const store = await kit.openUrl(url);
    expect(await store.appliedVersions()).toEqual(ALL);
    expect(await raw(url, "SELECT COUNT(*) AS n FROM leases")).toEqual([{ n: 0 }]);
  });

  if (kit.backend === "postgres")
    it("roll back a migration that fails, report it, and release the migration lock", async () => {
      const url = await kit.freshUrl();
      // the next version after the known ones (so every known one is applied before it fails)
      const next = Math.max(...ALL) + 1;
      const bad = [...PG_MIGRATIONS, { version: next, name: "broken", sql: "CREATE TABLE x (a INT); SELECT no_such_function()" }];
      const db = new PgDb(url, { max: 2 });
      try {
        await expect(migratePg(db, bad)).rejects.toMatchObject({
          code: "STORE_MIGRATION_FAILED",
          message: expect.stringContaining(`${next} (broken)`) as string,
        });
        expect(await appliedVersionsPg(db)).toEqual(ALL);
        expect(await db.query("SELECT to_regclass('x')::text AS t")).toEqual([{ t: null }]);
        // the lock was released: another session can take it at once
        const other = new PgDb(url, { max: 1 });
        try {
          const key = "hashtext('aidc.migrate:' || current_schema())";
          expect(await other.query(`SELECT pg_try_advisory_lock(${key}) AS got`)).toEqual([{ got: true }]);
          await other.query(`SELECT pg_advisory_unlock(${key})`);
        } finally {
          await other.close();
        }
        expect(await migratePg(db)).toEqual(ALL);
      } finally {
        await db.close();
      }
    });

  // several processes on one SQLite file are not a supported set-up (one server per file); on PostgreSQL they are
  if (kit.backend === "postgres")
    it("migrate once when several replicas open an empty database at the same moment", async () => {
      const url = await kit.freshUrl();
      const stores = await Promise.all([1, 2, 3, 4].map((i) => kit.openUrl(url, { replicaId: `r${i}`, maxConnections: 2 })));
      for (const s of stores) expect(await s.appliedVersions()).toEqual(ALL);
      expect(await raw(url, "SELECT COUNT(*) AS n FROM schema_migrations")).toEqual([{ n: ALL.length }]);
    });
});

// ---- both dialects side by side: the same tables, columns, nullability and primary keys ----

interface Column {
  readonly table: string;
  readonly column: string;
  readonly notNull: boolean;
  readonly pk: boolean;
}

/** PostgreSQL-only columns, by design: jobs.seq is the submission order SQLite takes from rowid. */
const PG_ONLY = new Set(["jobs.seq"]);

function sqliteColumns(path: string): Column[] {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]
    ).map((r) => r.name);
    return tables.flatMap((table) =>
      (db.pragma(`table_info(${table})`) as { name: string; notnull: number; pk: number }[]).map((c) => ({
        table,
        column: c.name,
        // SQLite lets a non-INTEGER primary key hold NULL unless declared NOT NULL; PostgreSQL never does
        notNull: c.notnull === 1 || c.pk > 0,
        pk: c.pk > 0,
      })),
    );
  } finally {
    db.close();
  }
}

async function pgColumns(url: string, schema: string): Promise<Column[]> {
  const db = new PgDb(url, { max: 1 });
  try {
    const rows = await db.query<{ table_name: string; column_name: string; is_nullable: string; pk: boolean }>(
      `SELECT c.table_name, c.column_name, c.is_nullable,
              EXISTS (SELECT 1 FROM information_schema.table_constraints t
                        JOIN information_schema.key_column_usage k
                          ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema AND k.table_name = t.table_name
                       WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema
                         AND t.table_name = c.table_name AND k.column_name = c.column_name) AS pk
         FROM information_schema.columns c WHERE c.table_schema = $1`,
      [schema],
    );
    return rows.map((r) => ({ table: r.table_name, column: r.column_name, notNull: r.is_nullable === "NO", pk: r.pk }));
  } finally {
    await db.close();
  }
}

const sortCols = (cols: Column[]): Column[] => [...cols].sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column));

const base = pgTestUrl();
if (base === undefined && pgRequired()) {
  describe("both dialects", () => {
    it("have a PostgreSQL to compare", () => {
      throw new Error(`${NO_PG_REASON}; CI=true or AIDC_REQUIRE_PG=1 requires it`);
    });
  });
}
describe(
  "both dialects reach the same schema",
  { skip: base === undefined, meta: base === undefined ? { skipReason: NO_PG_REASON } : {} },
  () => {
    let schemas: PgSchemas;
    beforeAll(() => {
      schemas = new PgSchemas(base ?? "");
    });
    afterAll(async () => schemas.dropAll());

    it("the same tables and columns, nullability and primary keys (PostgreSQL adds only jobs.seq)", async () => {
      const dir = mkdtempSync(join(tmpdir(), "aidc-mig-"));
      try {
        const path = join(dir, "a.db");
        await (await openStore(`sqlite:${path}`)).close();
        const { schema, url } = await schemas.fresh();
        await (await openStore(url)).close();
        const lite = sortCols(sqliteColumns(path));
        const pg = await pgColumns(url, schema);
        expect(pg.filter((c) => PG_ONLY.has(`${c.table}.${c.column}`)).map((c) => `${c.table}.${c.column}`)).toEqual([...PG_ONLY]);
        expect(sortCols(pg.filter((c) => !PG_ONLY.has(`${c.table}.${c.column}`)))).toEqual(lite);
        expect(new Set(lite.map((c) => c.table))).toContain("leases");
        // text orders bytewise as in SQLite, whatever the database's default collation
        const db = new PgDb(url, { max: 1 });
        try {
          const other = await db.query(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns WHERE table_schema = $1 AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C'",
            [schema],
          );
          expect(other).toEqual([]);
          expect(await db.query("SELECT x FROM (VALUES ('b'), ('B'), ('a'), ('_')) v(x) ORDER BY x COLLATE \"C\"")).toEqual([
            { x: "B" },
            { x: "_" },
            { x: "a" },
            { x: "b" },
          ]);
        } finally {
          await db.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

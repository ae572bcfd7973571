import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_PG_REASON, PgSchemas, pgRequired, pgTestUrl } from "../contract/harness.testing.js";
import { MIGRATIONS } from "../migrations.js";
import { openStore } from "../open.js";
import { PgDb } from "../pg/db.js";
import { SqliteStore } from "../sqlite.js";
import { backupStore } from "./backup.js";
import { copyStore } from "./copy.js";
import { fillStore, smallSpec } from "./fill.testing.js";

const base = pgTestUrl();
if (base === undefined && pgRequired()) {
  describe("store copies and backups", () => {
    it("have a PostgreSQL to copy to", () => {
      throw new Error(`${NO_PG_REASON}; CI=true or AIDC_REQUIRE_PG=1 requires it`);
    });
  });
}

async function pgRows(url: string, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const db = new PgDb(url, { max: 1 });
  try {
    return await db.query(sql, values);
  } finally {
    await db.close();
  }
}

function sqliteRows(path: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

const JOBS = 10_000;
const SMALL = 400;

describe("store copies and backups", { skip: base === undefined, meta: base === undefined ? { skipReason: NO_PG_REASON } : {} }, () => {
  let schemas: PgSchemas;
  let dir: string;
  let source: string; // a SQLite store with every kind of row, small enough to copy often
  beforeAll(async () => {
    schemas = new PgSchemas(base ?? "");
    dir = mkdtempSync(join(tmpdir(), "aidc-copy-"));
    source = join(dir, "source.db");
    const store = await openStore(`sqlite:${source}`);
    await fillStore(store, { jobs: SMALL, artifacts: 40 });
    await store.close();
  }, 120_000);
  afterAll(async () => {
    await schemas.dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("copies 10,000 jobs and artifacts from SQLite to PostgreSQL with equal counts and checksums, keeping submission order", async () => {
    const big = join(dir, "big.db");
    const filled = await openStore(`sqlite:${big}`);
    await fillStore(filled, { jobs: JOBS, artifacts: 300 });
    await filled.close();
    const source = big;
    const { url } = await schemas.fresh();
    const report = await copyStore(`sqlite:${source}`, url);
    const count = (t: string): number => Number(sqliteRows(source, `SELECT COUNT(*) AS n FROM ${t}`)[0]?.["n"]);
    const byName = new Map(report.tables.map((t) => [t.name, t]));
    expect(byName.get("jobs")?.rows).toBe(JOBS);
    for (const t of [
      "events",
      "artifacts",
      "projects",
      "project_members",
      "tokens",
      "node_cordons",
      "leases",
      "served_models",
      "uploads",
    ]) {
      expect(byName.get(t)?.rows, t).toBe(count(t));
      expect(byName.get(t)?.rows, t).toBeGreaterThan(0);
    }
    expect(byName.get("artifacts")?.rows).toBe(300);
    expect(report.migrations).toEqual(MIGRATIONS.map((m) => m.version));
    const pgOrder = (await pgRows(url, "SELECT id FROM jobs ORDER BY seq")).map((r) => r["id"]);
    expect(pgOrder).toEqual(sqliteRows(source, "SELECT id FROM jobs ORDER BY rowid").map((r) => r["id"]));

    // the copy is a working store: the port reads it, and new ids come after the copied ones
    const store = await openStore(url, { maxConnections: 2 });
    try {
      const maxEvent = Number(sqliteRows(source, "SELECT MAX(id) AS m FROM events")[0]?.["m"]);
      expect(await store.events.insert(Date.now(), "test", "x")).toBe(maxEvent + 1);
      const { job } = await store.jobs.submit(smallSpec(1), "zed", Date.now());
      expect((await pgRows(url, "SELECT seq FROM jobs WHERE id = $1", [job.id]))[0]?.["seq"]).toBe(JOBS + 1);
      expect((await store.jobs.countsByState()).get("succeeded")).toBe(JOBS / 8);
      expect([...(await store.jobs.countsByState()).values()].reduce((a, b) => a + b, 0)).toBe(JOBS + 1);
      expect((await store.artifacts.list({ includeDeleted: true })).length).toBe(count("artifacts"));
      expect(await store.served.binding("sentiment")).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it("refuses a target that holds data unless --force, and replaces it with --force", async () => {
    const { url } = await schemas.fresh();
    const store = await openStore(url, { maxConnections: 2 });
    await store.tokens.create("already-here", "admin", 1);
    await store.close();
    await expect(copyStore(`sqlite:${source}`, url)).rejects.toMatchObject({
      code: "STORE_NOT_EMPTY",
      message: expect.stringContaining("tokens") as string,
    });
    expect(await pgRows(url, "SELECT COUNT(*) AS n FROM jobs")).toEqual([{ n: 0 }]);
    const report = await copyStore(`sqlite:${source}`, url, { force: true });
    expect(report.replaced).toEqual(["events", "tokens"]);
    expect(await pgRows(url, `SELECT COUNT(*) AS n FROM tokens WHERE "user" = 'already-here'`)).toEqual([{ n: 0 }]);
  });

  it("round-trips PostgreSQL back to SQLite with the same checksums and rowid order", async () => {
    const { url } = await schemas.fresh();
    const there = await copyStore(`sqlite:${source}`, url);
    expect(there.tables.find((t) => t.name === "jobs")?.rows).toBe(SMALL);
    const back = await copyStore(url, `sqlite:${join(dir, "back.db")}`);
    expect(back.tables).toEqual(there.tables);
    expect(sqliteRows(join(dir, "back.db"), "SELECT id FROM jobs ORDER BY rowid")).toEqual(
      sqliteRows(source, "SELECT id FROM jobs ORDER BY rowid"),
    );
  });

  it("refuses a source at another migration version, writing nothing", async () => {
    const old = join(dir, "old.db");
    await SqliteStore.open(old, MIGRATIONS.slice(0, 10)).close();
    const { url } = await schemas.fresh();
    await expect(copyStore(`sqlite:${old}`, url)).rejects.toMatchObject({ code: "STORE_VERSION_MISMATCH" });
  });

  it("backs up PostgreSQL while a replica keeps submitting: one consistent snapshot that restores into SQLite", async () => {
    const { url } = await schemas.fresh();
    await copyStore(`sqlite:${source}`, url);
    const writer = await openStore(url, { maxConnections: 2 });
    let writing = true;
    let written = 0;
    const load = (async () => {
      while (writing) await writer.jobs.submit(smallSpec(written++), "writer", Date.now());
    })();
    try {
      const file = join(dir, "pg-backup.jsonl.gz");
      const report = await backupStore(url, file);
      writing = false;
      await load;
      expect(report.format).toBe("jsonl");
      expect(written).toBeGreaterThan(0);
      const restored = join(dir, "restored.db");
      const copy = await copyStore(`file:${file}`, `sqlite:${restored}`);
      expect(copy.tables).toEqual(report.tables);
      // consistent: every job of the snapshot has its submission event, and no event lacks its job
      const jobs = Number(sqliteRows(restored, "SELECT COUNT(*) AS n FROM jobs")[0]?.["n"]);
      const submitted = Number(sqliteRows(restored, "SELECT COUNT(*) AS n FROM events WHERE type = 'job.submitted'")[0]?.["n"]);
      expect(jobs).toBe(submitted);
      expect(jobs).toBeGreaterThanOrEqual(SMALL);
    } finally {
      writing = false;
      await load;
      await writer.close();
    }
  });

  it("refuses a dump that was cut short or altered, leaving the target empty", async () => {
    const { url } = await schemas.fresh();
    await copyStore(`sqlite:${source}`, url);
    const file = join(dir, "cut.jsonl.gz");
    await backupStore(url, file);
    const text = gunzipSync(readFileSync(file)).toString("utf8");
    const cut = join(dir, "cut-short.jsonl.gz");
    writeFileSync(cut, gzipSync(text.slice(0, Math.floor(text.length * 0.6))));
    const altered = join(dir, "altered.jsonl.gz");
    writeFileSync(altered, gzipSync(text.replace('"alice"', '"mallory"')));
    for (const bad of [cut, altered]) {
      const target = join(dir, `from-${bad.length}-${Math.random()}.db`);
      await expect(copyStore(`file:${bad}`, `sqlite:${target}`)).rejects.toMatchObject({ code: "STORE_DUMP_CORRUPT" });
      expect(sqliteRows(target, "SELECT COUNT(*) AS n FROM jobs")).toEqual([{ n: 0 }]);
    }
  });
});

describe("SQLite backup", () => {
  it("is one consistent snapshot taken while the server writes, and is itself a store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-backup-"));
    try {
      const path = join(dir, "live.db");
      const live = await openStore(`sqlite:${path}`);
      await fillStore(live, { jobs: 500, artifacts: 10 });
      let writing = true;
      const load = (async () => {
        for (let i = 0; writing; i++) {
          await live.jobs.submit(smallSpec(i), "writer", Date.now());
          await new Promise((r) => setImmediate(r));
        }
      })();
      const report = await backupStore(`sqlite:${path}`, join(dir, "backup.db"));
      writing = false;
      await load;
      await live.close();
      expect(report.format).toBe("sqlite");
      const restored = await openStore(`sqlite:${join(dir, "backup.db")}`);
      try {
        const jobs = [...(await restored.jobs.countsByState()).values()].reduce((a, b) => a + b, 0);
        expect(jobs).toBe(report.tables.find((t) => t.name === "jobs")?.rows);
        expect(jobs).toBeGreaterThanOrEqual(500);
        expect((await restored.events.list(100_000)).filter((e) => e.type === "job.submitted").length).toBe(jobs);
      } finally {
        await restored.close();
      }
      await expect(backupStore(`sqlite:${path}`, join(dir, "backup.db"))).rejects.toMatchObject({ code: "UNWRITABLE" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobSpec } from "@aidc/core";
import { openStore, startServer, type RunningServer } from "@aidc/server";
import { runCli } from "../run-cli.testing.js";

// `aidc store migrate` moves a SQLite store with 10,000 jobs and artifacts to PostgreSQL, and `aidc serve
// --store postgres://…` then serves them. PostgreSQL comes from ../shared/scripts/postgres-dev.sh (.ci/run starts it).
const base = process.env["AIDC_TEST_PG_URL"];
const NO_PG = "no PostgreSQL: AIDC_TEST_PG_URL unset (CI starts one with ../shared/scripts/postgres-dev.sh)";
if (base === undefined && (process.env["CI"] === "true" || process.env["AIDC_REQUIRE_PG"] === "1")) {
  throw new Error(`${NO_PG}; CI must run the store migration tests`);
}

const JOBS = 10_000;
const ARTIFACTS = 120;
const dir = mkdtempSync(join(tmpdir(), "aidc-cli-store-"));
const source = join(dir, "source.db");
const schema = `t_cli_${process.pid}_${Date.now().toString(36)}`;
let admin: pg.Client | undefined;
let target = "";
let token = "";

function spec(i: number): JobSpec {
  return JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name: `j-${i % 50}`, tasks: [{}], run: { command: "true" } });
}

describe("aidc store", { skip: base === undefined, meta: base === undefined ? { skipReason: NO_PG } : {} }, () => {
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const u = new URL(base ?? "");
    u.searchParams.set("options", `-c search_path=${schema}`);
    target = u.toString();
    const store = await openStore(`sqlite:${source}`);
    token = await store.tokens.create("root", "admin", 1);
    for (let i = 0; i < JOBS; i++) {
      const { job } = await store.jobs.submit(spec(i), i % 2 === 0 ? "alice" : "bob", 1_000 + i);
      if (i % 3 === 0) await store.jobs.apply(job.id, "cancel", 2_000 + i);
    }
    for (let i = 0; i < ARTIFACTS; i++) {
      await store.artifacts.add(
        {
          project: "sentiment",
          name: `data-${i % 10}`,
          kind: "dataset",
          sha256: "ab".repeat(32),
          sizeBytes: 10 + i,
          metadata: {},
          parents: [],
          createdBy: "alice",
        },
        5_000 + i,
        { user: "alice", decide: (f) => (f.exists ? "publish" : "create") },
      );
    }
    await store.close();
  }, 300_000);

  afterAll(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it("migrate copies 10,000 jobs and the artifacts from SQLite to PostgreSQL, verified, and the server serves them", async () => {
    const r = await runCli(["store", "migrate", "--from", `sqlite:${source}`, "--to", target, "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { tables: { name: string; rows: number }[]; rows: number };
    expect(report.tables.find((t) => t.name === "jobs")?.rows).toBe(JOBS);
    expect(report.tables.find((t) => t.name === "artifacts")?.rows).toBe(ARTIFACTS);
    expect(r.out).not.toContain(":aidc@"); // the password never appears

    let server: RunningServer | undefined;
    try {
      server = await startServer({
        host: "127.0.0.1",
        port: 0,
        dataDir: join(dir, "serve"),
        store: target,
        executor: "sim",
        simSpeedup: 1000,
        logLevel: "silent",
        metricsIntervalS: 0,
      });
      expect(server.store.backend).toBe("postgres");
      const conn = ["--url", server.url, "--token", token];
      const jobs = await runCli(["jobs", ...conn, "--json"]);
      expect(jobs.code).toBe(0);
      const list = JSON.parse(jobs.out) as { id: string; user: string }[];
      expect(list.length).toBe(JOBS);
      expect(new Set(list.map((j) => j.user))).toEqual(new Set(["alice", "bob"]));
      const arts = await runCli(["artifacts", "ls", ...conn, "--json"]);
      expect(arts.code).toBe(0);
      expect((JSON.parse(arts.out) as unknown[]).length).toBe(ARTIFACTS);
    } finally {
      await server?.close();
    }
  });

  it("migrate refuses a target that holds data (exit 2, nothing changed) unless --force", async () => {
    const again = await runCli(["store", "migrate", "--from", `sqlite:${source}`, "--to", target]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds data.*--force/);
    const forced = await runCli(["store", "migrate", "--from", `sqlite:${source}`, "--to", target, "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/copied \d+ rows in \d+ tables .* counts and checksums verified; replaced the target's/);
  });

  it("backup writes a PostgreSQL dump that migrate restores into a new SQLite store; a bad flag exits 2", async () => {
    const file = join(dir, "pg.jsonl.gz");
    const b = await runCli(["store", "backup", target, file, "--json"]);
    expect(b.code).toBe(0);
    const backup = JSON.parse(b.out) as { format: string; tables: { name: string; rows: number; checksum: string }[] };
    expect(backup.format).toBe("jsonl");
    expect(existsSync(file)).toBe(true);
    const restored = join(dir, "restored.db");
    const m = await runCli(["store", "migrate", "--from", `file:${file}`, "--to", `sqlite:${restored}`, "--json"]);
    expect(m.code).toBe(0);
    expect((JSON.parse(m.out) as { tables: unknown[] }).tables).toEqual(backup.tables);
    const bad = await runCli(["store", "backup", `sqlite:${source}`, join(dir, "x"), "--format", "xml"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--format");
    const badUrl = await runCli(["store", "migrate", "--from", "mysql://h/db", "--to", `sqlite:${join(dir, "y.db")}`]);
    expect(badUrl.code).toBe(2);
  });
});

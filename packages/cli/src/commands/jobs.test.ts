import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { runCli } from "../run-cli.testing.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-cli-jobs-"));
let server: RunningServer;
let conn: string[] = [];
const JOBS = 2345;

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: join(dir, "data"),
    executor: "sim",
    logLevel: "silent",
    metricsIntervalS: 0,
  });
  conn = ["--url", server.url, "--token", readFileSync(server.adminTokenFile, "utf8").trim()];
  // more jobs than one page of the API holds, written straight into the store (as the server would)
  const spec = JSON.stringify({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: "j",
    tasks: [{ resources: { gpus: 1 } }],
    run: { command: "true" },
  });
  const insert = server.store.db.prepare(
    `INSERT INTO jobs (id, name, user, queue, priority, spec, state, attempts, submitted_at_ms, updated_at_ms)
     VALUES (?, 'j', 'alice', 'default', 0, ?, 'cancelled', 0, ?, ?)`,
  );
  server.store.db.transaction(() => {
    for (let i = 0; i < JOBS; i++) insert.run(`j-${String(i).padStart(5, "0")}`, spec, 1000 + Math.floor(i / 7), 1000);
  })();
});
afterAll(async () => server.close());

describe("aidc jobs", () => {
  it("follows the server's cursor through every page", async () => {
    const r = await runCli(["jobs", "--json", ...conn]);
    expect(r.code).toBe(0);
    const ids = (JSON.parse(r.out) as { id: string }[]).map((j) => j.id);
    expect(ids).toHaveLength(JOBS);
    expect(new Set(ids).size).toBe(JOBS);
    expect(ids[0]).toBe("j-00000");
    expect(ids.at(-1)).toBe(`j-0${JOBS - 1}`);
  });

  it("--limit stops after that many jobs, across pages", async () => {
    const r = await runCli(["jobs", "--json", "--limit", "1500", ...conn]);
    expect((JSON.parse(r.out) as unknown[]).length).toBe(1500);
    const bad = await runCli(["jobs", "--limit", "0", ...conn]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--limit");
  });

  it("why says how a finished job ended, and when", async () => {
    const r = await runCli(["why", "j-00000", ...conn]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("finished: cancelled at 1970-01-01T00:00:01.000Z\n");
  });
});

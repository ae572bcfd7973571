import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteStore, startServer, type RunningServer } from "@aidc/server";
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
    simSpeedup: 1000,
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
  if (!(server.store instanceof SqliteStore)) throw new Error("this test writes rows into the SQLite file");
  const db = server.store.sqlite.db;
  const insert = db.prepare(
    `INSERT INTO jobs (id, name, user, queue, priority, spec, state, attempts, submitted_at_ms, updated_at_ms)
     VALUES (?, 'j', 'alice', 'default', 0, ?, 'cancelled', 0, ?, ?)`,
  );
  db.transaction(() => {
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

describe("aidc jobs --sort, job and why on a job that ran", () => {
  const submit = async (name: string, extra = ""): Promise<string> => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `apiVersion: aidc/v1\nkind: Job\nname: ${name}\ntasks: [{ resources: { gpus: 0 } }]\nrun: { command: "true" }\n${extra}`,
    );
    const r = await runCli(["submit", file, "--json", ...conn]);
    expect(r.code).toBe(0);
    return (JSON.parse(r.out) as { id: string }).id;
  };

  it("--sort name --desc --limit 2 sorts every page first; a bad key exits 2", async () => {
    await submit("zz-last", "dependsOn: [never-submitted]\n");
    await submit("aa-first", "dependsOn: [never-submitted]\n");
    const r = await runCli(["jobs", "--json", "--sort", "name", "--desc", "--limit", "2", ...conn]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { name: string }[]).map((j) => j.name)).toEqual(["zz-last", "j"]);
    const asc = await runCli(["jobs", "--json", "--sort", "name", "--limit", "1", ...conn]);
    expect((JSON.parse(asc.out) as { name: string }[])[0]?.name).toBe("aa-first");
    const bySubmitted = await runCli(["jobs", "--json", "--sort", "submitted", "--desc", "--limit", "1", ...conn]);
    expect((JSON.parse(bySubmitted.out) as { name: string }[])[0]?.name).toBe("aa-first");
    const bad = await runCli(["jobs", "--sort", "size", ...conn]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--sort");
  });

  it("job counts a job that ran once as 1 attempt; why says it finished and how long it ran", async () => {
    const id = await submit("quick", 'labels: { "aidc.dev/sim-duration-s": "180" }\n');
    let state = "";
    for (let i = 0; i < 200 && state !== "succeeded"; i++) {
      state = (JSON.parse((await runCli(["job", id, "--json", ...conn])).out) as { state: string }).state;
      if (state !== "succeeded") await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toBe("succeeded");
    const shown = await runCli(["job", id, ...conn]);
    expect(shown.out).toMatch(/^attempts\t1$/m);
    const why = await runCli(["why", id, ...conn]);
    // the sim executor runs 180 s of work in 0.18 s of the server's real clock
    expect(why.out).toMatch(/^finished: succeeded at \S+Z, ran \d+ s with exit code 0\n$/);
  });
});

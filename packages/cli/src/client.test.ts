import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { runCli } from "./run-cli.testing.js";

const repo = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "aidc-client-"));
let server: RunningServer;
let conn: string[] = [];

const run = (...argv: string[]) => runCli([...argv, ...conn]);

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: join(dir, "data"),
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    logLevel: "silent",
    tickMs: 100,
  });
  conn = ["--url", server.url, "--token", readFileSync(server.adminTokenFile, "utf8").trim()];
});
afterAll(async () => server.close());

describe("aidc client commands", () => {
  it("submit --wait --json runs examples/jobs/hello.yaml to success; logs prints hello", async () => {
    const r = await run("submit", join(repo, "examples/jobs/hello.yaml"), "--wait", "--json");
    expect(r.code).toBe(0);
    const job = JSON.parse(r.out) as { id: string; state: string };
    expect(job.state).toBe("succeeded");
    expect((await run("logs", job.id)).out).toBe("hello\n");
    const list = JSON.parse((await run("jobs", "--json", "--state", "succeeded")).out) as { id: string }[];
    expect(list.map((j) => j.id)).toContain(job.id);
  });

  it("submit --wait exits 1 for a job that fails", async () => {
    const r = await run("submit", join(repo, "examples/jobs/fails.yaml"), "--wait", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ state: "failed", exitCode: 3 });
  });

  it("a job that can never fit is refused at submission (exit 2 and why, like Slurm)", async () => {
    const file = join(dir, "too-big.yaml");
    writeFileSync(
      file,
      "apiVersion: aidc/v1\nkind: Job\nname: big\nqueue: production\ntasks: [{ replicas: 5, resources: { gpus: 8 } }]\nrun: { command: 'true' }\n",
    );
    const r = await run("submit", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain("requested node configuration is not available");
    expect(JSON.parse((await run("jobs", "--json")).out)).not.toContainEqual(expect.objectContaining({ name: "big" }));
  });

  it("why and cancel a job that cannot start yet", async () => {
    const file = join(dir, "waits.yaml");
    writeFileSync(
      file,
      "apiVersion: aidc/v1\nkind: Job\nname: waits\ndependsOn: [never-submitted]\ntasks: [{ resources: { gpus: 0 } }]\nrun: { command: 'true' }\n",
    );
    const id = (await run("submit", file)).out.split("\t")[0] ?? "";
    await new Promise((r) => setTimeout(r, 300));
    const why = JSON.parse((await run("why", id, "--json")).out) as { reason: string };
    expect(why.reason).toBe("DEPENDENCY");
    expect((await run("cancel", id)).out).toContain("cancelled");
  });

  it("bad input exits 2 with the server's issues; a missing job is bad input too", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "apiVersion: aidc/v1\nkind: Job\nname: b\ntasks: [{ replicas: 0 }]\nrun: { command: x }\n");
    const r = await run("submit", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain("tasks[0].replicas (line 4): must be greater than 0");
    expect((await run("job", "j-nope")).code).toBe(2);
  });

  it("pushes and pulls an artifact byte for byte", async () => {
    const src = join(dir, "data.bin");
    writeFileSync(src, Buffer.alloc(20_000_000, 7));
    const pushed = JSON.parse((await run("artifacts", "push", src, "nlp/blob", "--kind", "dataset", "--json")).out) as { version: number };
    expect(pushed.version).toBe(1);
    const out = join(dir, "copy.bin");
    expect((await run("artifacts", "pull", "nlp/blob:1", "-o", out)).code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(src))).toBe(true);
    const ls = JSON.parse((await run("artifacts", "ls", "--json")).out) as { name: string }[];
    expect(ls.map((a) => a.name)).toContain("blob");
  });

  it("creates tokens (admin only) and refuses without one", async () => {
    const token = (await run("token", "create", "--user", "dora", "--role", "viewer")).out.trim();
    expect(token).toMatch(/^aidc_/);
    const saved = conn;
    conn = ["--url", server.url, "--token", token];
    try {
      const r = await run("submit", join(repo, "examples/jobs/hello.yaml"));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/403/);
    } finally {
      conn = saved;
    }
  });

  it("says where the server should be when it is unreachable (exit 1)", async () => {
    const saved = conn;
    conn = ["--url", "http://127.0.0.1:9", "--token", "x"];
    try {
      const r = await run("jobs");
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/Cannot reach the aidc server at http:\/\/127\.0\.0\.1:9/);
    } finally {
      conn = saved;
    }
  });
});

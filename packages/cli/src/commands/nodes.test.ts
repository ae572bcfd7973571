import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { runCli } from "../run-cli.testing.js";

const repo = new URL("../../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "aidc-cli-nodes-"));
let server: RunningServer;
let conn: string[] = [];

interface NodeRow {
  name: string;
  state: string;
  reason?: string;
  runningJobs: number;
}

const nodes = async (): Promise<Map<string, NodeRow>> =>
  new Map((JSON.parse((await runCli(["nodes", "--json", ...conn])).out) as NodeRow[]).map((n) => [n.name, n]));

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: join(dir, "data"),
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    executor: "sim",
    logLevel: "silent",
    metricsIntervalS: 0,
    tickMs: 50,
  });
  conn = ["--url", server.url, "--token", readFileSync(server.adminTokenFile, "utf8").trim()];
});
afterAll(async () => server.close());

describe("aidc nodes, cordon, uncordon, drain", () => {
  it("cordon and uncordon a node with a reason; nodes shows the state and why", async () => {
    expect((await nodes()).get("infer-01")).toMatchObject({ state: "up", runningJobs: 0 });
    const c = await runCli(["cordon", "infer-01", "--reason", "bad DIMM", ...conn]);
    expect(c).toMatchObject({ code: 0, out: "infer-01\tcordoned\n" });
    expect((await nodes()).get("infer-01")).toMatchObject({ state: "cordoned", reason: "bad DIMM (admin)" });
    const table = await runCli(["nodes", ...conn]);
    expect(table.out.split("\n")[0]).toBe("NODE\tSTATE\tRACK\tACCELERATOR\tGPUS\tFREE\tJOBS\tCPUS\tMEM GiB\tREASON");
    expect(table.out).toMatch(/^infer-01\tcordoned\t.*\tbad DIMM \(admin\)$/m);
    expect((await runCli(["uncordon", "infer-01", ...conn])).out).toBe("infer-01\tup\n");
    expect((await nodes()).get("infer-01")).toMatchObject({ state: "up" });
    expect((await nodes()).get("infer-01")?.reason).toBeUndefined();
  });

  it("drain requeues the node's running job, which then runs elsewhere; the node shows drained", async () => {
    const file = join(dir, "serve.yaml");
    writeFileSync(
      file,
      'apiVersion: aidc/v1\nkind: Job\nname: s\nqueue: inference\ntasks: [{ resources: { gpus: 8, gpuType: l40s } }]\nlabels: { "aidc.dev/sim-duration-s": "3600" }\nrun: { command: "true" }\n',
    );
    const id = (JSON.parse((await runCli(["submit", file, "--json", ...conn])).out) as { id: string }).id;
    let node: string | undefined;
    for (let i = 0; i < 200 && node === undefined; i++) {
      node = [...(await nodes()).values()].find((n) => n.runningJobs > 0)?.name;
      if (node === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect(node).toBeDefined();
    const d = await runCli(["drain", node ?? "", "--reason", "firmware", ...conn]);
    expect(d.code).toBe(0);
    expect(d.out).toBe(`${node}\tdrained; requeued 1 job(s): ${id}\n`);
    const after = await nodes();
    expect(after.get(node ?? "")).toMatchObject({ state: "drained", reason: "firmware (admin)", runningJobs: 0 });
    await runCli(["uncordon", node ?? "", ...conn]);
  });

  it("an unknown node exits 2; --json prints the server's answer", async () => {
    const r = await runCli(["cordon", "nope", ...conn]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('No node "nope"');
    const j = await runCli(["cordon", "infer-02", "--json", ...conn]);
    expect(JSON.parse(j.out)).toEqual({ node: "infer-02", cordoned: true });
  });

  it("needs the operator role", async () => {
    const viewer = (await runCli(["token", "create", "--user", "vic", "--role", "viewer", ...conn])).out.trim();
    const r = await runCli(["cordon", "infer-02", "--url", server.url, "--token", viewer]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("operator");
  });
});

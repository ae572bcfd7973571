import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../main.js";

function slurmNodes(): string[] {
  try {
    const out = execFileSync("sinfo", ["-h", "-N", "-o", "%N"], { encoding: "utf8", stdio: "pipe", timeout: 5000 });
    return [
      ...new Set(
        out
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ].sort();
  } catch {
    return [];
  }
}

// `aidc serve --executor slurm` without --cluster, against the real Slurm of ../shared/scripts/slurm-dev.sh (SLURM_DEV_NODES=2).
const nodes = slurmNodes();
if (nodes.length === 0 && process.env["CI"])
  throw new Error("CI must run aidc serve against the real Slurm (bash ../shared/scripts/slurm-dev.sh up)");
const skip = nodes.length < 2;
const why = nodes.length === 0 ? "no Slurm reachable here (sinfo)" : "Slurm has one node; this test needs two (SLURM_DEV_NODES=2)";

interface JobView {
  id: string;
  state: string;
  placement?: { tasks: { node: string }[] };
}
interface NodeView {
  name: string;
  gpus: number;
  state: string;
  reason?: string;
}

describe("aidc serve on Slurm without a cluster file (real Slurm)", { skip, meta: skip ? { skipReason: why } : {} }, () => {
  let server: RunningServer;
  let token = "";
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as T;
  };
  const until = async <T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 60_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await get();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const nodeList = async (): Promise<NodeView[]> => (await api<{ nodes: NodeView[] }>("GET", "/api/v1/nodes")).nodes;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-slurm-serve-"));
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir,
      executor: "slurm",
      metricsIntervalS: 0,
      logLevel: "silent",
      tickMs: 200,
    });
    token = readFileSync(server.adminTokenFile, "utf8").trim();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it("schedules GPU jobs on Slurm's nodes and GPUs (no NEVER_FITS), and Slurm runs them where aidc placed them", async () => {
    expect((await nodeList()).map((n) => [n.name, n.gpus > 0])).toEqual(nodes.map((n) => [n, true]));
    const spec = {
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "on-slurm",
      tasks: [{ replicas: 2, resources: { gpus: 1, gpuType: "h100", cpus: 1, memoryGiB: 0.5 } }],
      run: { command: 'echo "replica $AIDC_REPLICA on $AIDC_NODE"' },
    };
    const { id } = await api<JobView>("POST", "/api/v1/jobs", spec);
    const done = await until(
      () => api<JobView>("GET", `/api/v1/jobs/${id}`),
      (j) => j.state === "succeeded" || j.state === "failed",
      "job",
    );
    expect(done.state).toBe("succeeded");
    const placed = (done.placement?.tasks ?? []).map((t, i) => `replica ${i} on ${t.node}`).sort();
    const logs = await fetch(`${server.url}/api/v1/jobs/${id}/logs`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
      r.text(),
    );
    expect(
      logs
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("replica"))
        .sort(),
    ).toEqual(placed);
  }, 90_000);

  it("a node drained in Slurm shows as cordoned with Slurm's reason, and is back when Slurm resumes it", async () => {
    const target = nodes[nodes.length - 1] ?? "";
    const reason = `aidc serve test ${process.pid}`;
    try {
      execFileSync("scontrol", ["update", `nodename=${target}`, "state=drain", `reason=${reason}`]);
      const n = await until(nodeList, (ns) => ns.some((x) => x.name === target && x.state !== "up"), "cordon", 30_000);
      expect(n.find((x) => x.name === target)).toMatchObject({ state: "cordoned", reason: expect.stringContaining(reason) });
    } finally {
      execFileSync("scontrol", ["update", `nodename=${target}`, "state=resume"]);
    }
    await until(nodeList, (ns) => ns.some((x) => x.name === target && x.state === "up"), "uncordon", 40_000);
  }, 90_000);
});

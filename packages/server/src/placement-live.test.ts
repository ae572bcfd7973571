import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./main.js";

const repo = new URL("../../../", import.meta.url).pathname;
let server: RunningServer;
let token = "";

interface JobView {
  id: string;
  state: string;
  placement?: { tasks: { node: string; gpuIndices: number[] }[] };
}
interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text.startsWith("{") ? JSON.parse(text) : text) as T };
}

/** A job that stays running for an hour of the sim executor's virtual time. */
const job = (name: string, queue: string, resources: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "aidc/v1",
  kind: "Job",
  name,
  queue,
  tasks: [{ resources }],
  labels: { "aidc.dev/sim-duration-s": "3600" },
  run: { command: "true" },
  ...extra,
});

async function settled(id: string): Promise<JobView> {
  for (let i = 0; i < 200; i++) {
    const j = (await api<JobView>("GET", `/api/v1/jobs/${id}`)).body;
    if (j.state !== "pending") return j;
    await new Promise((r) => setTimeout(r, 25));
  }
  return (await api<JobView>("GET", `/api/v1/jobs/${id}`)).body;
}

async function why(id: string): Promise<{ reason: string; message: string }> {
  for (let i = 0; i < 200; i++) {
    const w = (await api<{ reason: string; message: string }>("GET", `/api/v1/jobs/${id}/explain`)).body;
    if (w.reason !== "NOT_YET_CONSIDERED") return w;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} was never considered`);
}

const nodesOf = (j: JobView): string[] => [...new Set((j.placement?.tasks ?? []).map((t) => t.node))];

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "aidc-place-")),
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    executor: "sim",
    logLevel: "silent",
    metricsIntervalS: 0,
    tickMs: 50,
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => server.close());

describe("live placement on a heterogeneous cluster (demo: DGX H100 in train, L40S in serve)", () => {
  it("a job asking for h100 lands only on DGX H100 nodes, one asking for l40s only on the inference nodes", async () => {
    const h = (await api<JobView>("POST", "/api/v1/jobs", job("h", "research", { gpus: 4, gpuType: "h100" }))).body;
    const l = (await api<JobView>("POST", "/api/v1/jobs", job("l", "inference", { gpus: 2, gpuType: "l40s" }))).body;
    const hRun = await settled(h.id);
    const lRun = await settled(l.id);
    expect(hRun.state).toBe("running");
    expect(nodesOf(hRun).every((n) => n.startsWith("dgx-"))).toBe(true);
    expect(lRun.state).toBe("running");
    expect(nodesOf(lRun).every((n) => n.startsWith("infer-"))).toBe(true);
  });

  it("refuses with 422 a GPU type the cluster lacks, naming the types it has", async () => {
    const r = await api<ErrorBody>("POST", "/api/v1/jobs", job("b", "research", { gpus: 8, gpuType: "b200" }));
    expect(r.status).toBe(422);
    const issue = r.body.error.issues?.[0];
    expect(issue?.path).toBe("tasks[0].resources.gpuType");
    expect(issue?.message).toMatch(/h100-sxm5-80gb/);
    expect(issue?.message).toMatch(/L40S/i);
  });

  it("refuses a GPU type the queue's partition lacks (h100 on the inference queue)", async () => {
    const r = await api<ErrorBody>("POST", "/api/v1/jobs", job("hi", "inference", { gpus: 1, gpuType: "h100" }));
    expect(r.status).toBe(422);
    expect(r.body.error.issues?.[0]?.message).toMatch(/partition serve/);
  });

  it("a replica that no node can hold is refused at submission with 422 and why (like Slurm), not queued forever", async () => {
    const big = await api<ErrorBody>("POST", "/api/v1/jobs", job("cpu-huge", "research", { cpus: 100_000, memoryGiB: 99_999 }));
    expect(big.status).toBe(422);
    expect(big.body.error.issues?.[0]?.message).toMatch(/100000 CPUs.*the largest nodes of partition train have 8 GPUs, 112 CPUs/);
    const gang = await api<ErrorBody>("POST", "/api/v1/jobs", job("one-replica-16", "research", { gpus: 16 }));
    expect(gang.status).toBe(422);
    expect(gang.body.error.issues?.[0]).toMatchObject({ path: "tasks[0].resources", message: expect.stringMatching(/16 GPUs/) });
    expect(gang.body.error.issues?.[0]?.message).toMatch(/requested node configuration is not available/);
    const jobs = (await api<{ jobs: { name: string }[] }>("GET", "/api/v1/jobs")).body.jobs.map((j) => j.name);
    expect(jobs).not.toContain("cpu-huge");
    expect(jobs).not.toContain("one-replica-16");
  });

  it("CPU-only jobs use CPU and memory capacity: two 60-CPU replicas never share one 112-CPU DGX", async () => {
    const two = (
      await api<JobView>("POST", "/api/v1/jobs", {
        ...job("cpu-two", "research", { cpus: 60, memoryGiB: 16 }),
        tasks: [{ replicas: 2, resources: { cpus: 60, memoryGiB: 16 } }],
      })
    ).body;
    const ran = await settled(two.id);
    expect(ran.state).toBe("running");
    expect(nodesOf(ran)).toHaveLength(2);
  });

  it("a CPU job does not start while every node is cordoned, and starts once one is back", async () => {
    const nodes = (await api<{ nodes: { name: string }[] }>("GET", "/api/v1/nodes")).body.nodes.map((n) => n.name);
    for (const n of nodes) expect((await api("POST", `/api/v1/nodes/${n}/cordon`, { reason: "test" })).status).toBe(200);
    const cpu = (await api<JobView>("POST", "/api/v1/jobs", job("cpu-small", "research", { cpus: 1 }))).body;
    expect((await why(cpu.id)).reason).toBe("INSUFFICIENT_CPUS");
    await new Promise((r) => setTimeout(r, 300));
    expect((await api<JobView>("GET", `/api/v1/jobs/${cpu.id}`)).body.state).toBe("pending");
    expect((await api("DELETE", `/api/v1/nodes/${nodes[0]}/cordon`)).status).toBe(200);
    const ran = await settled(cpu.id);
    expect(ran.state).toBe("running");
    expect(nodesOf(ran)).toEqual([nodes[0]]);
    for (const n of nodes.slice(1)) await api("DELETE", `/api/v1/nodes/${n}/cordon`);
  });

  it("a node selector keeps a job on the nodes carrying its labels", async () => {
    const none = await api<ErrorBody>("POST", "/api/v1/jobs", {
      ...job("sel-none", "research", { cpus: 1 }),
      nodeSelector: { role: "serve" },
    });
    expect(none.status).toBe(422);
    expect(none.body.error.issues?.[0]).toMatchObject({ path: "nodeSelector", message: expect.stringMatching(/labelled role=serve/) });
    const sel = (await api<JobView>("POST", "/api/v1/jobs", { ...job("sel", "research", { cpus: 1 }), nodeSelector: { role: "train" } }))
      .body;
    const ran = await settled(sel.id);
    expect(ran.state).toBe("running");
    expect(nodesOf(ran).every((n) => n.startsWith("dgx-"))).toBe(true);
  });
});

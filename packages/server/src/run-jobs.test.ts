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
  exitCode?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  placement?: { tasks: { node: string; gpuIndices: number[] }[] };
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T };
}

const submit = async (name: string, command: string, extra: Record<string, unknown> = {}) =>
  (await api<JobView>("POST", "/api/v1/jobs", { apiVersion: "aidc/v1", kind: "Job", name, tasks: [{}], run: { command }, ...extra })).body;

async function waitFor(id: string, states: string[], timeoutMs = 20_000): Promise<JobView> {
  const start = Date.now();
  for (;;) {
    const job = (await api<JobView>("GET", `/api/v1/jobs/${id}`)).body;
    if (states.includes(job.state)) return job;
    if (Date.now() - start > timeoutMs) throw new Error(`job ${id} is ${job.state}, not ${states.join("|")}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "aidc-run-"));
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    logLevel: "silent",
    tickMs: 100,
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => server.close());

describe("running jobs with the local executor", () => {
  it("submit → run → succeed, with logs", async () => {
    const job = await submit("hello", "echo hello");
    const done = await waitFor(job.id, ["succeeded", "failed"]);
    expect(done).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(done.finishedAtMs).toBeGreaterThanOrEqual(done.startedAtMs ?? Infinity);
    expect((await api<string>("GET", `/api/v1/jobs/${job.id}/logs`)).body).toBe("hello\n");
    const events = (await api<{ events: { type: string }[] }>("GET", `/api/v1/jobs/${job.id}/events`)).body.events.map((e) => e.type);
    expect(events).toEqual(["job.submitted", "job.admitted", "job.running", "job.succeeded"]);
  });

  it("a failing job ends failed with its exit code, and retries when asked", async () => {
    const job = await submit("fails", "exit 4");
    expect(await waitFor(job.id, ["failed"])).toMatchObject({ state: "failed", exitCode: 4 });
    const retried = await submit("flaky", "exit 5", { retries: 1 });
    await waitFor(retried.id, ["failed"]);
    const events = (await api<{ events: { type: string }[] }>("GET", `/api/v1/jobs/${retried.id}/events`)).body.events.map((e) => e.type);
    expect(events.filter((t) => t === "job.running")).toHaveLength(2);
  });

  it("cancel stops a running job", async () => {
    const job = await submit("sleepy", "sleep 30");
    await waitFor(job.id, ["running"]);
    expect((await api<JobView>("DELETE", `/api/v1/jobs/${job.id}`)).body.state).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 500));
    expect((await api<JobView>("GET", `/api/v1/jobs/${job.id}`)).body.state).toBe("cancelled");
  });

  it("a gang waits until all its GPUs are free, and says why", async () => {
    const gang = (n: number) => ({ queue: "production", tasks: [{ name: "w", replicas: n, resources: { gpus: 8, cpus: 4 } }] });
    const big = await submit("big", "sleep 1.5", gang(4));
    const running = await waitFor(big.id, ["running"]);
    expect(running.placement?.tasks).toHaveLength(4);
    expect(new Set(running.placement?.tasks.map((t) => t.node)).size).toBe(4);
    const next = await submit("next", "true", gang(2));
    // until a pass has looked at it (a pass waits at least twice as long as the last one took, e.g. big's start)
    let why = { reason: "NOT_YET_CONSIDERED", message: "" };
    for (let i = 0; i < 100 && why.reason === "NOT_YET_CONSIDERED"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      why = (await api<{ reason: string; message: string }>("GET", `/api/v1/jobs/${next.id}/explain`)).body;
    }
    expect((await api<JobView>("GET", `/api/v1/jobs/${next.id}`)).body.state).toBe("pending");
    // the demo's queues have quotas: production already borrows all of research's share
    expect(["INSUFFICIENT_GPUS", "QUOTA_EXCEEDED"]).toContain(why.reason);
    const bigDone = await waitFor(big.id, ["succeeded"]);
    const nextDone = await waitFor(next.id, ["succeeded"]);
    expect(nextDone.startedAtMs).toBeGreaterThanOrEqual(bigDone.finishedAtMs ?? Infinity);
  });

  it("drain requeues a node's jobs elsewhere; a cordoned node gets no new work", async () => {
    const job = await submit("movable", "sleep 30", { queue: "production", tasks: [{ resources: { gpus: 8 } }] });
    const first = await waitFor(job.id, ["running"]);
    const node = first.placement?.tasks[0]?.node ?? "";
    const drained = await api<{ requeued: string[] }>("POST", `/api/v1/nodes/${node}/drain`, {});
    expect(drained.body.requeued).toEqual([job.id]);
    const again = await waitFor(job.id, ["running"]);
    expect(again.placement?.tasks[0]?.node).not.toBe(node);
    const events = (await api<{ events: { type: string }[] }>("GET", `/api/v1/jobs/${job.id}/events`)).body.events.map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(["job.preempted", "job.pending"]));
    const nodes = (await api<{ nodes: { name: string; cordoned?: string }[] }>("GET", "/api/v1/nodes")).body.nodes;
    expect(nodes.find((n) => n.name === node)?.cordoned).toMatch(/drained/);
    await api("DELETE", `/api/v1/jobs/${job.id}`);
    expect((await api("DELETE", `/api/v1/nodes/${node}/cordon`)).status).toBe(200);
    expect((await api("POST", "/api/v1/nodes/no-such-node/cordon", {})).status).toBe(404);
  });

  it("replays this cluster's finished jobs under other policies (what-if), or a given trace", async () => {
    const finished = (await api<{ jobs: JobView[] }>("GET", "/api/v1/jobs?state=succeeded,failed,cancelled")).body.jobs.filter(
      (j) => j.startedAtMs !== undefined,
    );
    const r = await api<{ jobs: number; results: { policy: string; jobs: number; avgJctS: number }[] }>("POST", "/api/v1/simulations", {
      policies: ["fifo", "sjf"],
    });
    expect(r.status).toBe(200);
    expect(r.body.jobs).toBe(finished.length);
    expect(r.body.results.map((x) => x.policy)).toEqual(["fifo", "sjf"]);
    const trace = [
      { id: "a", submitS: 0, durationS: 100, gpus: 32, queue: "q" },
      { id: "b", submitS: 1, durationS: 50, gpus: 32, queue: "q" },
    ];
    const fifo = (
      await api<{ results: { avgJctS: number; avgQueueS: number }[] }>("POST", "/api/v1/simulations", { policies: ["fifo"], jobs: trace })
    ).body.results[0];
    // 48 GPUs: b waits for a; average JCT = (100 + (99 + 50)) / 2
    expect(fifo?.avgJctS).toBeCloseTo(124.5, 5);
    expect((await api("POST", "/api/v1/simulations", { policies: ["nope"] })).status).toBe(400);
  });

  it("runs B only after A succeeds (dependencies)", async () => {
    const b = await submit("after-a", "true", { dependsOn: ["dep-a"] });
    // once a pass has looked at it (a loaded machine may take more than one tick), it waits for its dependency
    let reason = "NOT_YET_CONSIDERED";
    for (let i = 0; i < 100 && reason === "NOT_YET_CONSIDERED"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      reason = (await api<{ reason: string }>("GET", `/api/v1/jobs/${b.id}/explain`)).body.reason;
    }
    expect(reason).toBe("DEPENDENCY");
    const a = await submit("dep-a", "sleep 0.3");
    const aDone = await waitFor(a.id, ["succeeded"]);
    const bDone = await waitFor(b.id, ["succeeded"]);
    expect(bDone.startedAtMs).toBeGreaterThanOrEqual(aDone.finishedAtMs ?? Infinity);
  });
});

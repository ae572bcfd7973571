import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Cluster, JobSpec, checkCluster, defaultCatalog } from "@aidc/core";
import { RECLAIM_PROFILE, policyRule, queueImbalanceRule, type ForecastGain, type JobView } from "@aidc/observability";
import { startServer, type RunningServer } from "../main.js";
import type { JobRecord } from "../store/jobs.js";
import { loadClusterFile } from "../main.js";
import { policyReplays, queueViews } from "./recommendations.js";

// two 8-GPU nodes; research may use 4 GPUs, prod 8
const CLUSTER = `apiVersion: aidc/v1
kind: Cluster
name: reco
racks:
  - name: r1
    pod: p1
    nodes:
      - { name: n, count: 2, accelerator: h100-sxm5-80gb, gpus: 8, cpus: 64, memoryGiB: 512 }
queues:
  - { name: research, quota: { gpus: 4 }, borrowingLimit: { gpus: 12 }, cohort: main }
  - { name: prod, quota: { gpus: 8 }, cohort: main }
`;

interface Summary {
  pending: number;
  meanDelayS: number;
  neverStart: number;
}

interface Reco {
  id: string;
  kind: string;
  severity: string;
  title: string;
  evidence: Record<string, unknown>;
  expectedGain: { value: number; unit: string };
  action: { description: string };
  change?: unknown;
  forecast?: ForecastGain;
}

let dir: string;
let server: RunningServer;
let token: string;
const ids: string[] = [];
let bigId = "";

async function api<T>(method: string, path: string, body?: unknown, raw?: Buffer): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (raw !== undefined) headers["content-type"] = "application/offset+octet-stream";
  if (raw !== undefined) headers["upload-offset"] = "0";
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : raw !== undefined ? { body: raw } : {}),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

// `planned`: the planner can estimate it (a known model and an amount of work); otherwise the twin goes by runtimeEstimateS
const jobSpec = (name: string, queue: string, gpus: number, durationS: number, planned = true) => ({
  apiVersion: "aidc/v1",
  kind: "Job",
  name,
  queue,
  tasks: [{ resources: { gpus, gpuType: "h100" } }],
  labels: {
    "aidc.dev/sim-duration-s": String(durationS),
    ...(planned ? { "aidc.io/model": "imdb-sentiment-lstm", "aidc.io/samples": "50000000" } : {}),
  },
  runtimeEstimateS: durationS,
  run: { command: "true" },
});

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Wait until the twin's state holds a pending job (it forks the loop's view at its own cadence). */
async function twinSees(id: string): Promise<void> {
  await until(`the twin to see ${id}`, async () =>
    (await api<{ jobs: { id: string }[] }>("POST", "/api/v1/whatif", {})).jobs.some((j) => j.id === id) ? true : undefined,
  );
}

async function running(id: string): Promise<void> {
  await until(`${id} running`, async () =>
    (await api<{ state: string }>("GET", `/api/v1/jobs/${id}`)).state === "running" ? true : undefined,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "aidc-reco-"));
  writeFileSync(join(dir, "cluster.yaml"), CLUSTER);
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: dir,
    clusterFile: join(dir, "cluster.yaml"),
    executor: "sim",
    // consolidating placement: a gang of <= 8 GPUs must fit on one node (best-fit policies spread it over nodes)
    policy: "fifo-strict",
    logLevel: "silent",
    tickMs: 50,
    metricsIntervalS: 3600,
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /api/v1/recommendations", () => {
  it("finds idle GPUs, a fragmented gang and storage near its quota; drops advice the what-if shows to gain nothing", async () => {
    // one long 4-GPU research job on each node (cordons steer them), so 4 + 4 GPUs stay free
    for (const [node, other] of [
      ["n-01", "n-02"],
      ["n-02", "n-01"],
    ] as const) {
      await api("POST", `/api/v1/nodes/${other}/cordon`, { reason: "steer" });
      const j = await api<{ id: string }>("POST", "/api/v1/jobs", jobSpec(`long-${node}`, "research", 4, 1e6, false));
      await running(j.id);
      await api("DELETE", `/api/v1/nodes/${other}/cordon`);
      ids.push(j.id);
    }
    // an 8-GPU prod gang cannot fit although 8 GPUs are free
    const big = await api<{ id: string }>("POST", "/api/v1/jobs", jobSpec("big", "prod", 8, 60));
    bigId = big.id;
    // the first research job's GPUs idle for the last 30 minutes (what a node agent would push)
    const now = Date.now();
    const samples = Array.from({ length: 31 }, (_, i) => ({
      metric: "aidc_job_gpu_utilization_ratio",
      labels: { node: "n-01", job: ids[0]!, run: "r1" },
      value: 0.01,
      timeMs: now - (30 - i) * 60_000,
    }));
    await api("POST", "/api/v1/metrics/samples", { samples });
    // a project at 90% of its quota, with three versions of one name (the oldest should leave the hot tier)
    await api("PUT", "/api/v1/projects/vision/quota", { maxBytes: 1000 });
    for (let v = 0; v < 3; v++) {
      const data = Buffer.alloc(300, v);
      const { id } = await api<{ id: string }>("POST", "/api/v1/uploads");
      await api("PATCH", `/api/v1/uploads/${id}`, undefined, data);
      await api("POST", "/api/v1/artifacts", {
        project: "vision",
        name: "ckpt",
        kind: "checkpoint",
        uploadId: id,
        sha256: createHash("sha256").update(data).digest("hex"),
      });
    }

    const r = await api<{ recommendations: Reco[]; generatedAtMs: number }>("GET", "/api/v1/recommendations");
    expect(r.generatedAtMs).toBeGreaterThan(0);
    const byId = new Map(r.recommendations.map((x) => [x.id, x]));
    const kinds = new Set(r.recommendations.map((x) => x.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(3);

    const idle = byId.get(`idle-gpus/${ids[0]!}`);
    expect(idle?.expectedGain).toEqual(expect.objectContaining({ unit: "gpuHoursPerWeek", value: 4 * 168 }));
    expect(byId.has(`idle-gpus/${ids[1]!}`)).toBe(false);

    const frag = byId.get(`fragmentation/${big.id}`);
    expect(frag?.evidence["totalFreeGpus"]).toBe(8);
    expect(frag?.evidence["largestFreeBlock"]).toBe(4);
    expect((frag?.evidence["moves"] as unknown[]).length).toBe(1);

    await twinSees(big.id);
    // research is above its quota while prod waits below its own, but the gang waits for a node with 8 free GPUs, not for
    // quota: the rule's change (a policy that reclaims borrowed GPUs) forecasts no gain, so it is not recommended
    const reclaim = await api<{ before: Summary; after: Summary }>("POST", "/api/v1/whatif", { profile: RECLAIM_PROFILE });
    expect(reclaim.before).toEqual(expect.objectContaining({ pending: 1, neverStart: 1 }));
    expect(reclaim.after).toEqual(reclaim.before);
    expect(byId.has("queue-imbalance/reclaim/prod")).toBe(false);

    const quota = byId.get("storage/quota/vision");
    expect(quota?.evidence["usedBytes"]).toBe(900);
    expect(quota?.severity).toBe("warning");
    expect(byId.get("storage/tiering")?.expectedGain).toEqual(expect.objectContaining({ unit: "bytes", value: 300 }));

    // every recommendation carries evidence with its source, a gain with a unit and an action
    for (const x of r.recommendations) {
      expect(typeof x.evidence["source"]).toBe("string");
      expect(Number.isFinite(x.expectedGain.value)).toBe(true);
      expect(x.action.description.length).toBeGreaterThan(0);
    }
  });

  it("compares a job with other accelerators through the planner, preferring what the cluster has", async () => {
    const local = await api<{ recommendations: Reco[] }>("GET", "/api/v1/recommendations");
    // only H100 here, and half or twice the GPUs saves no GPU-hours for this model: nothing to say
    expect(local.recommendations.some((x) => x.kind === "gpu-type")).toBe(false);
    const all = await api<{ recommendations: Reco[] }>("GET", "/api/v1/recommendations?catalog=true");
    const g = all.recommendations.find((x) => x.id === `gpu-type/${bigId}`);
    expect(g?.severity).toBe("info");
    const suggested = g?.evidence["suggested"] as { gpuType: string; inCluster: boolean; durationS: number };
    const current = g?.evidence["current"] as { gpuType: string; durationS: number };
    expect(current.gpuType).toBe("h100-sxm5-80gb");
    expect(suggested.inCluster).toBe(false);
    expect(suggested.durationS).toBeLessThan(0.8 * current.durationS);
  });
});

describe("policy replay of the last week's finished jobs", () => {
  // one 8-GPU node; a 4-GPU job runs an hour, an 8-GPU job waits for it, and 20 one-GPU jobs of a minute arrive behind them
  const model = checkCluster(Cluster.parse(parse(CLUSTER.replace("count: 2", "count: 1"))), defaultCatalog()).model!;
  const t0 = 1_800_000_000_000;
  const rec = (i: number, gpus: number, submitS: number, durationS: number): JobRecord => ({
    id: `j${i}`,
    name: `j${i}`,
    user: "u",
    queue: "research",
    priority: 0,
    state: "succeeded",
    attempts: 0,
    submittedAtMs: t0 + submitS * 1000,
    updatedAtMs: t0,
    // when it really started does not matter to the replay: only its runtime does
    startedAtMs: t0 + submitS * 1000,
    finishedAtMs: t0 + (submitS + durationS) * 1000,
    spec: JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name: `j${i}`, tasks: [{ resources: { gpus } }], run: { command: "true" } }),
  });
  const jobs = [rec(0, 4, 0, 3600), rec(1, 8, 1, 3600), ...Array.from({ length: 20 }, (_, i) => rec(2 + i, 1, 2 + i, 60))];
  const nowMs = t0 + 3 * 86_400_000;

  it("replays the jobs under each policy and recommends one that avoids head-of-line blocking", () => {
    const p = policyReplays(model, jobs, "fifo", nowMs);
    expect(p.replays.map((r) => r.policy)).toEqual(["fifo", "sjf", "backfill-easy", "backfill-conservative"]);
    expect(p.replays.every((r) => r.jobs === jobs.length)).toBe(true);
    const fifo = p.replays.find((r) => r.policy === "fifo")!;
    const backfill = p.replays.find((r) => r.policy === "backfill-easy")!;
    // under fifo the one-minute jobs wait for both hour-long jobs; backfill runs them in the 4 idle GPUs
    expect(backfill.avgQueueS).toBeLessThan(fifo.avgQueueS / 2);
    const r = policyRule(p);
    expect(r).toHaveLength(1);
    expect(r[0]!.kind).toBe("scheduling-policy");
    expect(r[0]!.expectedGain.value).toBeGreaterThan(50);
  });

  it("says nothing when the current policy is already the best, or the jobs are older than a week", () => {
    const best = policyReplays(model, jobs, "fifo", nowMs).replays.reduce((a, b) => (b.avgQueueS < a.avgQueueS ? b : a));
    expect(policyRule(policyReplays(model, jobs, best.policy, nowMs))).toEqual([]);
    expect(policyReplays(model, jobs, "fifo", t0 + 10 * 86_400_000).replays).toEqual([]);
  });
});

describe("queue advice on the demo cluster", () => {
  const demo = loadClusterFile(new URL("../../../../examples/clusters/demo.yaml", import.meta.url).pathname, defaultCatalog()).model;
  const view = (id: string, queue: string, gpus: number, state: JobView["state"]): JobView => ({
    id,
    name: id,
    queue,
    state,
    gang: true,
    tasks: [{ replicas: 1, gpus }],
    submittedAtMs: 0,
  });

  it("knows each queue's partition, GPU types and cohort", () => {
    const q = new Map(queueViews(demo).map((x) => [x.name, x]));
    expect(q.get("research")).toEqual(
      expect.objectContaining({ partition: "train", gpuTypes: ["h100-sxm5-80gb"], cohort: "main", borrowingLimitGpus: 16 }),
    );
    expect(q.get("inference")).toEqual(expect.objectContaining({ partition: "serve", gpuTypes: ["l40s-48gb"] }));
  });

  it("offers research neither a cohort it has nor inference's L40S quota", () => {
    const jobs = [view("r1", "research", 16, "running"), view("r2", "research", 8, "pending"), view("r3", "research", 8, "pending")];
    const advice = queueImbalanceRule(queueViews(demo), jobs);
    expect(advice.filter((a) => a.id === "queue-imbalance/lend/inference")).toEqual([]);
    expect(advice.filter((a) => a.action.description.includes("in one cohort"))).toEqual([]);
    // production's idle quota is already research's to borrow (limit 16): nothing to advise
    expect(advice).toEqual([]);
  });
});

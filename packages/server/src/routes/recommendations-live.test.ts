import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECLAIM_PROFILE, type ForecastGain, type ProposedChange } from "@aidc/observability";
import { startServer, type RunningServer } from "../main.js";

// Recommendations from a live server (sim executor) whose proposed changes go through the twin's what-if.

interface Reco {
  id: string;
  action: { description: string };
  change?: ProposedChange;
  forecast?: ForecastGain;
}

const DEMO = new URL("../../../../examples/clusters/demo.yaml", import.meta.url).pathname;
const TEAMS = `apiVersion: aidc/v1
kind: Cluster
name: teams
racks:
  - name: r1
    pod: p1
    nodes:
      - { name: n, count: 2, accelerator: h100-sxm5-80gb, gpus: 8, cpus: 64, memoryGiB: 512 }
queues:
  - { name: a, quota: { gpus: 8 } }
  - { name: b, quota: { gpus: 8 } }
`;

// research may borrow prod's quota in cohort main
const COHORT = TEAMS.replace(
  /queues:[\s\S]*$/,
  "queues:\n  - { name: research, quota: { gpus: 4 }, borrowingLimit: { gpus: 12 }, cohort: main }\n  - { name: prod, quota: { gpus: 8 }, cohort: main }\n",
);

/** A job the sim executor runs for `durationS`, which the twin's predictor takes from runtimeEstimateS. */
const job = (name: string, queue: string, gpus: number, durationS: number) => ({
  apiVersion: "aidc/v1",
  kind: "Job",
  name,
  queue,
  tasks: [{ resources: { gpus, gpuType: "h100" } }],
  labels: { "aidc.dev/sim-duration-s": String(durationS) },
  runtimeEstimateS: durationS,
  run: { command: "true" },
});

/** A server on a cluster file, and a bearer-token JSON client for it. */
function liveServer(name: string, clusterText?: string) {
  const dir = mkdtempSync(join(tmpdir(), `aidc-reco-${name}-`));
  let server: RunningServer;
  beforeAll(async () => {
    const clusterFile = clusterText === undefined ? DEMO : join(dir, "cluster.yaml");
    if (clusterText !== undefined) writeFileSync(clusterFile, clusterText);
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: dir,
      clusterFile,
      executor: "sim",
      logLevel: "silent",
      tickMs: 50,
      metricsIntervalS: 3600,
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${readFileSync(server.adminTokenFile, "utf8").trim()}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  /** Submit jobs and wait until the twin's state holds the last one (it forks the loop's view at its own cadence). */
  const submit = async (docs: readonly unknown[]): Promise<string[]> => {
    const ids: string[] = [];
    for (const d of docs) ids.push((await call<{ id: string }>("POST", "/api/v1/jobs", d)).id);
    const last = ids[ids.length - 1];
    for (let i = 0; i < 200; i++) {
      // before the loop's first pass the twin answers NOT_READY
      const seen = await call<{ jobs: { id: string }[] }>("POST", "/api/v1/whatif", {}).then(
        (w) => w.jobs.some((j) => j.id === last),
        () => false,
      );
      if (seen) return ids;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the twin never saw ${last}`);
  };
  /** Submit a job and wait until it runs. */
  const started = async (doc: unknown): Promise<void> => {
    const { id } = await call<{ id: string }>("POST", "/api/v1/jobs", doc);
    for (let i = 0; i < 200; i++) {
      if ((await call<{ state: string }>("GET", `/api/v1/jobs/${id}`)).state === "running") return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${id} never started`);
  };
  return { call, submit, started };
}

describe("queue advice on the busy demo cluster", () => {
  const demo = liveServer("demo");

  it("tells research neither to form the cohort it has with production nor to borrow inference's L40S quota", async () => {
    // research fills the 32 H100 GPUs of partition train (its quota and borrowing limit) and 4 more jobs wait
    await demo.submit(Array.from({ length: 8 }, (_, i) => job(`r${i}`, "research", 8, 7200)));
    const r = await demo.call<{ recommendations: Reco[] }>("GET", "/api/v1/recommendations");
    const queueAdvice = r.recommendations.filter((x) => x.id.startsWith("queue-imbalance/"));
    expect(queueAdvice.filter((x) => x.id === "queue-imbalance/lend/inference")).toEqual([]);
    expect(queueAdvice.filter((x) => x.action.description.includes("in one cohort"))).toEqual([]);
    // production's idle quota is research's to borrow already and research borrows all of it: no queue advice helps
    expect(queueAdvice).toEqual([]);
    // the what-if agrees: a higher borrowing limit for research starts nothing sooner, the cohort has no quota left
    const limit = await demo.call<{ before: { meanDelayS: number }; after: { meanDelayS: number } }>("POST", "/api/v1/whatif", {
      quotas: [{ queue: "research", nominalGpus: 16, cohort: "main", borrowingLimitGpus: 32 }],
    });
    expect(limit.after.meanDelayS).toBe(limit.before.meanDelayS);
  });
});

// two teams with their own quotas and no cohort: a waits at its quota while b's quota lies idle
describe("recommendations carry the what-if forecast of their change", () => {
  const teams = liveServer("teams", TEAMS);

  it("recommends a cohort for an idle quota because the forecast shows the waiting job starting sooner", async () => {
    await teams.submit([0, 1, 2].map((i) => job(`a${i}`, "a", 4, 1e6)));
    const r = await teams.call<{ recommendations: Reco[] }>("GET", "/api/v1/recommendations");
    const lend = r.recommendations.find((x) => x.id === "queue-imbalance/lend/b");
    expect(lend?.action.description).toContain("in one cohort");
    expect(lend?.change).toEqual({
      quotas: [
        { queue: "b", nominalGpus: 8, cohort: "a-b" },
        { queue: "a", nominalGpus: 8, cohort: "a-b" },
      ],
    });
    // before: the third job waits for week-long jobs (beyond the forecast horizon); after: it borrows b's quota now
    expect(lend?.forecast).toEqual(expect.objectContaining({ pending: 1, neverStartBefore: 1, neverStartAfter: 0 }));
  });
});

describe("reclaim advice with its forecast", () => {
  const cohort = liveServer("cohort", COHORT);

  it("recommends reclaiming borrowed GPUs because the forecast shows prod's gang starting now instead of in a week", async () => {
    // research borrows 8 of prod's GPUs with week-long jobs; then prod's 8-GPU gang finds only 4 free
    for (let i = 0; i < 3; i++) await cohort.started(job(`r${i}`, "research", 4, 1e6));
    await cohort.submit([job("gang", "prod", 8, 60)]);
    const r = await cohort.call<{ recommendations: Reco[] }>("GET", "/api/v1/recommendations");
    const reclaim = r.recommendations.find((x) => x.id === "queue-imbalance/reclaim/prod");
    expect(reclaim?.change).toEqual({ profile: RECLAIM_PROFILE });
    expect(reclaim?.forecast).toEqual(expect.objectContaining({ pending: 1, neverStartBefore: 1, neverStartAfter: 0 }));
  });
});

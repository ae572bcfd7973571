import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { makeJob, partitionIndex, resolvePolicy, topologyFromModel, type Assignment, type SchedJob } from "@aidc/scheduler";
import { queueQuotas, type TwinRunning } from "@aidc/simulator";
import { loadClusterFile } from "../main.js";
import { SqliteStore } from "../store/sqlite.js";
import type { JobRecord } from "../store/jobs.js";
import { applyPlan } from "./apply.js";
import { planOf, type WhatIfBody } from "./changes.js";
import { whatIf } from "./compute.js";
import { dependencyForecasts } from "./deps.js";
import { LivePredictor } from "./predict.js";
import { describeProfile } from "./profile.js";
import { meanUtilization } from "./summary.js";
import type { TwinInput } from "./types.js";

const repo = new URL("../../../../", import.meta.url).pathname;
const catalog = defaultCatalog();
const { model } = loadClusterFile(join(repo, "examples/clusters/demo.yaml"), catalog);
const topology = topologyFromModel(model).topology;
const train = partitionIndex(topology, "train");
const NOW = 1_000_000;
const runtime = { p10S: 1800, p50S: 3600, p90S: 7200, basis: "test" };
const store = SqliteStore.open(join(mkdtempSync(join(tmpdir(), "aidc-twin-")), "aidc.db"));
afterAll(async () => store.close());
const predictor = new LivePredictor(store.jobs, catalog, model);

/** A whole node's GPUs. */
function onNode(name: string): Assignment[] {
  const node = topology.nodeNames.indexOf(name);
  const first = topology.nodeGpuOffset[node] ?? 0;
  return [{ node, gpus: Array.from({ length: topology.nodeGpus[node] ?? 0 }, (_, g) => first + g), gpuMilli: 1000 }];
}

function running(id: string, node: string, queue: string, startedS: number): TwinRunning {
  const job = { ...makeJob(id).gpus(8).queue(queue).partition(train).submit(startedS).build(), replicaGpus: 8 };
  return { job, assignments: onNode(node), startS: startedS, runStartS: startedS, runtime };
}

function pendingJob(id: string, queue: string, seq: number): SchedJob {
  return {
    ...makeJob(id, seq)
      .gpus(8)
      .queue(queue)
      .partition(train)
      .submit(NOW - 60)
      .build(),
    replicaGpus: 8,
  };
}

/**
 * The demo cluster's training partition full (4 × 8 H100): research borrows production's quota, and
 * four 8-GPU production jobs wait for GPUs (not for quota).
 */
function busy(): TwinInput {
  const resolved = resolvePolicy("backfill-easy", { quotas: queueQuotas(model) });
  if (!resolved.ok) throw new Error("backfill-easy does not resolve");
  const profile = describeProfile(resolved.value);
  return {
    state: {
      topology,
      down: new Uint8Array(topology.nodeNames.length),
      nowS: NOW,
      running: [
        running("r1", "dgx-a-01", "research", NOW - 600),
        running("r2", "dgx-a-02", "research", NOW - 1200),
        running("r3", "dgx-b-01", "research", NOW - 1800),
        running("r4", "dgx-b-02", "research", NOW - 2400),
      ],
      pending: ["p1", "p2", "p3", "p4"].map((id, i) => ({ job: pendingJob(id, "production", i), runtime })),
    },
    profile,
    model,
    wishes: {},
  };
}

function plan(body: WhatIfBody, input = busy()) {
  const r = planOf(body, { input, catalog, predictor, visibleJob: (id) => /^[rp]\d$/.test(id), user: "alice" });
  return { input, ...r };
}

describe("what-if on the live state", () => {
  it("adding 4 DGX H100 to rack-b starts the jobs waiting for GPUs earlier (up to their quota), on the training partition", () => {
    const { input, plan: p, issues } = plan({ addNodes: [{ system: "DGX H100", count: 4, rack: "rack-b" }] });
    expect(issues).toEqual([]);
    expect(p?.addNodes.map((n) => [n.rack, n.gpus, n.partitions])).toEqual(Array(4).fill(["rack-b", 8, ["train"]]));
    const r = whatIf(input, p!, { samples: 4 });
    expect(r.after.meanDelayS).toBeLessThan(r.before.meanDelayS);
    for (const j of r.jobs) expect(j.afterStartS!).toBeLessThanOrEqual(j.beforeStartS!);
    // production's quota (16 GPUs) lets two 8-GPU jobs start at once on the new nodes
    expect(r.jobs.filter((j) => j.afterStartS === NOW)).toHaveLength(2);
    // deterministic: the same question gives the same answer
    expect(whatIf(input, p!, { samples: 4 })).toEqual(r);
  });

  it("keeps running jobs on their nodes (mapped by name) when nodes are added", () => {
    const { input, plan: p } = plan({ addNodes: [{ system: "DGX H100", count: 2, rack: "rack-a" }] });
    const changed = applyPlan(input, p!);
    const before = input.state.running.map((r) => [r.job.id, topology.nodeNames[r.assignments[0]!.node], r.assignments[0]!.gpus.length]);
    const after = changed.state.running.map((r) => [
      r.job.id,
      changed.state.topology.nodeNames[r.assignments[0]!.node],
      r.assignments[0]!.gpus.length,
    ]);
    expect(after).toEqual(before);
    expect(changed.state.topology.totalGpus).toBe(topology.totalGpus + 16);
  });

  it("removing a node sends its running job back to the queue; cancelling one frees its GPUs", () => {
    const { input, plan: p } = plan({ removeNodes: ["dgx-a-01"], cancel: ["r2"] });
    const changed = applyPlan(input, p!);
    expect(changed.state.running.map((r) => r.job.id)).toEqual(["r3", "r4"]);
    expect(changed.state.pending.map((x) => x.job.id)).toContain("r1");
    expect(changed.state.down?.[topology.nodeNames.indexOf("dgx-a-01")]).toBe(1);
  });

  it("forecasts a hypothetical job only after the change", () => {
    const doc = {
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "big",
      queue: "research",
      tasks: [{ replicas: 2, resources: { gpus: 8 } }],
      run: { command: "true" },
    };
    const { input, plan: p, issues } = plan({ jobs: [doc] });
    expect(issues).toEqual([]);
    const r = whatIf(input, p!, { samples: 0 });
    const big = r.jobs.find((j) => j.id === "whatif-1");
    expect(big?.beforeStartS).toBeUndefined();
    expect(big?.afterStartS).toBeGreaterThan(NOW);
    expect(r.after.pending).toBe(r.before.pending + 1);
  });

  it("names the field of every bad change", () => {
    const { issues } = plan({
      addNodes: [{ system: "DGX Z900", count: 1, rack: "rack-z" }],
      removeNodes: ["nope-01"],
      quotas: [{ queue: "ghost", nominalGpus: 8 }],
      cancel: ["j-unknown"],
      priorities: [{ jobId: "j-other", priority: 3 }],
      policy: "no-such-policy",
      jobs: [
        {
          apiVersion: "aidc/v1",
          kind: "Job",
          name: "x",
          queue: "research",
          tasks: [{ resources: { gpus: 1, gpuType: "b200" } }],
          run: { command: "true" },
        },
      ],
    });
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        "addNodes[0].rack",
        "addNodes[0].system",
        "cancel[0]",
        "jobs[0].tasks[0].resources.gpuType",
        "policy",
        "priorities[0].jobId",
        "quotas[0].queue",
        "removeNodes[0]",
      ].sort(),
    );
  });
});

describe("dependency waits", () => {
  it("start when the dependency's forecast run ends", () => {
    const input = busy();
    const rec = (id: string, name: string, dependsOn: string[] = []): JobRecord =>
      ({
        id,
        name,
        user: "alice",
        queue: "production",
        state: "pending",
        submittedAtMs: NOW * 1000,
        spec: { dependsOn },
      }) as unknown as JobRecord;
    const byId = new Map([["p1", { jobId: "p1", startS: NOW + 100, endS: NOW + 3700, startBandS: [NOW + 50, NOW + 200] as const }]]);
    const deps = dependencyForecasts(
      input,
      byId,
      new Map([
        ["d1", ["first"]],
        ["d2", ["second"]],
      ]),
      [rec("p1", "first"), rec("d1", "second", ["first"]), rec("d2", "third", ["second"])],
      () => runtime,
    );
    expect(deps.get("d1")).toMatchObject({ startS: NOW + 3700, after: "p1" });
    expect(deps.get("d1")?.bandS).toEqual([NOW + 50 + 1800, NOW + 200 + 7200]);
    // a chain: the second waits for the first's forecast end
    expect(deps.get("d2")?.startS).toBe(NOW + 3700 + 3600);
  });
});

describe("utilization summary", () => {
  it("is the time-weighted mean of the steps over the window", () => {
    const series = [
      { tS: 0, ratio: 1 },
      { tS: 600, ratio: 0.5 },
      { tS: 1200, ratio: 0 },
    ];
    expect(meanUtilization(series, 0, 1200)).toBeCloseTo(0.75);
    expect(meanUtilization(series, 0, 1800)).toBeCloseTo(0.5);
  });
});

describe("live runtime predictors", () => {
  it("ask the planner for built-in workloads and fall back to the user's estimate", () => {
    const rec = (id: string, run: unknown, extra: Record<string, unknown> = {}): JobRecord =>
      ({
        id,
        name: id,
        user: "alice",
        queue: "research",
        spec: { tasks: [{ replicas: 1, resources: { gpus: 1, cpus: 1, memoryGiB: 1 } }], labels: {}, run, ...extra },
      }) as unknown as JobRecord;
    const workload = predictor.predict(rec("w", { workload: "sentiment-train", args: {} }), 1);
    expect(workload.basis).toBe("planner estimate");
    expect(workload.p10S).toBeLessThanOrEqual(workload.p50S);
    const command = predictor.predict(rec("c", { command: "true" }, { runtimeEstimateS: 600 }), 1);
    expect(command).toMatchObject({ p50S: 600, basis: "user's estimate" });
  });
});

import { describe, expect, it } from "vitest";
import { HOUR_MS, NOW, job, series } from "./fixtures.testing.js";
import { fragmentationRule } from "./fragmentation.js";
import { idleGpuRule } from "./idle-gpus.js";
import { queueImbalanceRule } from "./queue-imbalance.js";
import type { NodeView } from "./types.js";

describe("idle GPUs", () => {
  const jobs = [job("idle", { gpus: 4 }), job("busy", { gpus: 4 }), job("half", { gpus: 8 }), job("cpu", { gpus: 0 })];
  const util = [
    { jobId: "idle", points: series([0.01, 0.0, 0.02], 1800) },
    { jobId: "busy", points: series([0.9, 0.95], 1800) },
    { jobId: "half", points: series([0.1, 0.2, 0.15], 1800) },
    { jobId: "cpu", points: series([0], 1800) },
  ];

  it("flags an idle job and a right-sizable one, not a busy or GPU-less one", () => {
    const r = idleGpuRule(jobs, util, NOW);
    expect(r.map((x) => x.id).sort()).toEqual(["idle-gpus/half", "idle-gpus/idle"]);
    const idle = r.find((x) => x.id === "idle-gpus/idle")!;
    expect(idle.severity).toBe("warning");
    expect(idle.expectedGain).toMatchObject({ unit: "gpuHoursPerWeek", value: 4 * 168 });
    const half = r.find((x) => x.id === "idle-gpus/half")!;
    // p90 0.2 x 8 GPUs / 0.7 target -> 3 GPUs needed, 5 freed
    expect(half.evidence["p90Utilization"]).toBeCloseTo(0.2);
    expect(half.expectedGain.value).toBe(5 * 168);
    expect(half.action.description).toContain("3 GPU");
  });

  it("stays quiet on too few samples, too short a span, stale samples or a pending job", () => {
    expect(idleGpuRule([job("a", { gpus: 4 })], [{ jobId: "a", points: series([0], 120) }], NOW)).toEqual([]);
    expect(idleGpuRule([job("a", { gpus: 4 })], [{ jobId: "a", points: series([0], 300, 10) }], NOW)).toEqual([]);
    const old = series([0], 1800).map(([t, v]): [number, number] => [t - 3 * HOUR_MS, v]);
    expect(idleGpuRule([job("a", { gpus: 4 })], [{ jobId: "a", points: old }], NOW)).toEqual([]);
    expect(idleGpuRule([job("a", { gpus: 4, state: "pending" })], [{ jobId: "a", points: series([0], 1800) }], NOW)).toEqual([]);
  });
});

describe("fragmentation", () => {
  const nodes: NodeView[] = [
    { name: "n1", gpus: 8, accelerator: "h100" },
    { name: "n2", gpus: 8, accelerator: "h100" },
  ];
  // n1: a 4-GPU job, n2: a 4-GPU job -> 4 + 4 free, an 8-GPU gang waits
  const running = [
    job("r1", { gpus: 4, placement: [{ node: "n1", gpus: 4 }] }),
    job("r2", { gpus: 4, placement: [{ node: "n2", gpus: 4 }] }),
  ];
  const free = { n1: 4, n2: 4 };

  it("finds a gang that a one-job move would let start", () => {
    const r = fragmentationRule(nodes, free, [...running, job("big", { gpus: 8, state: "pending" })], NOW);
    expect(r).toHaveLength(1);
    expect(r[0]!.evidence["totalFreeGpus"]).toBe(8);
    expect(r[0]!.evidence["largestFreeBlock"]).toBe(4);
    const moves = r[0]!.evidence["moves"] as { job: string; from: string; to: string }[];
    expect(moves).toHaveLength(1);
    expect(moves[0]!.from).not.toBe(moves[0]!.to);
    expect(r[0]!.expectedGain).toMatchObject({ unit: "gpus", value: 8 });
  });

  it("is quiet when the gang fits, when too few GPUs are free, or when no move helps", () => {
    expect(fragmentationRule(nodes, free, [...running, job("small", { gpus: 4, state: "pending" })], NOW)).toEqual([]);
    expect(fragmentationRule(nodes, { n1: 4, n2: 2 }, [...running, job("big", { gpus: 8, state: "pending" })], NOW)).toEqual([]);
    // 5 + 5 running: 3 + 3 free, a 6-GPU replica cannot be made room for (moving 5 needs 5 free elsewhere)
    const five = [job("a", { gpus: 5, placement: [{ node: "n1", gpus: 5 }] }), job("b", { gpus: 5, placement: [{ node: "n2", gpus: 5 }] })];
    expect(fragmentationRule(nodes, { n1: 3, n2: 3 }, [...five, job("six", { gpus: 6, state: "pending" })], NOW)).toEqual([]);
  });

  it("counts only nodes of the requested type that are not cordoned", () => {
    const mixed: NodeView[] = [nodes[0]!, { ...nodes[1]!, accelerator: "a100" }];
    expect(fragmentationRule(mixed, free, [...running, job("big", { gpus: 8, state: "pending", gpuType: "h100" })], NOW)).toEqual([]);
    const cordoned: NodeView[] = [nodes[0]!, { ...nodes[1]!, cordoned: true }];
    expect(fragmentationRule(cordoned, free, [...running, job("big", { gpus: 8, state: "pending" })], NOW)).toEqual([]);
  });
});

describe("queue imbalance", () => {
  const queues = [{ name: "research", quotaGpus: 8 }, { name: "prod", quotaGpus: 8 }, { name: "free-for-all" }];

  it("flags a queue waiting below its quota while another runs far above its own", () => {
    const jobs = [
      job("r1", { queue: "research", gpus: 8 }),
      job("r2", { queue: "research", gpus: 6 }),
      job("p1", { queue: "prod", gpus: 2 }),
      job("p2", { queue: "prod", gpus: 4, state: "pending" }),
    ];
    const r = queueImbalanceRule(queues, jobs);
    expect(r).toHaveLength(1);
    expect(r[0]!.id).toBe("queue-imbalance/reclaim/prod");
    // research holds 6 above quota; prod may use 6 more; it waits for 4
    expect(r[0]!.expectedGain).toMatchObject({ unit: "gpus", value: 4 });
  });

  it("flags an idle quota while another queue waits at its quota", () => {
    const jobs = [job("r1", { queue: "research", gpus: 8 }), job("r2", { queue: "research", gpus: 4, state: "pending" })];
    const r = queueImbalanceRule(queues, jobs);
    expect(r.map((x) => x.id)).toEqual(["queue-imbalance/lend/prod"]);
    expect(r[0]!.expectedGain.value).toBe(4);
  });

  it("is quiet when nobody waits, when over-use is mild, or when queues have no quota", () => {
    expect(queueImbalanceRule(queues, [job("r1", { queue: "research", gpus: 16 })])).toEqual([]);
    const mild = [job("r1", { queue: "research", gpus: 9 }), job("p1", { queue: "prod", gpus: 2, state: "pending" })];
    expect(queueImbalanceRule(queues, mild)).toEqual([]);
    expect(
      queueImbalanceRule([{ name: "a" }, { name: "b" }], [job("x", { queue: "a", gpus: 99 }), job("y", { queue: "b", state: "pending" })]),
    ).toEqual([]);
  });

  // the demo cluster: research and production share cohort main on the H100 partition, inference has the L40S one
  const demo = [
    { name: "research", quotaGpus: 16, borrowingLimitGpus: 16, cohort: "main", partition: "train", gpuTypes: ["h100-sxm5-80gb"] },
    { name: "production", quotaGpus: 16, cohort: "main", partition: "train", gpuTypes: ["h100-sxm5-80gb"] },
    { name: "inference", quotaGpus: 16, partition: "serve", gpuTypes: ["l40s"] },
  ];

  it("does not tell two queues of one cohort to form a cohort, nor lend quota across partitions or GPU types", () => {
    // research runs at its quota and waits for more; production and inference are idle
    const jobs = [job("r1", { queue: "research", gpus: 16 }), job("r2", { queue: "research", gpus: 8, state: "pending" })];
    const r = queueImbalanceRule(demo, jobs);
    // production could lend, but research already borrows from it within its limit: no advice; inference's L40S quota is no use
    expect(r).toEqual([]);
    // without partitions and types known, and outside a cohort, the same load is advice to form a cohort
    const plain = demo.map(({ name, quotaGpus }) => ({ name, quotaGpus }));
    const advice = queueImbalanceRule(plain, jobs);
    expect(advice.map((x) => x.id).sort()).toEqual(["queue-imbalance/lend/inference", "queue-imbalance/lend/production"]);
    for (const x of advice) expect(x.action.description).toContain("in one cohort");
  });

  it("in one cohort, advises raising the borrowing limit the waiting jobs run into", () => {
    // research at quota + its borrowing limit (32) and waiting for 8 more, production idle
    const jobs = [job("r1", { queue: "research", gpus: 32 }), job("r2", { queue: "research", gpus: 8, state: "pending" })];
    const withRoom = demo.map((q) => (q.name === "production" ? { ...q, quotaGpus: 48 } : q));
    const r = queueImbalanceRule(withRoom, jobs);
    expect(r.map((x) => x.id)).toEqual(["queue-imbalance/lend/production"]);
    expect(r[0]!.action.description).toContain("already share cohort main");
    expect(r[0]!.action.description).toContain("borrowingLimit.gpus to at least 24");
    expect(r[0]!.action.description).not.toContain("in one cohort");
  });

  it("does not reclaim for a waiting queue from a queue on other nodes", () => {
    // inference far above its quota on L40S nodes; production waits below its quota on H100 nodes
    const jobs = [job("i1", { queue: "inference", gpus: 32 }), job("p1", { queue: "production", gpus: 4, state: "pending" })];
    expect(queueImbalanceRule(demo, jobs)).toEqual([]);
    const sameNodes = demo.map((q) => ({ ...q, partition: "train", gpuTypes: ["h100-sxm5-80gb"] }));
    expect(queueImbalanceRule(sameNodes, jobs).map((x) => x.id)).toEqual(["queue-imbalance/reclaim/production"]);
  });
});

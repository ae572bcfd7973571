import { describe, expect, it } from "vitest";
import {
  ClusterState,
  applyDecisions,
  buildTopology,
  decide,
  makeJob,
  resolvePolicy,
  type ResolvedProfile,
  type SchedJob,
} from "./index.js";

function profile(name: string, o: Parameters<typeof resolvePolicy>[1] = {}): ResolvedProfile {
  const r = resolvePolicy(name, o);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

function cluster(nodes: number, gpus = 8, partitions?: string[]): ClusterState {
  return new ClusterState(
    buildTopology(
      Array.from({ length: nodes }, (_, i) => ({
        name: `n${i}`,
        gpus,
        rack: `r${Math.floor(i / 2)}`,
        ...(partitions ? { partition: partitions[i % partitions.length] } : {}),
      })),
    ),
  );
}

function snapshotOf(s: ClusterState): string {
  return JSON.stringify([
    Array.from(s.gpuFreeMilli),
    Array.from(s.nodeFreeGpus),
    Array.from(s.partitionFreeGpus),
    [...s.running.keys()],
    [...s.queueUsedGpus],
  ]);
}

function run(s: ClusterState, p: ResolvedProfile, pending: SchedJob[], nowS = 0) {
  const d = decide(s, pending, p, { nowS });
  applyDecisions(s, d, (id) => pending.find((j) => j.id === id), nowS);
  return d;
}

describe("decide", () => {
  it("never mutates the snapshot and explains every pending job", () => {
    const s = cluster(2);
    s.start(makeJob("r").gpus(4).build(), [{ node: 0, gpus: [0, 1, 2, 3], gpuMilli: 1000 }], 0);
    const before = snapshotOf(s);
    const pending = [makeJob("a", 1).gpus(8).build(), makeJob("b", 2).gpus(8).build(), makeJob("c", 3).gpus(2).build()];
    const d = decide(s, pending, profile("fifo"), { nowS: 10 });
    expect(snapshotOf(s)).toBe(before);
    expect(d.explanations.map((e) => [e.jobId, e.reason])).toEqual([
      ["a", "SCHEDULED"],
      ["b", "INSUFFICIENT_GPUS"],
      ["c", "BLOCKED_BY_HEAD"],
    ]);
    expect(d.explanations[1]?.estimatedStartS).toBe(3600);
  });

  it("strict FIFO blocks behind the head; greedy lets a small job pass", () => {
    const pending = [makeJob("big", 1).gpus(16).build(), makeJob("small", 2).gpus(1).build()];
    const s = cluster(2);
    s.start(makeJob("r").gpus(1).build(), [{ node: 0, gpus: [0], gpuMilli: 1000 }], 0);
    expect(decide(s, pending, profile("fifo"), { nowS: 0 }).placements).toEqual([]);
    expect(decide(s, pending, profile("greedy"), { nowS: 0 }).placements.map((p) => p.jobId)).toEqual(["small"]);
  });

  it("places a gang all-or-nothing across nodes and reports GANG_INCOMPLETE / FRAGMENTED", () => {
    const s = cluster(3);
    const d = run(s, profile("greedy"), [makeJob("g", 1).gpus(20).build()]);
    expect(d.placements[0]?.assignments.reduce((n, a) => n + a.gpus.length, 0)).toBe(20);
    const s2 = cluster(2);
    s2.start(makeJob("x").gpus(4).build(), [{ node: 0, gpus: [0, 1, 2, 3], gpuMilli: 1000 }], 0);
    s2.start(makeJob("y").gpus(4).build(), [{ node: 1, gpus: [8, 9, 10, 11], gpuMilli: 1000 }], 0);
    const d2 = decide(s2, [makeJob("c", 1).gpus(8).build()], profile("fifo-strict"), { nowS: 0 });
    expect(d2.explanations[0]?.reason).toBe("FRAGMENTED");
    const d3 = decide(s2, [makeJob("c", 1).gpus(24).build()], profile("fifo"), { nowS: 0 });
    expect(d3.explanations[0]?.reason).toBe("NEVER_FITS");
  });

  it("shares one GPU between fractional jobs", () => {
    const s = cluster(1, 1);
    const d = run(s, profile("greedy"), [
      makeJob("a", 1).milli(500).build(),
      makeJob("b", 2).milli(500).build(),
      makeJob("c", 3).milli(500).build(),
    ]);
    expect(d.placements.map((p) => p.jobId)).toEqual(["a", "b"]);
    expect(s.gpuFreeMilli[0]).toBe(0);
  });

  it("consolidate (Helios): best fit on one node, whole free nodes for multiples of 8", () => {
    const s = cluster(3);
    s.start(makeJob("x").gpus(6).build(), [{ node: 1, gpus: [8, 9, 10, 11, 12, 13], gpuMilli: 1000 }], 0);
    const d = decide(s, [makeJob("a", 1).gpus(2).build()], profile("fifo-strict"), { nowS: 0 });
    expect(d.placements[0]?.assignments[0]?.node).toBe(1);
    const d2 = decide(s, [makeJob("b", 1).gpus(16).build()], profile("fifo-strict"), { nowS: 0 });
    expect(d2.placements[0]?.assignments.map((a) => a.node)).toEqual([0, 2]);
    const d3 = decide(s, [makeJob("c", 1).gpus(12).build()], profile("fifo-strict"), { nowS: 0 });
    expect(d3.placements[0]?.assignments.map((a) => [a.node, a.gpus.length])).toEqual([
      [0, 8],
      [2, 4],
    ]);
  });

  it("SJF orders by estimate; priority aging lets an old job overtake", () => {
    const s = cluster(1, 1);
    const jobs = [makeJob("long", 1).runtime(100).build(), makeJob("short", 2).runtime(10).build()];
    expect(decide(s, jobs, profile("sjf"), { nowS: 0 }).placements.map((p) => p.jobId)).toEqual(["short"]);
    const pj = [makeJob("old", 1).priority(0).submit(0).build(), makeJob("vip", 2).priority(2).submit(7000).build()];
    expect(decide(s, pj, profile("priority", { agingS: 1000 }), { nowS: 7200 }).placements.map((p) => p.jobId)).toEqual(["old"]);
    expect(decide(s, pj, profile("priority", { agingS: 0 }), { nowS: 7200 }).placements.map((p) => p.jobId)).toEqual(["vip"]);
  });

  it("preempts lower priority only after the minimum run time", () => {
    const s = cluster(1, 2);
    s.start(makeJob("low").gpus(2).priority(0).build(), [{ node: 0, gpus: [0, 1], gpuMilli: 1000 }], 0);
    const hi = [makeJob("hi", 1).gpus(2).priority(5).build()];
    expect(decide(s, hi, profile("priority", { minRunTimeS: 600 }), { nowS: 100 }).preemptions).toEqual([]);
    const d = decide(s, hi, profile("priority", { minRunTimeS: 600 }), { nowS: 700 });
    expect(d.preemptions.map((p) => p.jobId)).toEqual(["low"]);
    expect(d.placements.map((p) => p.jobId)).toEqual(["hi"]);
  });

  it("quotas: borrowing within the cohort, QUOTA_EXCEEDED beyond the limit", () => {
    const s = cluster(1, 8);
    const quotas = [
      { queue: "a", nominalGpus: 4, cohort: "c", borrowingLimitGpus: 2 },
      { queue: "b", nominalGpus: 4, cohort: "c" },
    ];
    const d = run(s, profile("drf", { quotas }), [
      makeJob("a1", 1).queue("a").gpus(4).build(),
      makeJob("a2", 2).queue("a").gpus(2).build(),
      makeJob("a3", 3).queue("a").gpus(1).build(),
    ]);
    expect(d.placements.map((p) => p.jobId)).toEqual(["a1", "a2"]);
    expect(d.explanations.find((e) => e.jobId === "a3")?.reason).toBe("QUOTA_EXCEEDED");
  });

  it("EASY backfill gives the blocked head a reservation that a backfilled job does not delay", () => {
    const s = cluster(1, 4);
    s.start(makeJob("r").gpus(2).runtime(100).build(), [{ node: 0, gpus: [0, 1], gpuMilli: 1000 }], 0);
    const pending = [
      makeJob("head", 1).gpus(4).runtime(50).build(),
      makeJob("long", 2).gpus(2).runtime(500).build(),
      makeJob("short", 3).gpus(2).runtime(80).build(),
    ];
    const d = decide(s, pending, profile("backfill-easy"), { nowS: 0 });
    expect(d.reservations).toEqual([{ jobId: "head", startS: 100, gpus: 4, partition: -1 }]);
    expect(d.placements.map((p) => p.jobId)).toEqual(["short"]);
    expect(d.explanations.find((e) => e.jobId === "long")?.reason).toBe("RESERVED_FOR_JOB");
  });

  it("preemptive SRTF evicts the longer running job and charges the checkpoint penalty", () => {
    const s = cluster(1, 1);
    s.start(makeJob("long").runtime(1000).build(), [{ node: 0, gpus: [0], gpuMilli: 1000 }], 0);
    const d = decide(s, [makeJob("short", 1).runtime(10).build()], profile("srtf-preemptive"), { nowS: 100 });
    expect(d.preemptions).toEqual([{ jobId: "long", reason: expect.any(String) as string, penaltyS: 7 }]);
    expect(d.placements.map((p) => p.jobId)).toEqual(["short"]);
  });
});

describe("decide (admission policies)", () => {
  it("explains every pending job, also when nothing can change", () => {
    const s = cluster(1, 2);
    s.start(makeJob("r").gpus(2).runtime(100).build(), [{ node: 0, gpus: [0, 1], gpuMilli: 1000 }], 0);
    const pending = [makeJob("a", 1).gpus(2).runtime(500).build(), makeJob("b", 2).gpus(1).runtime(50).build()];
    for (const name of ["srtf-preemptive", "las"]) {
      const d = decide(s, pending, profile(name), { nowS: 10 });
      expect(d.explanations.map((e) => e.jobId).sort()).toEqual(["a", "b"]);
    }
  });
});

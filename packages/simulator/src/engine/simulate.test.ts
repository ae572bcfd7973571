import { describe, expect, it } from "vitest";
import { buildTopology, resolvePolicy, type ResolvedProfile } from "@aidc/scheduler";
import { simulate } from "./simulate.js";
import { computeMetrics } from "../report/metrics.js";
import { jobsCsv, seriesCsv } from "../report/format.js";
import { seededRng } from "./rng.js";
import type { TraceJob } from "../types.js";

function profile(name: string): ResolvedProfile {
  const r = resolvePolicy(name);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

function randomTrace(seed: number, n: number): TraceJob[] {
  const rng = seededRng(seed);
  let t = 0;
  return Array.from({ length: n }, (_, i) => {
    t += Math.floor(rng.next() * 300);
    const gpus = [1, 1, 1, 2, 4, 8, 16][rng.int(7)] ?? 1;
    return { id: `j${i}`, submitS: t, durationS: 60 + rng.int(5000), gpus, queue: `q${rng.int(3)}`, priority: rng.int(3) };
  });
}

const topo = buildTopology(Array.from({ length: 6 }, (_, i) => ({ name: `n${i}`, gpus: 8, rack: `r${i % 2}` })));

describe("simulate", () => {
  it("FIFO on an idle cluster: JCT equals the duration, queueing is zero", () => {
    const jobs: TraceJob[] = [
      { id: "a", submitS: 0, durationS: 100, gpus: 8, queue: "x" },
      { id: "b", submitS: 10, durationS: 50, gpus: 8, queue: "x" },
    ];
    const m = computeMetrics(
      "fifo",
      simulate(jobs, topo, profile("fifo"), () => -1),
    );
    expect([m.avgJctS, m.avgQueueS, m.makespanS]).toEqual([75, 0, 100]);
  });

  it("queues a job until capacity frees and reports its wait", () => {
    const jobs: TraceJob[] = [
      { id: "a", submitS: 0, durationS: 100, gpus: 48, queue: "x" },
      { id: "b", submitS: 10, durationS: 50, gpus: 8, queue: "x" },
    ];
    const r = simulate(jobs, topo, profile("fifo"), () => -1);
    expect(r.outcomes.find((o) => o.id === "b")).toMatchObject({ startS: 100, endS: 150, queueS: 90 });
    expect(computeMetrics("fifo", r).gpuUtilization).toBeCloseTo((48 * 100 + 8 * 50) / (48 * 150), 3);
  });

  it("is byte-identical for the same seed (with failures on) and differs for another seed", () => {
    const jobs = randomTrace(7, 400);
    const go = (seed: number): string => {
      const r = simulate(jobs, topo, profile("priority"), () => -1, { seed, failures: { mtbfS: 20000, repairS: 600 } });
      return JSON.stringify(computeMetrics("p", r)) + jobsCsv(r.outcomes) + seriesCsv(r.series);
    };
    expect(go(3)).toBe(go(3));
    expect(go(3)).not.toBe(go(4));
  });

  it("node failures requeue the jobs on the failed node and every job still finishes once", () => {
    const jobs = randomTrace(11, 300);
    const r = simulate(jobs, topo, profile("greedy"), () => -1, { seed: 5, failures: { mtbfS: 10000, repairS: 1000 } });
    expect(r.failures).toBeGreaterThan(0);
    expect(r.outcomes.every((o) => o.endS !== undefined)).toBe(true);
    expect(r.preemptions).toBeGreaterThan(0);
  });

  it("jobs larger than their partition are reported as unschedulable, not run", () => {
    const r = simulate([{ id: "huge", submitS: 0, durationS: 10, gpus: 64, queue: "x" }], topo, profile("fifo"), () => -1);
    expect(r.unschedulable).toEqual(["huge"]);
  });
});

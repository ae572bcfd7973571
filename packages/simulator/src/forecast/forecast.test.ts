import { describe, expect, it } from "vitest";
import { buildTopology, makeJob, resolvePolicy, type ResolvedProfile, type Topology } from "@aidc/scheduler";
import type { RuntimePrediction } from "@aidc/core";
import { seededRng } from "../engine/rng.js";
import { forecastTwin } from "./forecast.js";
import type { TwinRunning, TwinState } from "./types.js";

function profile(name: string, quotas: { queue: string; nominalGpus: number }[] = []): ResolvedProfile {
  const r = resolvePolicy(name, { quotas });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

const exact = (s: number): RuntimePrediction => ({ p10S: s, p50S: s, p90S: s, basis: "test" });
const band = (s: number): RuntimePrediction => ({ p10S: s / 3, p50S: s, p90S: s * 3, basis: "test" });

function running(
  topo: Topology,
  id: string,
  node: number,
  gpus: number,
  runStartS: number,
  runtime: RuntimePrediction,
  queue = "q",
): TwinRunning {
  const off = topo.nodeGpuOffset[node] ?? 0;
  return {
    job: makeJob(id).gpus(gpus).queue(queue).runtime(runtime.p50S).build(),
    assignments: [{ node, gpus: Array.from({ length: gpus }, (_, g) => off + g), gpuMilli: 1000 }],
    startS: runStartS,
    runStartS,
    runtime,
  };
}

describe("forecastTwin", () => {
  const one = buildTopology([{ name: "n0", gpus: 8 }]);

  it("a pending 8-GPU job starts when the running 8-GPU job's predicted remaining 100 s have passed", () => {
    const state: TwinState = {
      topology: one,
      nowS: 1000,
      running: [running(one, "r", 0, 8, 950, exact(150))],
      pending: [{ job: makeJob("p", 1).gpus(8).runtime(200).build(), runtime: exact(200) }],
    };
    const f = forecastTwin(state, profile("fifo"), { samples: 4 }).jobs.get("p");
    expect(f).toEqual({ jobId: "p", startS: 1100, endS: 1300, startBandS: [1100, 1100], after: "r" });
  });

  it("chains pending jobs: the second starts after the first, the band widens with the run-time bands", () => {
    const state: TwinState = {
      topology: one,
      nowS: 0,
      running: [running(one, "r", 0, 8, 0, band(100))],
      pending: [
        { job: makeJob("a", 1).gpus(8).build(), runtime: band(300) },
        { job: makeJob("b", 2).gpus(8).build(), runtime: band(300) },
      ],
    };
    const f = forecastTwin(state, profile("fifo"), { samples: 32, seed: 3 });
    expect(f.jobs.get("a")?.startS).toBe(100);
    expect(f.jobs.get("b")?.startS).toBe(400);
    expect(f.jobs.get("b")?.after).toBe("a");
    const [lo, hi] = f.jobs.get("b")?.startBandS ?? [0, 0];
    expect(lo).toBeLessThan(400);
    expect(hi).toBeGreaterThan(400);
    expect(f.utilization[0]).toEqual({ tS: 0, ratio: 1 });
  });

  it("a running job past its prediction ends soon (remaining floored), not in the past", () => {
    const state: TwinState = {
      topology: one,
      nowS: 500,
      running: [running(one, "r", 0, 8, 0, exact(100))],
      pending: [{ job: makeJob("p", 1).gpus(8).build(), runtime: exact(60) }],
    };
    const s = forecastTwin(state, profile("fifo"), { samples: 0 }).jobs.get("p")?.startS ?? 0;
    expect(s).toBeGreaterThan(500);
    expect(s).toBeLessThanOrEqual(560);
  });

  it("a quota wait gets a forecast: the job starts when its queue's running job ends, although GPUs are free", () => {
    const two = buildTopology([
      { name: "n0", gpus: 8 },
      { name: "n1", gpus: 8 },
    ]);
    const state: TwinState = {
      topology: two,
      nowS: 0,
      running: [running(two, "r", 0, 8, 0, exact(100), "research")],
      pending: [{ job: makeJob("p", 1).gpus(8).queue("research").build(), runtime: exact(50) }],
    };
    const f = forecastTwin(state, profile("fifo", [{ queue: "research", nominalGpus: 8 }]), { samples: 8 }).jobs.get("p");
    expect(f?.startS).toBe(100);
    expect(f?.after).toBe("r");
    expect(f?.startBandS).toEqual([100, 100]);
  });

  it("a job that cannot start within the horizon has no start", () => {
    const state: TwinState = {
      topology: one,
      nowS: 0,
      running: [running(one, "r", 0, 8, 0, exact(10_000))],
      pending: [{ job: makeJob("p", 1).gpus(8).build(), runtime: exact(60) }],
    };
    const f = forecastTwin(state, profile("fifo"), { horizonS: 3600, samples: 4 }).jobs.get("p");
    expect(f?.startS).toBeUndefined();
    expect(f?.startBandS).toBeUndefined();
  });

  it("is deterministic: same state and seed give the same forecast; another seed another band", () => {
    const topo = buildTopology(Array.from({ length: 8 }, (_, i) => ({ name: `n${i}`, gpus: 8 })));
    const rng = seededRng(7);
    const run: TwinRunning[] = Array.from({ length: 8 }, (_, i) => running(topo, `r${i}`, i, 8, 0, band(500 + rng.int(5000))));
    const pending = Array.from({ length: 60 }, (_, i) => {
      const g = [1, 2, 4, 8][rng.int(4)] ?? 1;
      return {
        job: makeJob(`p${i}`, i + 1)
          .gpus(g)
          .submit(i)
          .build(),
        runtime: band(300 + rng.int(4000)),
      };
    });
    const state: TwinState = { topology: topo, nowS: 100, running: run, pending };
    const a = forecastTwin(state, profile("backfill-easy"), { seed: 5, samples: 16 });
    const b = forecastTwin(state, profile("backfill-easy"), { seed: 5, samples: 16 });
    const c = forecastTwin(state, profile("backfill-easy"), { seed: 6, samples: 16 });
    expect([...a.jobs.values()]).toEqual([...b.jobs.values()]);
    expect(a.utilization).toEqual(b.utilization);
    expect(a.jobs.size).toBe(60);
    expect([...a.jobs.values()].every((j) => j.startS !== undefined && j.startBandS !== undefined)).toBe(true);
    expect([...c.jobs.values()].map((j) => j.startBandS)).not.toEqual([...a.jobs.values()].map((j) => j.startBandS));
    // the p50 run does not depend on the seed
    expect([...c.jobs.values()].map((j) => j.startS)).toEqual([...a.jobs.values()].map((j) => j.startS));
  });

  it("passes the pending jobs' optional fields through and leaves the input untouched", () => {
    const job = { ...makeJob("p", 1).gpus(8).build(), replicas: 1, cpuMilli: 4000, memMiB: 1024 };
    const state: TwinState = { topology: one, nowS: 0, running: [], pending: [{ job, runtime: exact(60) }] };
    const before = JSON.stringify(state.pending);
    expect(forecastTwin(state, profile("fifo"), { samples: 2 }).jobs.get("p")?.startS).toBe(0);
    expect(JSON.stringify(state.pending)).toBe(before);
  });

  it("batchS merges the passes of nearby events: starts move later by at most batchS", () => {
    const run = Array.from({ length: 8 }, (_, i) => {
      const r = running(one, `r${i}`, 0, 1, 0, exact(100 * (i + 1)));
      return { ...r, assignments: [{ node: 0, gpus: [i], gpuMilli: 1000 }] };
    });
    const pending = Array.from({ length: 8 }, (_, i) => ({
      job: makeJob(`p${i}`, i + 1)
        .gpus(1)
        .build(),
      runtime: exact(10_000),
    }));
    const state: TwinState = { topology: one, nowS: 0, running: run, pending };
    const starts = (batchS: number): (number | undefined)[] =>
      [...forecastTwin(state, profile("fifo"), { samples: 0, batchS }).jobs.values()].map((j) => j.startS);
    expect(starts(0)).toEqual([100, 200, 300, 400, 500, 600, 700, 800]);
    expect(starts(300)).toEqual([400, 400, 400, 400, 800, 800, 800, 800]);
  });
});

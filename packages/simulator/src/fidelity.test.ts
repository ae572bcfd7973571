import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { resolvePolicy } from "@aidc/scheduler";
import { describeWithShared, fixture, sharedPath } from "../../../test/support/data.js";
import { clusterPreset } from "./clusters/presets.js";
import { readPhilly } from "./traces/philly.js";
import { simulate } from "./engine/simulate.js";
import { computeMetrics, type SimMetrics } from "./report/metrics.js";
import type { TraceJob } from "./types.js";

const setup = clusterPreset("helios-philly");

function readJobs(file: string): TraceJob[] {
  const trace = readPhilly(gunzipSync(readFileSync(file)).toString("utf8"), setup.traceFilter);
  if (!trace.ok) throw new Error(JSON.stringify(trace.issues));
  return trace.value.jobs;
}

function run(policy: string, jobs: readonly TraceJob[]): SimMetrics {
  const p = resolvePolicy(policy);
  if (!p.ok) throw new Error(`policy ${policy}`);
  return computeMetrics(policy, simulate(jobs, setup.topology, p.value, setup.partitionOf));
}

// One week of Philly (examples/data/philly: 2017-10-02 → 10-08) on the Helios partitioning: no peer numbers exist for
// this slice, so it checks what must hold on any trace. Queues form in VC 2869ce only; the policies differ there.
describe("Helios semantics on the committed Philly week (helios-philly)", () => {
  let jobs: TraceJob[] = [];
  const metrics: Record<string, SimMetrics> = {};

  it("the preset keeps all 11,386 jobs of the week (its VCs, inside its Oct–Nov window)", () => {
    jobs = readJobs(fixture("philly/philly_jobs.csv.gz"));
    expect(jobs.length).toBe(11_386);
  });

  it.each(["fifo-strict", "sjf-strict", "srtf-preemptive"])("%s: every job finishes, JCT = queueing + run time", (policy) => {
    const m = run(policy, jobs);
    metrics[policy] = m;
    expect(m.finished).toBe(jobs.length);
    expect(m.unschedulable).toBe(0);
    expect(Object.values(m.byQueue).reduce((s, q) => s + q.jobs, 0)).toBe(jobs.length);
    const avgRunS = jobs.reduce((s, j) => s + j.durationS, 0) / jobs.length;
    if (policy === "srtf-preemptive") {
      expect(m.preemptions).toBeGreaterThan(0);
      // a preempted job pays a checkpoint penalty, so JCT exceeds queueing + run time
      expect(m.avgJctS).toBeGreaterThanOrEqual(m.avgQueueS + avgRunS - 0.01);
    } else {
      expect(m.preemptions).toBe(0);
      expect(m.avgJctS).toBeCloseTo(m.avgQueueS + avgRunS, 0);
    }
    expect(m.byQueue["2869ce"]?.avgQueueS).toBeGreaterThan(0);
  });

  it("shortest-first queues less than FIFO, and preemptive SRTF less than strict SJF", () => {
    const [fifo, sjf, srtf] = ["fifo-strict", "sjf-strict", "srtf-preemptive"].map((p) => metrics[p]?.avgQueueS ?? NaN);
    expect(sjf).toBeLessThan(fifo as number);
    expect(srtf).toBeLessThan(sjf as number);
  });

  it("is deterministic: the same trace and policy give the same metrics", () => {
    expect(run("sjf-strict", jobs)).toEqual(metrics["sjf-strict"]);
  });
});

// The Helios simulator's own results on the full job table (see the README in that folder); fifo-strict,
// sjf-strict and srtf-preemptive express its semantics, so the per-VC averages must agree.
describeWithShared("traces/philly", "fidelity vs the Helios simulator on philly_jobs.csv (helios-philly)", () => {
  let jobs: TraceJob[] = [];
  let peer: string[][] = [];

  it("the preset keeps the 68,503 jobs Helios kept", () => {
    const dir = sharedPath("traces/philly");
    peer = readFileSync(join(dir, "peer-results/helios-sim-on-philly_jobs.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(","));
    jobs = readJobs(join(dir, "philly_jobs.csv.gz"));
    expect(jobs.length).toBe(68503);
  });

  it.each([
    ["fifo-strict", "fifo"],
    ["sjf-strict", "sjf"],
    ["srtf-preemptive", "srtf"],
  ])("%s: per-VC average JCT within 1 %, average queueing within 10 % or 30 s", (ours, theirs) => {
    const m = run(ours, jobs);
    const rows = peer.filter((f) => f[0] === theirs);
    expect(rows.length).toBe(12);
    for (const [, vc, count, jct, queue] of rows) {
      const got = vc === "all" ? m : m.byQueue[vc ?? ""];
      expect(got, vc).toBeDefined();
      if (!got) continue;
      expect(got.jobs, vc).toBe(Number(count));
      expect(Math.abs(got.avgJctS / Number(jct) - 1), vc).toBeLessThan(0.01);
      const dq = Math.abs(got.avgQueueS - Number(queue));
      expect(dq <= 30 || dq <= 0.1 * Number(queue), `${vc}: queue ${got.avgQueueS} vs ${queue}`).toBe(true);
    }
  });
});

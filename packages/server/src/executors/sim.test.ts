import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec } from "@aidc/core";
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
});

import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec } from "@aidc/core";
import { executorContract } from "./contract.testing.js";
import { LocalExecutor, alive } from "./local.js";

const runsDir = mkdtempSync(join(tmpdir(), "aidc-local-"));

executorContract({
  name: "local",
  make: () => new LocalExecutor({ runsDir, killGraceS: 1 }),
  makeAgain: () => new LocalExecutor({ runsDir, killGraceS: 1 }),
  logs: (ex, runId) => (ex as LocalExecutor).logs(runId),
});

describe("local executor", () => {
  it("cancel kills children of the command too (the whole process group)", async () => {
    const ex = new LocalExecutor({ runsDir, killGraceS: 1 });
    const spec = JobSpec.parse({
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "pg",
      tasks: [{}],
      run: { command: 'sleep 30 & echo $! > "$AIDC_RUN_DIR/child.pid"; wait' },
    });
    const run = await ex.start("j-pg", spec, { tasks: [{ task: "main", replica: 0, node: "local", gpuIndices: [] }] });
    const pidFile = join(ex.runDir(run.runId), "child.pid");
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
    const child = Number(readFileSync(pidFile, "utf8"));
    expect(alive(child)).toBe(true);
    await ex.cancel(run.runId);
    expect(alive(child)).toBe(false);
  });

  it("refuses run ids that would escape the runs directory", () => {
    const ex = new LocalExecutor({ runsDir });
    expect(() => ex.runDir("../etc")).toThrow(/Invalid run id/);
  });
});

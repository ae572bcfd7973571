import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executorContract } from "./contract.testing.js";
import { SLURM_STATE_MAP, SlurmExecutor, mapSlurmState } from "./slurm.js";

function slurmUp(): boolean {
  try {
    execFileSync("sinfo", ["-h", "-o", "%T"], { stdio: "pipe", timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

describe("slurm state mapping", () => {
  it("maps every Slurm state, with reasons and flags, to an aidc run state", () => {
    expect(mapSlurmState("CANCELLED by 0")).toBe("cancelled");
    expect(mapSlurmState("COMPLETED")).toBe("succeeded");
    expect(mapSlurmState("OUT_OF_MEMORY")).toBe("failed");
    expect(mapSlurmState("PENDING")).toBe("running");
    expect(mapSlurmState("RUNNING+")).toBe("running");
    expect(mapSlurmState("SOMETHING_NEW")).toBe("failed");
    for (const [state, mapped] of Object.entries(SLURM_STATE_MAP)) expect(mapSlurmState(state.toLowerCase())).toBe(mapped);
  });
});

// The real Slurm of ../shared/scripts/slurm-dev.sh; .ci/run starts it, so CI never skips.
const available = slurmUp();
if (!available && process.env["CI"])
  throw new Error("CI must run the Slurm executor against the real Slurm (bash ../shared/scripts/slurm-dev.sh up)");
describe.skipIf(!available)("slurm executor against the real Slurm", () => {
  const runsDir = mkdtempSync(join(tmpdir(), "aidc-slurm-"));
  executorContract({
    name: "slurm",
    make: () => new SlurmExecutor({ runsDir }),
    makeAgain: () => new SlurmExecutor({ runsDir }),
    logs: (ex, runId) => (ex as SlurmExecutor).logs(runId),
  });
});

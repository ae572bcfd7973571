import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec } from "@aidc/core";
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

describe("slurm batch script", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "aidc-slurm-script-"));
  const ex = new SlurmExecutor({ runsDir: join(dataDir, "runs"), jobsDir: mkdtempSync(join(tmpdir(), "aidc-slurm-jobs-")) });
  const spec = (env: Record<string, string>) =>
    JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name: "q", tasks: [{}], run: { command: "echo $X", env } });

  it("quotes every value and runs in a working directory outside the data dir with an allow-listed environment", () => {
    const value = `it's "$(rm -rf /)" \`x\` $HOME\nline2`;
    const { args, text } = ex.script("j1", "j1.0", spec({ X: value }), "/d/runs/j1.0");
    expect(text).toContain(`export X='it'\\''s "$(rm -rf /)" \`x\` $HOME\nline2'`);
    expect(args).toContain("--export=NONE");
    expect(args).toContain(`--chdir=${ex.workDir("j1.0")}`);
    expect(ex.workDir("j1.0").startsWith(dataDir)).toBe(false);
    // the shell reads back exactly the value
    const exports = text.slice(0, text.indexOf("export SLURM_EXPORT_ENV"));
    const out = execFileSync("sh", ["-c", `${exports}\nprintf %s "$X"`], { encoding: "utf8" });
    expect(out).toBe(value);
  });

  it("refuses environment names that are not shell identifiers", () => {
    expect(() => ex.script("j1", "j1.0", spec({ "X;touch /tmp/pwned": "1" }), "/d")).toThrow(/not a valid identifier/);
    expect(() => ex.script("j1", "j1.0", spec({ "1X": "1" }), "/d")).toThrow(/not a valid identifier/);
  });
});

// The real Slurm of ../shared/scripts/slurm-dev.sh; .ci/run starts it, so CI never skips.
const available = slurmUp();
if (!available && process.env["CI"])
  throw new Error("CI must run the Slurm executor against the real Slurm (bash ../shared/scripts/slurm-dev.sh up)");
const noSlurm = "no Slurm reachable here (sbatch/squeue); CI runs these against a real Slurm";
describe("slurm executor against the real Slurm", { skip: !available, meta: available ? {} : { skipReason: noSlurm } }, () => {
  const runsDir = mkdtempSync(join(tmpdir(), "aidc-slurm-"));
  executorContract({
    name: "slurm",
    // the contract's placements name made-up nodes: Slurm chooses here (slurm-placement.test.ts places)
    make: () => new SlurmExecutor({ runsDir, usePlacement: false }),
    makeAgain: () => new SlurmExecutor({ runsDir, usePlacement: false }),
    logs: (ex, runId) => (ex as SlurmExecutor).logs(runId),
  });
});

describe(
  "slurm executor: a new leader without the first one's runs dir",
  { skip: !available, meta: available ? {} : { skipReason: noSlurm } },
  () => {
    it("finds the run's Slurm job by name instead of submitting it again, and follows it to its end", async () => {
      const first = new SlurmExecutor({ runsDir: mkdtempSync(join(tmpdir(), "aidc-slurm-a-")), usePlacement: false });
      const other = new SlurmExecutor({ runsDir: mkdtempSync(join(tmpdir(), "aidc-slurm-b-")), usePlacement: false });
      const job = JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name: "once", tasks: [{}], run: { command: "sleep 2" } });
      const runId = `once.${Date.now()}`;
      const placement = { tasks: [{ task: "main", replica: 0, node: "n1", gpuIndices: [] }] };
      const a = await first.start("once", job, placement, { runId });
      const b = await other.start("once", job, placement, { runId });
      expect(b.message).toBe(a.message); // the same Slurm job id
      const ids = execFileSync("squeue", ["-h", `--name=aidc-${runId}`, "-o", "%i"], { encoding: "utf8" })
        .trim()
        .split("\n");
      expect(ids).toHaveLength(1);
      // a third replica that never started it still follows it (status adopts by name)
      const third = new SlurmExecutor({ runsDir: mkdtempSync(join(tmpdir(), "aidc-slurm-c-")), usePlacement: false });
      let state = "running";
      for (let i = 0; i < 120 && state === "running"; i++) {
        await new Promise((r) => setTimeout(r, 250));
        state = (await third.status([runId]))[0]?.state ?? "lost";
      }
      expect(state).toBe("succeeded");
      expect((await third.status(["never-started.0"]))[0]).toMatchObject({ state: "failed", message: "run not found (lost)" });
    }, 60_000);
  },
);

import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec, type Placement } from "@aidc/core";
import { SlurmExecutor } from "./slurm.js";
import { slurmLayout } from "./slurm-placement.js";

const at = (...nodes: string[]): Placement => ({ tasks: nodes.map((node, replica) => ({ task: "w", replica, node, gpuIndices: [0] })) });
const spec = (replicas: number, command = "true") =>
  JobSpec.parse({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: "p",
    tasks: [{ name: "w", replicas, resources: { gpus: 1, cpus: 1 } }],
    run: { command },
  });

const dataDir = mkdtempSync(join(tmpdir(), "aidc-slurm-place-"));
const jobsDir = mkdtempSync(join(tmpdir(), "aidc-slurm-place-jobs-"));

describe("slurm placement arguments", () => {
  const res = ["--cpus-per-task=1"];
  it("one node or an even split: --nodelist, --nodes and the replicas per node, in one job", () => {
    expect(slurmLayout(at("node1", "node1"), 2, res).args).toEqual(["--nodelist=node1", "--nodes=1", "--ntasks=2", ...res]);
    const even = slurmLayout(at("node2", "node1", "node2", "node1"), 4, res);
    expect(even.args).toEqual(["--nodelist=node2,node1", "--nodes=2", "--ntasks=4", "--ntasks-per-node=2", ...res]);
    expect(even.srun).toEqual([]);
  });

  it("an uneven split: one heterogeneous component per node with its own task count, all in one srun", () => {
    const l = slurmLayout(at("node2", "node1", "node2"), 3, res);
    expect(l.args).toEqual([
      "--nodelist=node2",
      "--nodes=1",
      "--ntasks=2",
      ...res,
      ":",
      "--nodelist=node1",
      "--nodes=1",
      "--ntasks=1",
      ...res,
    ]);
    expect(l.srun).toEqual(["--het-group=0,1"]);
  });

  it("each task's replica index comes from its node and node-local id", () => {
    const { replica } = slurmLayout(at("node2", "node1", "node2"), 3, res);
    const run = (node: string, local: number, procid: number) =>
      execFileSync("sh", ["-c", `${replica}; echo $AIDC_REPLICA`], {
        encoding: "utf8",
        env: { PATH: process.env["PATH"], SLURMD_NODENAME: node, SLURM_LOCALID: String(local), SLURM_PROCID: String(procid) },
      }).trim();
    expect([run("node2", 0, 0), run("node2", 1, 1), run("node1", 0, 2)]).toEqual(["0", "2", "1"]);
  });

  it("leaves the choice to Slurm when the placement does not cover every replica or names a node oddly", () => {
    for (const [p, n] of [
      [undefined, 1],
      [at("node1"), 2],
      [at("node1,node2"), 1],
    ] as const)
      expect(slurmLayout(p, n, res)).toMatchObject({ nodes: [], args: [`--ntasks=${n}`, ...res], srun: [] });
  });

  it("puts the layout into sbatch's and srun's lines, and submits to a partition holding every placed node", () => {
    const parts: Record<string, string[]> = { node1: ["debug", "gpu"], node2: ["gpu", "big"] };
    const ex = new SlurmExecutor({ runsDir: join(dataDir, "runs"), jobsDir, partitionsOf: (n) => parts[n] ?? [] });
    const { args, text } = ex.script("j1", "j1.0", spec(3), "/d/runs/j1.0", at("node1", "node2", "node2"));
    expect(args.filter((a) => a === ":" || a.startsWith("--nodelist") || a.startsWith("--partition"))).toEqual([
      "--nodelist=node1",
      "--partition=gpu",
      ":",
      "--nodelist=node2",
      "--partition=gpu",
    ]);
    expect(text).toContain("exec srun --kill-on-bad-exit=1 --het-group=0,1 sh -c ");
  });

  it("keeps a configured partition and places nothing when told not to", () => {
    const ex = new SlurmExecutor({ runsDir: join(dataDir, "runs"), jobsDir, partition: "p1", usePlacement: false });
    const { args } = ex.script("j1", "j1.0", spec(1), "/d", at("node1"));
    expect(args).toContain("--partition=p1");
    expect(args.some((a) => a.startsWith("--nodelist"))).toBe(false);
  });
});

function slurmNodes(): string[] {
  try {
    return execFileSync("sinfo", ["-h", "-N", "-o", "%N"], { encoding: "utf8", stdio: "pipe", timeout: 5000 })
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
  } catch {
    return [];
  }
}

// The real Slurm of ../shared/scripts/slurm-dev.sh with two nodes (SLURM_DEV_NODES=2, as .ci/run starts it).
const nodes = [...new Set(slurmNodes())].sort();
if (nodes.length === 0 && process.env["CI"]) throw new Error("CI must run the Slurm placement test against the real Slurm");
const why = nodes.length === 0 ? "no Slurm reachable here (sinfo)" : "Slurm has one node; placement needs two (SLURM_DEV_NODES=2)";
describe(
  "slurm runs each replica where aidc placed it (real Slurm)",
  { skip: nodes.length < 2, meta: nodes.length < 2 ? { skipReason: why } : {} },
  () => {
    async function finish(ex: SlurmExecutor, runId: string): Promise<string> {
      const deadline = Date.now() + 90_000;
      let state = "running";
      while (state === "running" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        state = (await ex.status([runId]))[0]?.state ?? "lost";
      }
      return state;
    }
    const ex = (): SlurmExecutor => new SlurmExecutor({ runsDir: join(dataDir, "runs-real"), jobsDir });
    const echo = 'echo "replica $AIDC_REPLICA on $AIDC_NODE"';

    it("an even split runs replica i on the node the placement gave it (the second node first)", async () => {
      const [a = "", b = ""] = nodes;
      const e = ex();
      const run = await e.start("jeven", spec(4, echo), at(b, a, b, a), { runId: `jeven.${Date.now()}` });
      expect(await finish(e, run.runId)).toBe("succeeded");
      expect(e.logs(run.runId).trim().split("\n").sort()).toEqual([
        `replica 0 on ${b}`,
        `replica 1 on ${a}`,
        `replica 2 on ${b}`,
        `replica 3 on ${a}`,
      ]);
    }, 120_000);

    it("an uneven split (two replicas on one node, one on the other) runs exactly there", async () => {
      const [a = "", b = ""] = nodes;
      const e = ex();
      const run = await e.start("juneven", spec(3, echo), at(b, a, b), { runId: `juneven.${Date.now()}` });
      expect(await finish(e, run.runId)).toBe("succeeded");
      expect(e.logs(run.runId).trim().split("\n").sort()).toEqual([`replica 0 on ${b}`, `replica 1 on ${a}`, `replica 2 on ${b}`]);
    }, 120_000);
  },
);

import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NO_PG_REASON, PgSchemas, pgRequired, pgTestUrl } from "../../packages/server/src/store/contract/harness.testing.js";
import { jobEvents, killLeaderRounds, Replicas, Submitter, untilAllFinal } from "./failover-harness.js";

function slurmNodes(): number {
  try {
    return execFileSync("sinfo", ["-h", "-N", "-o", "%N"], { encoding: "utf8", stdio: "pipe", timeout: 5000 })
      .split("\n")
      .filter((l) => l.trim()).length;
  } catch {
    return 0;
  }
}

const base = pgTestUrl();
const nodes = slurmNodes();
const why =
  base === undefined
    ? NO_PG_REASON
    : nodes === 0
      ? "no Slurm reachable here (sinfo); CI starts one with ../shared/scripts/slurm-dev.sh up"
      : undefined;
// CI runs both PostgreSQL and Slurm: there a missing one is a failure
const skip = why !== undefined && !(pgRequired() || process.env["CI"] === "true");
const schemas = base === undefined ? undefined : new PgSchemas(base);
afterAll(async () => schemas?.dropAll());

/** As failover.test.ts, with jobs in Slurm: they keep running in Slurm while the leader changes. */
describe("failover with the Slurm executor (real PostgreSQL and Slurm)", { skip, meta: skip ? { skipReason: why } : {} }, () => {
  it("kill -9 of the leader five times while Slurm runs the jobs: takeover < 5 s, every acknowledged job runs once, Slurm's running jobs are adopted", async () => {
    if (schemas === undefined || nodes === 0) throw new Error(`failover on Slurm needs PostgreSQL and Slurm: ${why ?? ""}`);
    const { url } = await schemas.fresh();
    // the cluster comes from Slurm (no --cluster); replicas on one host share --runs-dir (Slurm job ids by run)
    const replicas = new Replicas(url, ["--executor", "slurm", "--log-level", "info"], undefined);
    const marks = join(replicas.root, "starts");
    mkdirSync(marks);
    chmodSync(replicas.root, 0o755);
    chmodSync(marks, 0o777); // the jobs run as Slurm's job user
    const job = (key: string) => ({
      apiVersion: "aidc/v1",
      kind: "Job",
      name: key,
      tasks: [{ resources: { cpus: 1, memoryGiB: 0.25 } }],
      run: { command: `echo "$AIDC_RUN_ID" >> ${marks}/${key}; sleep 3` },
    });
    try {
      await replicas.start("a");
      await replicas.leader();
      await replicas.start("b");
      const token = replicas.token();
      const submitter = new Submitter(replicas, token, job);
      submitter.start(2, 500);
      const { takeovers, runningAtKills, rejoined } = await killLeaderRounds(replicas, token, 5, 4000);
      await submitter.stop();
      await submitter.settle();
      const leader = await replicas.leader();
      const jobs = await untilAllFinal(leader.url, token, 180_000);
      console.log(
        JSON.stringify({
          failover: "Slurm executor, PostgreSQL, kill -9 of the leader",
          takeoverMs: takeovers.map((t) => t.takeoverMs),
          maxTakeoverMs: Math.max(...takeovers.map((t) => t.takeoverMs)),
          rounds: takeovers,
          jobs: jobs.length,
          runningAtKills: runningAtKills.size,
        }),
      );
      takeovers.forEach((t, i) => expect(rejoined[i]).toMatchObject({ status: "ready", leading: false, leader: t.newLeader }));
      expect(submitter.acks.every((a) => a.id !== undefined)).toBe(true);
      expect(jobs.length).toBe(submitter.acks.length);
      expect(new Set(jobs.map((j) => j.name)).size).toBe(jobs.length);
      expect(jobs.filter((j) => j.state !== "succeeded").map((j) => `${j.name}: ${j.state} ${j.message ?? ""}`)).toEqual([]);
      const starts = new Map(readdirSync(marks).map((f) => [f, readFileSync(join(marks, f), "utf8").trim().split("\n")]));
      for (const j of jobs) expect(starts.get(j.name), j.name).toHaveLength(1);
      expect(runningAtKills.size).toBeGreaterThan(0);
      for (const id of runningAtKills) {
        const types = (await jobEvents(leader.url, token, id)).map((e) => e.type);
        expect(
          types.filter((t) => t === "job.running"),
          id,
        ).toHaveLength(1);
      }
      for (const t of takeovers) expect(t.takeoverMs).toBeLessThan(5000);
    } finally {
      await replicas.stopAll();
    }
  }, 400_000);
});

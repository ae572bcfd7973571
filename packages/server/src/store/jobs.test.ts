import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec, type JobSpecInput } from "@aidc/core";
import { resolvePolicy } from "@aidc/scheduler";
import { SimExecutor } from "../executors/sim.js";
import { SchedulingLoop } from "../loop/scheduling.js";
import { localCluster } from "../main.js";
import type { JobStore } from "./port.js";
import { SqliteStore } from "./sqlite.js";

// the store's own behaviour is in store/contract/jobs.test.ts (both backends); this is the loop on top of it
function open(): { repo: JobStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "aidc-jobrepo-"));
  return { repo: SqliteStore.open(join(dir, "aidc.db")).jobs, dir };
}
const spec = (name: string, extra: Partial<JobSpecInput> = {}): JobSpec =>
  JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name, tasks: [{}], run: { command: "true" }, ...extra });

async function finish(repo: JobStore, id: string, t: number, how: "succeed" | "fail"): Promise<void> {
  await repo.apply(id, "admit", t);
  await repo.apply(id, "start", t, { runId: `r-${id}` });
  await repo.apply(id, how, t);
}

describe("the scheduling loop's dependencies", () => {
  it("start a job once the latest job of every name it depends on succeeded", async () => {
    const { repo, dir } = open();
    const profile = resolvePolicy("fifo");
    if (!profile.ok) throw new Error("no fifo policy");
    const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const loop = new SchedulingLoop({
      jobs: repo,
      cordons: async () => new Map(),
      executor: new SimExecutor({ runsDir: join(dir, "runs"), defaultDurationS: 1e6 }),
      cluster: localCluster(),
      profile: profile.value,
      now: () => 1000,
      log: quiet,
    });
    const deps = Array.from({ length: 2000 }, (_, i) => `d${i}`);
    // the dependencies ask for a GPU this machine's cluster lacks: the loop never starts them itself
    const gpu = { tasks: [{ resources: { gpus: 1 } }] };
    const d = [];
    for (const [i, name] of deps.entries()) d.push((await repo.submit(spec(name, gpu), "alice", i)).job);
    const waiter = (await repo.submit(spec("w", { dependsOn: deps }), "alice", 5000)).job;
    for (const job of d.slice(0, 1990)) await finish(repo, job.id, 10, "succeed");
    await finish(repo, d[1990]?.id ?? "", 10, "fail");
    await loop.tick();
    expect(loop.explain(waiter.id)).toEqual({
      reason: "DEPENDENCY",
      message: 'waiting for "d1990", "d1991", "d1992", "d1993", "d1994", 5 more to succeed',
    });
    for (const job of d.slice(1991)) await finish(repo, job.id, 10, "succeed");
    // d1990 failed; a resubmission that succeeds is its latest job
    const again = (await repo.submit(spec("d1990", gpu), "alice", 6000)).job;
    await loop.tick();
    expect(loop.explain(waiter.id)?.message).toBe('waiting for "d1990" to succeed');
    await finish(repo, again.id, 20, "succeed");
    await loop.tick();
    expect((await repo.get(waiter.id))?.state).toBe("running");
  });
});

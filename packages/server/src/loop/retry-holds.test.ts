import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec, jobRetryDelayS, type Logger } from "@aidc/core";
import { resolvePolicy } from "@aidc/scheduler";
import { LocalExecutor } from "../executors/local.js";
import { localCluster } from "../main.js";
import { SqliteStore } from "../store/sqlite.js";
import { SchedulingLoop } from "./scheduling.js";

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A loop on a real store and the local executor, on a clock the test moves (the jobs run in real time). */
function world() {
  const dataDir = mkdtempSync(join(tmpdir(), "aidc-retry-"));
  const jobsDir = mkdtempSync(join(tmpdir(), "aidc-retry-jobs-"));
  const store = SqliteStore.open(join(dataDir, "aidc.db"));
  const executor = new LocalExecutor({ runsDir: join(dataDir, "runs"), jobsDir, killGraceS: 1 });
  const profile = resolvePolicy("backfill-easy", {});
  if (!profile.ok) throw new Error("policy");
  const clock = { t: 1_800_000_000_000 };
  const loop = (): SchedulingLoop =>
    new SchedulingLoop({
      jobs: store.jobs,
      events: store.events,
      cordons: async () => new Map(),
      executor,
      cluster: localCluster(),
      profile: profile.value,
      now: () => clock.t,
      log: quiet,
    });
  const spec = JobSpec.parse({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: "flaky",
    retries: 2,
    retryBackoffS: 10,
    tasks: [{ resources: { cpus: 0.01, memoryGiB: 0.01 } }],
    run: { command: "exit 3" },
  });
  return { store, clock, loop, spec };
}

/** Pass until the job's state (and attempts) is reached; the executor's run takes real time. */
async function passUntil(loop: SchedulingLoop, get: () => Promise<{ state: string; attempts: number }>, state: string, attempts: number) {
  for (let i = 0; i < 200; i++) {
    await loop.tick();
    const j = await get();
    if (j.state === state && j.attempts === attempts) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job never reached ${state} with ${attempts} attempts: ${JSON.stringify(await get())}`);
}

describe("retries with exponential backoff", () => {
  it("a failed job is back in the queue at once but starts again only when its backoff has passed, twice as long the second time", async () => {
    const w = world();
    const { job } = await w.store.jobs.submit(w.spec, "alice", w.clock.t);
    const get = () => w.store.jobs.require(job.id);
    const loop = w.loop();
    try {
      await passUntil(loop, get, "pending", 1); // ran, failed with exit 3, retried
      const failedAt = w.clock.t;
      const first = Math.round(jobRetryDelayS(job.id, 10, 1) * 1000);
      expect(first).toBeGreaterThanOrEqual(8000);
      expect(first).toBeLessThanOrEqual(12000);
      // the message rounds like the loop's: whole seconds from 10 s on, tenths below
      const said = first >= 10_000 ? `${Math.round(first / 1000)} s` : `${(first / 1000).toFixed(1)} s`;
      expect((await get()).message).toBe(`retry 1 of 2 in ${said}`);

      w.clock.t = failedAt + first - 1;
      await loop.tick();
      expect((await get()).state).toBe("pending");
      expect(loop.explain(job.id)).toMatchObject({ reason: "RETRY_BACKOFF", estimatedStartMs: failedAt + first });

      w.clock.t = failedAt + first;
      await loop.tick();
      expect(["admitted", "running", "failed", "pending"]).toContain((await get()).state);
      expect((await w.store.events.list(50, { subject: `job/${job.id}` })).filter((e) => e.type === "job.running")).toHaveLength(2);

      await passUntil(loop, get, "pending", 2);
      const failedAgain = w.clock.t;
      const second = Math.round(jobRetryDelayS(job.id, 10, 2) * 1000);
      expect(second).toBeGreaterThanOrEqual(16000);
      w.clock.t = failedAgain + second - 1;
      await loop.tick();
      expect(loop.explain(job.id)).toMatchObject({ reason: "RETRY_BACKOFF", estimatedStartMs: failedAgain + second });
      expect((await get()).state).toBe("pending");
    } finally {
      await loop.stop();
      await w.store.close();
    }
  }, 30_000);

  it("a restarted loop (or a new leader) keeps holding a retried job until the same moment", async () => {
    const w = world();
    const { job } = await w.store.jobs.submit(w.spec, "alice", w.clock.t);
    const get = () => w.store.jobs.require(job.id);
    const first = w.loop();
    await passUntil(first, get, "pending", 1);
    await first.stop();
    const until = w.clock.t + Math.round(jobRetryDelayS(job.id, 10, 1) * 1000);

    const second = w.loop();
    try {
      await second.recover();
      w.clock.t = until - 1;
      await second.tick();
      expect((await get()).state).toBe("pending");
      expect(second.explain(job.id)).toMatchObject({ reason: "RETRY_BACKOFF", estimatedStartMs: until });
      w.clock.t = until;
      await second.tick();
      expect((await get()).state).not.toBe("pending");
    } finally {
      await second.stop();
      await w.store.close();
    }
  }, 30_000);

  it("a job waiting out its backoff can be cancelled", async () => {
    const w = world();
    const { job } = await w.store.jobs.submit(w.spec, "alice", w.clock.t);
    const get = () => w.store.jobs.require(job.id);
    const loop = w.loop();
    try {
      await passUntil(loop, get, "pending", 1);
      await w.store.jobs.apply(job.id, "cancel", w.clock.t);
      w.clock.t += 60_000;
      await loop.tick();
      expect((await get()).state).toBe("cancelled");
    } finally {
      await loop.stop();
      await w.store.close();
    }
  }, 30_000);

  it("retryBackoffS 0 retries at once, as before (the clock never moves, yet every retry runs)", async () => {
    const w = world();
    const { job } = await w.store.jobs.submit(JobSpec.parse({ ...w.spec, retryBackoffS: 0 }), "alice", w.clock.t);
    const get = () => w.store.jobs.require(job.id);
    const loop = w.loop();
    try {
      await passUntil(loop, get, "failed", 2);
      const events = await w.store.events.list(50, { subject: `job/${job.id}` });
      expect(events.filter((e) => e.type === "job.running")).toHaveLength(3);
      expect(events.filter((e) => e.data["event"] === "retry").map((e) => e.data["message"])).toEqual(["retry 2 of 2", "retry 1 of 2"]);
    } finally {
      await loop.stop();
      await w.store.close();
    }
  }, 30_000);
});

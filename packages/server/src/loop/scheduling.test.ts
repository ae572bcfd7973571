import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec, type Logger, type Placement } from "@aidc/core";
import { resolvePolicy } from "@aidc/scheduler";
import { LocalExecutor } from "../executors/local.js";
import { localCluster } from "../main.js";
import { SqliteStore } from "../store/sqlite.js";
import type { Fence, JobStore } from "../store/port.js";
import { SchedulingLoop } from "./scheduling.js";

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A store and executor over one data dir, as a (re)started server has them. */
function world() {
  const dataDir = mkdtempSync(join(tmpdir(), "aidc-loop-"));
  const jobsDir = mkdtempSync(join(tmpdir(), "aidc-loop-jobs-"));
  const store = SqliteStore.open(join(dataDir, "aidc.db"));
  const executor = (): LocalExecutor => new LocalExecutor({ runsDir: join(dataDir, "runs"), jobsDir, killGraceS: 1 });
  const cluster = localCluster();
  const profile = resolvePolicy("backfill-easy", {});
  if (!profile.ok) throw new Error("policy");
  const loop = (ex: LocalExecutor, fence?: () => Fence | undefined): SchedulingLoop =>
    new SchedulingLoop({
      jobs: store.jobs,
      cordons: async () => new Map(),
      ...(fence ? { fence } : {}),
      executor: ex,
      cluster,
      profile: profile.value,
      now: () => Date.now(),
      log: quiet,
      batchMs: 5,
    });
  const spec = JobSpec.parse({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: "twice",
    tasks: [{ replicas: 3, resources: { cpus: 0.01, memoryGiB: 0.01 } }],
    run: { command: 'echo "ran $AIDC_REPLICA"' },
  });
  const node = cluster.nodes[0]?.name ?? "local";
  const placement: Placement = { tasks: [0, 1, 2].map((replica) => ({ task: "main", replica, node, gpuIndices: [] })) };
  return { store, jobs: store.jobs, executor, loop, spec, placement };
}

async function ended(jobs: JobStore, id: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const state = (await jobs.require(id)).state;
    if (state === "succeeded" || state === "failed") return state;
    await new Promise((r) => setTimeout(r, 50));
  }
  return (await jobs.require(id)).state;
}

describe("scheduling loop: executor failures", () => {
  it("a working directory that does not exist fails that job with a clear message; the loop goes on", async () => {
    const w = world();
    const bad = JobSpec.parse({ ...w.spec, name: "bad", run: { command: "true", workingDir: "/nonexistent/x" } });
    const { job } = await w.jobs.submit(bad, "alice", Date.now());
    const { job: next } = await w.jobs.submit(w.spec, "alice", Date.now());
    const loop = w.loop(w.executor());
    await loop.start(50);
    try {
      expect(await ended(w.jobs, job.id)).toBe("failed");
      expect((await w.jobs.require(job.id)).message).toBe("could not start: working directory /nonexistent/x does not exist");
      expect(await ended(w.jobs, next.id)).toBe("succeeded");
    } finally {
      await loop.stop();
      await w.store.close();
    }
  });
});

describe("scheduling loop: crash-safe starts", () => {
  it("admits with a deterministic run name (<job>.<attempt>)", async () => {
    const w = world();
    const { job } = await w.jobs.submit(w.spec, "alice", Date.now());
    const ex = w.executor();
    const loop = w.loop(ex);
    await loop.start(50);
    try {
      expect(await ended(w.jobs, job.id)).toBe("succeeded");
      expect((await w.jobs.require(job.id)).runId).toBe(`${job.id}.0`);
      // once over, the job's working directory goes; its logs stay
      for (let i = 0; i < 100 && existsSync(ex.workDir(`${job.id}.0`)); i++) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(ex.workDir(`${job.id}.0`))).toBe(false);
      expect(ex.logs(`${job.id}.0`)).toContain("ran 0");
    } finally {
      await loop.stop();
      await w.store.close();
    }
  });

  it("a crash after the admission was recorded but before anything started: the restart starts the run once", async () => {
    const w = world();
    const { job } = await w.jobs.submit(w.spec, "alice", Date.now());
    await w.jobs.apply(job.id, "admit", Date.now(), { placement: w.placement, runId: `${job.id}.0` });
    const ex = w.executor();
    const loop = w.loop(ex);
    await loop.start(50);
    try {
      expect(await ended(w.jobs, job.id)).toBe("succeeded");
      expect(ex.logs(`${job.id}.0`).trim().split("\n").sort()).toEqual(["ran 0", "ran 1", "ran 2"]);
    } finally {
      await loop.stop();
      await w.store.close();
    }
  });

  it("a crash after the executor started the run but before the store heard of it: the restart adopts it, no replica runs twice", async () => {
    const w = world();
    const { job } = await w.jobs.submit(w.spec, "alice", Date.now());
    await w.jobs.apply(job.id, "admit", Date.now(), { placement: w.placement, runId: `${job.id}.0` });
    await w.executor().start(job.id, w.spec, w.placement, { runId: `${job.id}.0`, user: "alice" }); // the server that died
    const ex = w.executor();
    const loop = w.loop(ex);
    await loop.start(50);
    try {
      expect(await ended(w.jobs, job.id)).toBe("succeeded");
      expect(ex.logs(`${job.id}.0`).trim().split("\n").sort()).toEqual(["ran 0", "ran 1", "ran 2"]);
    } finally {
      await loop.stop();
      await w.store.close();
    }
  });
});

describe("scheduling loop: fencing", () => {
  it("a loop whose lease moved to another replica records nothing and starts nothing", async () => {
    const w = world();
    const old = await w.store.leases.acquire("scheduler", "replica-a", 60_000);
    if (old === undefined) throw new Error("the free lease was not granted");
    await w.store.leases.release(old);
    expect(await w.store.leases.acquire("scheduler", "replica-b", 60_000)).toBeDefined();
    const { job } = await w.jobs.submit(w.spec, "alice", Date.now());
    const ex = w.executor();
    const loop = w.loop(ex, () => old);
    try {
      await expect(loop.tick()).rejects.toMatchObject({ code: "FENCED" });
      expect((await w.jobs.require(job.id)).state).toBe("pending");
      expect(existsSync(ex.workDir(`${job.id}.0`))).toBe(false);
      expect(ex.logs(`${job.id}.0`)).toBe("");
    } finally {
      await loop.stop();
      await w.store.close();
    }
  });

  it("after a fenced pass, the next pass with a valid fence starts from the store (nothing assumed twice)", async () => {
    const w = world();
    const lost = await w.store.leases.acquire("scheduler", "replica-a", 60_000);
    if (lost === undefined) throw new Error("the free lease was not granted");
    await w.store.leases.release(lost);
    let fence: Fence = lost;
    const { job } = await w.jobs.submit(w.spec, "alice", Date.now());
    const loop = w.loop(w.executor(), () => fence);
    try {
      // the pass places the job in memory, then its admission is refused: the store still says pending
      await expect(loop.tick()).rejects.toMatchObject({ code: "FENCED" });
      expect((await w.jobs.require(job.id)).state).toBe("pending");
      const again = await w.store.leases.acquire("scheduler", "replica-a", 60_000);
      if (again === undefined) throw new Error("the lease was not granted again");
      fence = again;
      // without rebuilding, the job would be "already running" in memory and the pass would fail
      await loop.tick();
      expect((await w.jobs.require(job.id)).state).toBe("running");
      for (let i = 0; i < 200 && (await w.jobs.require(job.id)).state === "running"; i++) {
        await new Promise((r) => setTimeout(r, 50));
        await loop.tick();
      }
      expect((await w.jobs.require(job.id)).state).toBe("succeeded");
    } finally {
      await loop.stop();
      await w.store.close();
    }
  });

  it("the lease's holder schedules as before, every write carrying its fence", async () => {
    const w = world();
    const fence = await w.store.leases.acquire("scheduler", "replica-a", 60_000);
    if (fence === undefined) throw new Error("the free lease was not granted");
    const { job } = await w.jobs.submit(w.spec, "alice", Date.now());
    const loop = w.loop(w.executor(), () => fence);
    await loop.start(50);
    try {
      expect(await ended(w.jobs, job.id)).toBe("succeeded");
    } finally {
      await loop.stop();
      await w.store.close();
    }
  });
});

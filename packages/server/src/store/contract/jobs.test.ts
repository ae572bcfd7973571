import { expect, it } from "vitest";
import { IllegalTransitionError, JobSpec, type JobSpecInput } from "@aidc/core";
import { FencedError } from "../fence.js";
import { IdempotencyConflictError, TooManyPendingJobsError } from "../jobs.js";
import { PgJobStore } from "../pg/jobs.js";
import { PgStore } from "../pg/store.js";
import type { JobStore, Store } from "../port.js";
import { SqliteJobStore } from "../sqlite/jobs.js";
import { SqliteStore } from "../sqlite.js";
import { describeStores } from "./harness.testing.js";

const spec = (name: string, extra: Partial<JobSpecInput> = {}): JobSpec =>
  JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name, tasks: [{}], run: { command: "true" }, ...extra });

async function finish(jobs: JobStore, id: string, t: number, how: "succeed" | "fail"): Promise<void> {
  await jobs.apply(id, "admit", t);
  await jobs.apply(id, "start", t, { runId: `r-${id}` });
  await jobs.apply(id, how, t);
}

/** A second JobStore over `store`'s database whose listing cache holds only `limit` jobs. */
function withCache(store: Store, limit: number): JobStore {
  if (store instanceof SqliteStore) return new SqliteJobStore(store.sqlite, limit);
  if (store instanceof PgStore) return new PgJobStore(store.db, limit);
  throw new Error(`no small-cache JobStore for ${store.backend}`);
}

describeStores("JobStore", (open, kit) => {
  it("submits a pending job with its event, and reads it back whole", async () => {
    const store = await open();
    const { job, created } = await store.jobs.submit(spec("train", { queue: "q", priority: 5 }), "alice", 1000);
    expect(created).toBe(true);
    expect(job).toMatchObject({
      name: "train",
      user: "alice",
      queue: "q",
      priority: 5,
      state: "pending",
      attempts: 0,
      submittedAtMs: 1000,
    });
    expect(await store.jobs.require(job.id)).toEqual(job);
    expect(job.spec).toEqual(spec("train", { queue: "q", priority: 5 }));
    expect(await store.jobs.get("j-none")).toBeUndefined();
    await expect(store.jobs.require("j-none")).rejects.toMatchObject({ code: "NOT_FOUND" });
    const events = await store.events.list(10, { subject: `job/${job.id}` });
    expect(events.map((e) => [e.type, e.data])).toEqual([["job.submitted", { user: "alice", queue: "q" }]]);
  });

  it("an idempotent retry returns the first job, never a second; another spec under the key is a conflict", async () => {
    const store = await open();
    const first = await store.jobs.submit(spec("a"), "alice", 1, "key-1");
    const again = await store.jobs.submit(spec("a"), "alice", 2, "key-1");
    expect(again).toEqual({ job: first.job, created: false });
    await expect(store.jobs.submit(spec("b"), "alice", 3, "key-1")).rejects.toBeInstanceOf(IdempotencyConflictError);
    // the key is per user
    expect((await store.jobs.submit(spec("a"), "bob", 4, "key-1")).created).toBe(true);
    expect((await store.jobs.list()).length).toBe(2);
  });

  it("concurrent submissions with one idempotency key make one job (also from a second connection pool)", async () => {
    const url = await kit.freshUrl();
    const a = await kit.openUrl(url);
    const b = await kit.openUrl(url);
    const tries = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? a : b).jobs.submit(spec("once"), "alice", 10 + i, "same-key"));
    const results = await Promise.all(tries);
    const ids = new Set(results.map((r) => r.job.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created).length).toBe(1);
    expect((await a.jobs.list({ user: "alice" })).length).toBe(1);
    expect((await a.events.list(100)).filter((e) => e.type === "job.submitted").length).toBe(1);
  });

  it("concurrent retries of one keyed submission under a full cap all get the job, none is refused", async () => {
    const url = await kit.freshUrl();
    const a = await kit.openUrl(url);
    const b = await kit.openUrl(url);
    const cap = { maxPendingJobsPerUser: { value: 1, source: "limits.maxPendingJobsPerUser" } };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).jobs.submit(spec("once"), "alice", 10 + i, "k", cap)),
    );
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    expect(results.filter((r) => r.created).length).toBe(1);
    await expect(a.jobs.submit(spec("other"), "alice", 30, "k2", cap)).rejects.toBeInstanceOf(TooManyPendingJobsError);
  });

  it("counts waiting jobs per user and queue, and refuses a submission over the cap", async () => {
    const { jobs } = await open();
    const cap = { maxPendingJobsPerUser: { value: 2, source: "limits.maxPendingJobsPerUser" } };
    const first = (await jobs.submit(spec("j"), "alice", 1, "k", cap)).job;
    await jobs.submit(spec("j", { queue: "q" }), "alice", 2, undefined, cap);
    expect(await jobs.waiting("alice")).toBe(2);
    expect(await jobs.waiting("alice", "q")).toBe(1);
    await expect(jobs.submit(spec("j"), "alice", 3, undefined, cap)).rejects.toBeInstanceOf(TooManyPendingJobsError);
    // a retry is recognised before the cap is checked
    expect(await jobs.submit(spec("j"), "alice", 4, "k", cap)).toMatchObject({ created: false, job: { id: first.id } });
    expect((await jobs.submit(spec("j"), "bob", 5, undefined, cap)).created).toBe(true);
    await finish(jobs, first.id, 6, "succeed");
    expect(await jobs.waiting("alice")).toBe(1);
    expect((await jobs.submit(spec("j"), "alice", 7, undefined, cap)).created).toBe(true);
    const queueCap = {
      maxPendingJobsPerUser: { value: 100, source: "limits.maxPendingJobsPerUser" },
      maxPendingJobsInQueue: { value: 1, source: "queues.q.maxPendingJobs" },
    };
    const refused = jobs.submit(spec("j", { queue: "q" }), "carol", 8, undefined, queueCap);
    await expect(jobs.submit(spec("j", { queue: "q" }), "alice", 8, undefined, queueCap)).rejects.toMatchObject({
      code: "TOO_MANY_PENDING_JOBS",
      issues: [{ path: "queue" }],
    });
    expect((await refused).created).toBe(true);
  });

  it("concurrent submissions of one user never pass the cap together", async () => {
    const url = await kit.freshUrl();
    const a = await kit.openUrl(url);
    const b = await kit.openUrl(url);
    const cap = { maxPendingJobsPerUser: { value: 5, source: "limits.maxPendingJobsPerUser" } };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).jobs.submit(spec(`j${i}`), "alice", i, undefined, cap)),
    );
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(5);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(TooManyPendingJobsError);
    expect(await a.jobs.waiting("alice")).toBe(5);
  });

  it("a large cap is exact too (PostgreSQL: far from it one user's submissions run side by side, near it they take turns)", async () => {
    const url = await kit.freshUrl();
    const a = await kit.openUrl(url, { maxConnections: 8 });
    const b = await kit.openUrl(url, { maxConnections: 8 });
    // on PostgreSQL a cap above the in-flight bound lets the first submissions skip the per-user lock
    const bound =
      a instanceof PgStore
        ? ((
            await a.db.query<{ n: number }>(
              "SELECT current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int AS n",
            )
          )[0]?.n ?? 0)
        : 100;
    const cap = { maxPendingJobsPerUser: { value: bound + 40, source: "limits.maxPendingJobsPerUser" } };
    let next = 0;
    const outcomes: PromiseSettledResult<unknown>[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        while (next < bound + 70) {
          const i = next++;
          const store = w % 2 === 0 ? a : b;
          outcomes.push(...(await Promise.allSettled([store.jobs.submit(spec(`j${i}`), "alice", i, `k${i}`, cap)])));
        }
      }),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled").length).toBe(bound + 40);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(TooManyPendingJobsError);
    expect(await a.jobs.waiting("alice")).toBe(bound + 40);
  });

  it("applies lifecycle events with their rows and refuses an illegal transition without writing", async () => {
    const store = await open();
    const { jobs } = store;
    const id = (await jobs.submit(spec("x"), "alice", 1)).job.id;
    const placement = { nodes: [{ node: "n1", tasks: 1, gpus: [0] }] } as unknown as NonNullable<
      Parameters<JobStore["apply"]>[3]
    >["placement"];
    await jobs.apply(id, "admit", 2, { placement });
    const running = await jobs.apply(id, "start", 3, { runId: "r1" });
    expect(running).toMatchObject({ state: "running", runId: "r1", startedAtMs: 3, updatedAtMs: 3, placement });
    await expect(jobs.apply(id, "admit", 4)).rejects.toBeInstanceOf(IllegalTransitionError);
    expect(await jobs.require(id)).toEqual(running);
    const failed = await jobs.apply(id, "fail", 5, { exitCode: 3, message: "boom" });
    expect(failed).toMatchObject({ state: "failed", exitCode: 3, message: "boom", finishedAtMs: 5, runId: "r1", placement });
    const retried = await jobs.apply(id, "retry", 6);
    expect(retried.state).toBe("pending");
    expect(retried.attempts).toBe(1);
    expect(retried.runId).toBeUndefined();
    expect(retried.placement).toBeUndefined();
    const types = (await store.events.list(20, { subject: `job/${id}` })).map((e) => e.type);
    expect(types).toEqual(["job.pending", "job.failed", "job.running", "job.admitted", "job.submitted"]);
    const failEvent = (await store.events.list(20, { subject: `job/${id}` }))[1];
    expect(failEvent?.data).toEqual({ from: "running", event: "fail", exitCode: 3, message: "boom" });
  });

  it("applyMany: one transaction for many changes; a refused change is reported alone, the others are made", async () => {
    const store = await open();
    const { jobs } = store;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await jobs.submit(spec(`b${i}`), "alice", i)).job.id);
    const [a, b, c, d] = ids as [string, string, string, string];
    await jobs.apply(c, "cancel", 5);
    const placement = { nodes: [{ node: "n1", tasks: 1, gpus: [0] }] } as unknown as NonNullable<
      Parameters<JobStore["apply"]>[3]
    >["placement"];
    const out = await jobs.applyMany(
      [
        { id: a, event: "admit", details: { placement } },
        { id: b, event: "admit" },
        { id: c, event: "admit" }, // cancelled: refused
        { id: "j-gone", event: "admit" }, // no such job: refused
        { id: a, event: "start", details: { runId: "r-a" } }, // the same job again: sees its admit
        { id: d, event: "cancel", details: { message: "not needed" } },
      ],
      10,
    );
    expect(out.map((o) => ("job" in o ? o.job.state : o.error.code))).toEqual([
      "admitted",
      "admitted",
      "ILLEGAL_TRANSITION",
      "NOT_FOUND",
      "running",
      "cancelled",
    ]);
    const first = out[0];
    expect(first && "job" in first ? first.job.placement : undefined).toEqual(placement);
    // what was written equals what a single apply would have written
    expect(await jobs.require(a)).toMatchObject({ state: "running", runId: "r-a", placement, startedAtMs: 10, updatedAtMs: 10 });
    expect(await jobs.require(d)).toMatchObject({ state: "cancelled", message: "not needed", finishedAtMs: 10 });
    expect((await jobs.require(c)).state).toBe("cancelled");
    const last = out[4];
    expect(last && "job" in last ? last.job : undefined).toEqual(await jobs.require(a));
    // event rows, in order, for the changes made
    expect((await store.events.list(10, { subject: `job/${a}` })).map((e) => [e.type, e.data])).toEqual([
      ["job.running", { from: "admitted", event: "start", runId: "r-a" }],
      ["job.admitted", { from: "pending", event: "admit" }],
      ["job.submitted", { user: "alice", queue: "default" }],
    ]);
    expect((await store.events.list(10, { subject: `job/${c}` })).map((e) => e.type)).toEqual(["job.cancelled", "job.submitted"]);
    expect(await jobs.applyMany([], 11)).toEqual([]);
    // a listing sees the batch
    expect((await jobs.list({ states: ["admitted"] })).map((j) => j.id)).toEqual([b]);
  });

  it("applyMany with a lost fence makes none of its changes", async () => {
    const store = await open();
    const id = (await store.jobs.submit(spec("x"), "alice", 1)).job.id;
    const fence = await store.leases.acquire("scheduler", "replica-a", 60_000);
    if (fence === undefined) throw new Error("the free lease was not acquired");
    expect(await store.jobs.applyMany([{ id, event: "admit" }], 2, fence)).toMatchObject([{ job: { state: "admitted" } }]);
    await store.leases.release(fence);
    await store.leases.acquire("scheduler", "replica-b", 60_000);
    await expect(store.jobs.applyMany([{ id, event: "start", details: { runId: "r" } }], 3, fence)).rejects.toBeInstanceOf(FencedError);
    expect((await store.jobs.require(id)).state).toBe("admitted");
  });

  it("a fenced apply is made while the lease is held and refused once it moved", async () => {
    const store = await open();
    const id = (await store.jobs.submit(spec("x"), "alice", 1)).job.id;
    const fence = await store.leases.acquire("scheduler", "replica-a", 60_000);
    if (fence === undefined) throw new Error("the free lease was not acquired");
    expect((await store.jobs.apply(id, "admit", 2, {}, fence)).state).toBe("admitted");
    await store.leases.release(fence);
    const taken = await store.leases.acquire("scheduler", "replica-b", 60_000);
    expect(taken?.token).toBeGreaterThan(fence.token);
    await expect(store.jobs.apply(id, "start", 3, { runId: "r" }, fence)).rejects.toBeInstanceOf(FencedError);
    expect((await store.jobs.require(id)).state).toBe("admitted");
    // the new holder's fence works
    if (taken !== undefined) expect((await store.jobs.apply(id, "start", 3, { runId: "r" }, taken)).state).toBe("running");
    // a fence for a lease nobody holds is refused too
    await expect(store.jobs.apply(id, "succeed", 4, {}, { lease: "other", holder: "replica-a", token: 1 })).rejects.toMatchObject({
      code: "FENCED",
    });
  });

  it("pages through jobs with a cursor: each job exactly once, even when many share a millisecond", async () => {
    const { jobs } = await open();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await jobs.submit(spec(`j${i}`), "alice", 100 + Math.floor(i / 10))).job.id);
    const seen: string[] = [];
    let after: { submittedAtMs: number; id: string } | undefined;
    for (;;) {
      const page = await jobs.list({ limit: 7, ...(after ? { after } : {}) });
      seen.push(...page.map((j) => j.id));
      const last = page.at(-1);
      if (page.length < 7 || last === undefined) break;
      after = { submittedAtMs: last.submittedAtMs, id: last.id };
    }
    const all = (await jobs.list({ limit: 100 })).map((j) => j.id);
    expect(seen).toEqual(all);
    expect(new Set(seen)).toEqual(new Set(ids));
    // listing order: submitted time, then id
    const byTimeThenId = [...ids].sort((x, y) => {
      const tx = 100 + Math.floor(ids.indexOf(x) / 10);
      const ty = 100 + Math.floor(ids.indexOf(y) / 10);
      return tx - ty || (x < y ? -1 : x > y ? 1 : 0);
    });
    expect(all).toEqual(byTimeThenId);
    // submission order: same millisecond → the order they were stored
    expect((await jobs.list({ limit: 100, submissionOrder: true })).map((j) => j.id)).toEqual(ids);
  });

  it("a listing larger than the cache returns every job, in order, on every call", async () => {
    const store = await open();
    const jobs = withCache(store, 10);
    const ids: string[] = [];
    for (let i = 0; i < 35; i++) ids.push((await jobs.submit(spec(`j${i}`), "alice", 100 + Math.floor(i / 4))).job.id);
    for (let pass = 0; pass < 3; pass++) {
      const listed = await jobs.list({ states: ["pending"], limit: 1000, submissionOrder: true });
      expect(listed.map((j) => j.id)).toEqual(ids);
      expect(listed.map((j) => j.name)).toEqual(ids.map((_, i) => `j${i}`)); // each record has its own spec
    }
    // change some: the next listings see the changes, still every job once
    for (const id of ids.slice(0, 20)) await jobs.apply(id, "admit", 200);
    expect((await jobs.list({ states: ["pending"], limit: 1000, submissionOrder: true })).map((j) => j.id)).toEqual(ids.slice(20));
    const all = await jobs.list({ limit: 1000, submissionOrder: true });
    expect(all.map((j) => [j.id, j.state])).toEqual(ids.map((id, i) => [id, i < 20 ? "admitted" : "pending"]));
    // the store's own (large-cache) JobStore agrees
    expect(await store.jobs.list({ limit: 1000, submissionOrder: true })).toEqual(all);
  });

  it("filters listings by state, queue and user, and sees changes made after a listing", async () => {
    const { jobs } = await open();
    const a = (await jobs.submit(spec("a", { queue: "q1" }), "alice", 1)).job;
    const b = (await jobs.submit(spec("b", { queue: "q2" }), "bob", 2)).job;
    const c = (await jobs.submit(spec("c", { queue: "q1" }), "bob", 3)).job;
    expect((await jobs.list({ states: ["pending"] })).map((j) => j.id)).toEqual([a.id, b.id, c.id]);
    await jobs.apply(b.id, "admit", 4);
    expect((await jobs.list({ states: ["pending"] })).map((j) => j.id)).toEqual([a.id, c.id]);
    expect((await jobs.list({ states: ["admitted", "running"] })).map((j) => [j.id, j.state])).toEqual([[b.id, "admitted"]]);
    expect((await jobs.list({ queue: "q1" })).map((j) => j.id)).toEqual([a.id, c.id]);
    expect((await jobs.list({ user: "bob", queue: "q1" })).map((j) => j.id)).toEqual([c.id]);
    expect((await jobs.list({ limit: 1 })).map((j) => j.id)).toEqual([a.id]);
    await jobs.apply(a.id, "cancel", 5);
    expect((await jobs.list({ user: "alice" }))[0]).toMatchObject({ state: "cancelled", updatedAtMs: 5, finishedAtMs: 5 });
  });

  it("a listing sees a change another replica made (its cache re-reads state, attempts and update time)", async () => {
    const url = await kit.freshUrl();
    const a = await kit.openUrl(url);
    const b = await kit.openUrl(url);
    const id = (await a.jobs.submit(spec("x"), "alice", 1)).job.id;
    expect((await a.jobs.list())[0]?.state).toBe("pending");
    await b.jobs.apply(id, "admit", 2);
    expect((await a.jobs.list())[0]?.state).toBe("admitted");
  });

  it("latestStates: the state of each name's latest job of that user, in one query", async () => {
    const { jobs } = await open();
    const a1 = (await jobs.submit(spec("a"), "alice", 1)).job;
    await finish(jobs, a1.id, 2, "succeed");
    const a2 = (await jobs.submit(spec("a"), "alice", 3)).job; // resubmitted: the latest is pending again
    const b = (await jobs.submit(spec("b"), "alice", 4)).job;
    await finish(jobs, b.id, 5, "succeed");
    await jobs.submit(spec("c"), "bob", 6); // another user's job of a wanted name
    expect(await jobs.latestStates("alice", ["a", "b", "c", "b"])).toEqual(
      new Map([
        ["a", "pending"],
        ["b", "succeeded"],
      ]),
    );
    expect(await jobs.latestStates("alice", [])).toEqual(new Map());
    expect(a2.state).toBe("pending");
    // 50,000 names are one statement too (no parameter limit)
    const many = Array.from({ length: 50_000 }, (_, i) => (i === 0 ? "b" : `x${i}`));
    expect((await jobs.latestStates("alice", many)).get("b")).toBe("succeeded");
  });

  it("counts jobs by state and pending jobs by queue", async () => {
    const { jobs } = await open();
    expect(await jobs.countsByState()).toEqual(new Map());
    const a = (await jobs.submit(spec("a", { queue: "q1" }), "alice", 1)).job;
    await jobs.submit(spec("b", { queue: "q1" }), "alice", 2);
    await jobs.submit(spec("c", { queue: "q2" }), "alice", 3);
    await jobs.apply(a.id, "admit", 4);
    expect(await jobs.countsByState()).toEqual(
      new Map([
        ["pending", 2],
        ["admitted", 1],
      ]),
    );
    expect(await jobs.pendingByQueue()).toEqual(
      new Map([
        ["q1", 1],
        ["q2", 1],
      ]),
    );
  });

  it("succeeded: the latest ones oldest first, or the next ones after a finish time", async () => {
    const { jobs } = await open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = (await jobs.submit(spec(`s${i}`), "alice", i)).job.id;
      await finish(jobs, id, 100 + i, "succeed");
      ids.push(id);
    }
    const failed = (await jobs.submit(spec("f"), "alice", 9)).job.id;
    await finish(jobs, failed, 200, "fail");
    expect(await jobs.succeeded(3)).toEqual(ids.slice(2).map((id, i) => ({ id, finishedAtMs: 102 + i })));
    expect((await jobs.succeeded(2, 101)).map((r) => r.id)).toEqual(ids.slice(2, 4));
    expect(await jobs.succeeded(10, 104)).toEqual([]);
  });
});

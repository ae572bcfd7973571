import { NotFoundError, type JobEvent, type JobSpec, type JobState } from "@aidc/core";
import { checkFenceSqlite } from "../fence.js";
import {
  JobCache,
  LIST_COLUMNS,
  admissionChecks,
  appliedEventData,
  checkIdempotentRetry,
  newJobId,
  planApply,
  refuseOverLimit,
  refusedChange,
  type AdmissionLimits,
  type ApplyDetails,
  type JobFilter,
  type JobKey,
  type JobRecord,
  type JobRow,
} from "../jobs.js";
import type { ApplyOutcome, Fence, JobChange, JobStore } from "../port.js";
import type { SqliteDb } from "./db.js";

/**
 * Jobs in the SQLite file. Every change commits in one transaction with its event row, so an
 * acknowledged submission survives a crash and the event log never disagrees with the state.
 * The work is synchronous; the methods return resolved promises to fit the async port.
 */
export class SqliteJobStore implements JobStore {
  private readonly cache: JobCache;

  /** `cacheLimit`: how many jobs the listing cache keeps (JOB_CACHE_LIMIT unless given; tests use small ones). */
  constructor(
    private readonly s: SqliteDb,
    cacheLimit?: number,
  ) {
    this.cache = new JobCache(cacheLimit);
  }

  /** How many jobs are in each state (states with none are absent). */
  async countsByState(): Promise<Map<string, number>> {
    const rows = this.s.prepare("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() as { state: string; n: number }[];
    return new Map(rows.map((r) => [r.state, r.n]));
  }

  /**
   * Jobs that succeeded, oldest first: after `afterMs` (finish time) the next `limit` ones, or
   * without it the latest `limit` ones (what the runtime predictors learn from).
   */
  async succeeded(limit: number, afterMs?: number): Promise<{ id: string; finishedAtMs: number | undefined }[]> {
    const rows = (
      afterMs === undefined
        ? this.s
            .prepare("SELECT id, finished_at_ms AS f FROM jobs WHERE state = 'succeeded' ORDER BY finished_at_ms DESC, id DESC LIMIT ?")
            .all(limit)
            .reverse()
        : this.s
            .prepare(
              "SELECT id, finished_at_ms AS f FROM jobs WHERE state = 'succeeded' AND finished_at_ms > ? ORDER BY finished_at_ms, id LIMIT ?",
            )
            .all(afterMs, limit)
    ) as { id: string; f: number | null }[];
    return rows.map((r) => ({ id: r.id, finishedAtMs: r.f ?? undefined }));
  }

  /** Pending jobs per queue (queues with none are absent). */
  async pendingByQueue(): Promise<Map<string, number>> {
    const rows = this.s.prepare("SELECT queue, COUNT(*) AS n FROM jobs WHERE state = 'pending' GROUP BY queue").all() as {
      queue: string;
      n: number;
    }[];
    return new Map(rows.map((r) => [r.queue, r.n]));
  }

  /**
   * Insert a job as pending. With an idempotency key, a retry of the same request by the same
   * user returns the job created the first time (`created: false`) instead of a second job.
   */
  async submit(
    spec: JobSpec,
    user: string,
    nowMs: number,
    idempotencyKey?: string,
    limits?: AdmissionLimits,
  ): Promise<{ job: JobRecord; created: boolean }> {
    return this.s.transaction(() => {
      if (idempotencyKey !== undefined) {
        const prior = this.s.prepare("SELECT * FROM jobs WHERE user = ? AND idempotency_key = ?").get(user, idempotencyKey) as
          JobRow | undefined;
        if (prior !== undefined) {
          checkIdempotentRetry(prior, spec, idempotencyKey);
          return { job: this.cache.record(prior), created: false };
        }
      }
      if (limits !== undefined) {
        for (const check of admissionChecks(spec.queue, limits)) refuseOverLimit(user, this.waitingSync(user, check.queue), check);
      }
      const id = newJobId(nowMs);
      this.s
        .prepare(
          `INSERT INTO jobs (id, name, user, queue, priority, spec, state, attempts, submitted_at_ms, updated_at_ms, idempotency_key)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
        )
        .run(id, spec.name, user, spec.queue, spec.priority, JSON.stringify(spec), nowMs, nowMs, idempotencyKey ?? null);
      this.s.insertEvent(nowMs, "job.submitted", `job/${id}`, { user, queue: spec.queue });
      return { job: this.requireSync(id), created: true };
    });
  }

  /** Pending + admitted jobs of a user (in one queue, when given). */
  async waiting(user: string, queue?: string): Promise<number> {
    return this.waitingSync(user, queue);
  }

  private waitingSync(user: string, queue?: string): number {
    const sql = `SELECT COUNT(*) AS n FROM jobs WHERE user = ? AND state IN ('pending', 'admitted')${queue === undefined ? "" : " AND queue = ?"}`;
    const row = this.s.prepare(sql).get(...(queue === undefined ? [user] : [user, queue])) as { n: number };
    return row.n;
  }

  /**
   * The state of the latest job (by submission) of `user` with each of `names`, in one query:
   * how the scheduling loop resolves dependencies. Names with no job are absent.
   */
  async latestStates(user: string, names: readonly string[]): Promise<Map<string, JobState>> {
    const out = new Map<string, JobState>();
    if (names.length === 0) return out;
    const rows = this.s
      .prepare(
        `SELECT name, state FROM (
           SELECT name, state, ROW_NUMBER() OVER (PARTITION BY name ORDER BY submitted_at_ms DESC, id DESC) AS n
           FROM jobs WHERE user = ? AND name IN (SELECT value FROM json_each(?)))
         WHERE n = 1`,
      )
      .all(user, JSON.stringify([...new Set(names)])) as { name: string; state: JobState }[];
    for (const r of rows) out.set(r.name, r.state);
    return out;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.getSync(id);
  }

  async require(id: string): Promise<JobRecord> {
    return this.requireSync(id);
  }

  private getSync(id: string): JobRecord | undefined {
    const row = this.s.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
    return row === undefined ? undefined : this.cache.record(row);
  }

  private requireSync(id: string): JobRecord {
    const job = this.getSync(id);
    if (job === undefined) throw new NotFoundError(`No job "${id}"`);
    return job;
  }

  async list(filter: JobFilter = {}): Promise<JobRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.states !== undefined && filter.states.length > 0) {
      where.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
      args.push(...filter.states);
    }
    if (filter.queue !== undefined) {
      where.push("queue = ?");
      args.push(filter.queue);
    }
    if (filter.user !== undefined) {
      where.push("user = ?");
      args.push(filter.user);
    }
    if (filter.after !== undefined) {
      where.push("(submitted_at_ms, id) > (?, ?)");
      args.push(filter.after.submittedAtMs, filter.after.id);
    }
    // listing is on the scheduling hot path (every pending job, every pass): read only the columns that say
    // whether a job changed, and build records only for jobs not seen in this version (specs are cached too)
    const sql = `SELECT id, state, attempts, updated_at_ms FROM jobs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY submitted_at_ms, ${filter.submissionOrder ? "rowid" : "id"} LIMIT ?`;
    const keys = this.s.prepare(sql).all(...args, filter.limit ?? 1000) as JobKey[];
    const lookup = this.cache.lookup(keys);
    let built = new Map<string, JobRecord>();
    if (lookup.missing.length > 0) {
      const rows = this.s
        .prepare(`SELECT ${LIST_COLUMNS.join(", ")} FROM jobs WHERE id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(lookup.missing)) as JobRow[];
      const specs =
        lookup.needSpec.length === 0
          ? []
          : (this.s
              .prepare("SELECT id, spec FROM jobs WHERE id IN (SELECT value FROM json_each(?))")
              .all(JSON.stringify(lookup.needSpec)) as { id: string; spec: string }[]);
      built = this.cache.build(rows, lookup, new Map(specs.map((r) => [r.id, r.spec])));
    }
    return JobCache.assemble(keys, lookup, built);
  }

  /**
   * Apply a lifecycle event (IllegalTransitionError when the state machine forbids it), with
   * its event row, atomically. `retry` and `requeue` count an attempt. With a fence, the write is
   * made only while the fence's lease is held (FencedError otherwise).
   */
  async apply(id: string, event: JobEvent, nowMs: number, details: ApplyDetails = {}, fence?: Fence): Promise<JobRecord> {
    this.cache.forget(id);
    return this.s.transaction(() => {
      if (fence !== undefined) checkFenceSqlite((sql) => this.s.prepare(sql), fence);
      return this.applyIn(id, event, nowMs, details);
    });
  }

  async applyMany(changes: readonly JobChange[], nowMs: number, fence?: Fence): Promise<ApplyOutcome[]> {
    for (const c of changes) this.cache.forget(c.id);
    return this.s.transaction(() => {
      if (fence !== undefined) checkFenceSqlite((sql) => this.s.prepare(sql), fence);
      return changes.map((c): ApplyOutcome => {
        try {
          return { job: this.applyIn(c.id, c.event, nowMs, c.details ?? {}) };
        } catch (err) {
          if (refusedChange(err)) return { error: err }; // refused before it wrote anything
          throw err;
        }
      });
    });
  }

  /** One lifecycle event and its event row (call inside a transaction). */
  private applyIn(id: string, event: JobEvent, nowMs: number, details: ApplyDetails): JobRecord {
    const job = this.requireSync(id);
    const { to, attempts, requeued, finished } = planApply(job, event);
    this.s
      .prepare(
        `UPDATE jobs SET state = ?, attempts = ?, updated_at_ms = ?, exit_code = COALESCE(?, exit_code), message = COALESCE(?, message),
           run_id = CASE WHEN ? THEN NULL ELSE COALESCE(?, run_id) END,
           placement = CASE WHEN ? THEN NULL ELSE COALESCE(?, placement) END,
           started_at_ms = CASE WHEN ? = 'running' THEN ? ELSE started_at_ms END,
           finished_at_ms = CASE WHEN ? THEN ? ELSE finished_at_ms END
         WHERE id = ?`,
      )
      .run(
        to,
        attempts,
        nowMs,
        details.exitCode ?? null,
        details.message ?? null,
        requeued ? 1 : 0,
        details.runId ?? null,
        requeued ? 1 : 0,
        details.placement ? JSON.stringify(details.placement) : null,
        to,
        nowMs,
        finished ? 1 : 0,
        nowMs,
        id,
      );
    this.s.insertEvent(nowMs, `job.${to}`, `job/${id}`, appliedEventData(job.state, event, details));
    return this.requireSync(id);
  }
}

import { randomBytes } from "node:crypto";
import {
  AidcError,
  NotFoundError,
  TERMINAL_STATES,
  transition,
  type JobEvent,
  type JobSpec,
  type Issue,
  type JobState,
  type Placement,
  type StoredJob,
} from "@aidc/core";
import type { SqliteStore } from "./sqlite.js";

export interface JobRecord extends StoredJob {
  readonly name: string;
  readonly user: string;
  readonly queue: string;
  readonly priority: number;
  readonly updatedAtMs: number;
  readonly exitCode?: number;
  readonly message?: string;
  readonly runId?: string;
  readonly placement?: Placement;
  readonly startedAtMs?: number;
  readonly finishedAtMs?: number;
}

interface JobRow {
  id: string;
  name: string;
  user: string;
  queue: string;
  priority: number;
  /** Absent when listed (see LIST_COLUMNS): the spec comes from the cache. */
  spec?: string;
  state: JobState;
  attempts: number;
  submitted_at_ms: number;
  updated_at_ms: number;
  exit_code: number | null;
  message: string | null;
  run_id: string | null;
  placement: string | null;
  started_at_ms: number | null;
  finished_at_ms: number | null;
}

export interface JobFilter {
  readonly states?: readonly JobState[];
  readonly queue?: string;
  readonly user?: string;
  readonly limit?: number;
  /** Only jobs after this one in listing order (submitted time, then id): the cursor of a page. */
  readonly after?: { readonly submittedAtMs: number; readonly id: string };
  /**
   * Order jobs submitted in the same millisecond by when they were stored (the scheduling loop: a queue's
   * order is submission order, as in a trace replay), not by id. Not for paging (cursors use the id).
   */
  readonly submissionOrder?: boolean;
}

/** Caps checked in the submission's transaction, after an idempotent retry is recognised. */
export interface AdmissionLimits {
  /** Pending + admitted jobs the user may have in all queues. */
  readonly maxPendingJobsPerUser: { readonly value: number; readonly source: string };
  /** ... and in the job's queue, when the queue sets its own. */
  readonly maxPendingJobsInQueue?: { readonly value: number; readonly source: string };
}

export class IdempotencyConflictError extends AidcError {
  constructor(message: string) {
    super("IDEMPOTENCY_CONFLICT", message);
  }
}

/** A user has as many waiting jobs as the cluster allows (HTTP 429); submitting again later will work. */
export class TooManyPendingJobsError extends AidcError {
  readonly issues: readonly Issue[];
  constructor(message: string, issues: readonly Issue[]) {
    super("TOO_MANY_PENDING_JOBS", message);
    this.issues = issues;
  }
}

function fromRow(r: JobRow, specOf: (r: JobRow) => JobSpec): JobRecord {
  return {
    id: r.id,
    name: r.name,
    user: r.user,
    queue: r.queue,
    priority: r.priority,
    spec: specOf(r),
    state: r.state,
    attempts: r.attempts,
    submittedAtMs: r.submitted_at_ms,
    updatedAtMs: r.updated_at_ms,
    ...(r.exit_code === null ? {} : { exitCode: r.exit_code }),
    ...(r.message === null ? {} : { message: r.message }),
    ...(r.run_id === null ? {} : { runId: r.run_id }),
    ...(r.placement === null ? {} : { placement: JSON.parse(r.placement) as Placement }),
    ...(r.started_at_ms === null ? {} : { startedAtMs: r.started_at_ms }),
    ...(r.finished_at_ms === null ? {} : { finishedAtMs: r.finished_at_ms }),
  };
}

/** A sortable, unique job id: time in base 36 plus random bits ("j-mf3k2a9-4c1d8e"). */
export function newJobId(nowMs: number): string {
  return `j-${nowMs.toString(36)}-${randomBytes(4).toString("hex")}`;
}

/**
 * Jobs in the store. Every change commits in one transaction with its event row, so an
 * acknowledged submission survives a crash and the event log never disagrees with the state.
 */
const LIST_COLUMNS =
  "id, name, user, queue, priority, state, attempts, submitted_at_ms, updated_at_ms, exit_code, message, run_id, placement, started_at_ms, finished_at_ms";

export class JobRepo {
  /**
   * A job's spec never changes after submission, so its parsed form is kept (bounded): the
   * scheduling loop lists every pending job on each pass and would otherwise re-parse them all.
   */
  private readonly specs = new Map<string, JobSpec>();
  /** Listed records by id (bounded); an entry is used only while its state, attempts and update time match the row. */
  private readonly records = new Map<string, JobRecord>();
  private readonly row = (r: JobRow): JobRecord => fromRow(r, (x) => this.specOf(x));

  constructor(private readonly store: SqliteStore) {}

  /** How many jobs are in each state (states with none are absent). */
  countsByState(): Map<string, number> {
    const rows = this.store.prepare("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() as { state: string; n: number }[];
    return new Map(rows.map((r) => [r.state, r.n]));
  }

  /**
   * Jobs that succeeded, oldest first: after `afterMs` (finish time) the next `limit` ones, or
   * without it the latest `limit` ones (what the runtime predictors learn from).
   */
  succeeded(limit: number, afterMs?: number): { id: string; finishedAtMs: number | undefined }[] {
    const rows = (
      afterMs === undefined
        ? this.store
            .prepare("SELECT id, finished_at_ms AS f FROM jobs WHERE state = 'succeeded' ORDER BY finished_at_ms DESC, id DESC LIMIT ?")
            .all(limit)
            .reverse()
        : this.store
            .prepare(
              "SELECT id, finished_at_ms AS f FROM jobs WHERE state = 'succeeded' AND finished_at_ms > ? ORDER BY finished_at_ms, id LIMIT ?",
            )
            .all(afterMs, limit)
    ) as { id: string; f: number | null }[];
    return rows.map((r) => ({ id: r.id, finishedAtMs: r.f ?? undefined }));
  }

  /** Pending jobs per queue (queues with none are absent). */
  pendingByQueue(): Map<string, number> {
    const rows = this.store.prepare("SELECT queue, COUNT(*) AS n FROM jobs WHERE state = 'pending' GROUP BY queue").all() as {
      queue: string;
      n: number;
    }[];
    return new Map(rows.map((r) => [r.queue, r.n]));
  }

  private specOf(r: JobRow): JobSpec {
    let spec = this.specs.get(r.id);
    if (spec === undefined) {
      const text = r.spec ?? (this.store.prepare("SELECT spec FROM jobs WHERE id = ?").get(r.id) as { spec: string }).spec;
      spec = JSON.parse(text) as JobSpec;
      if (this.specs.size >= 50_000) this.specs.delete(this.specs.keys().next().value as string);
      this.specs.set(r.id, spec);
    }
    return spec;
  }

  /**
   * Insert a job as pending. With an idempotency key, a retry of the same request by the same
   * user returns the job created the first time (`created: false`) instead of a second job.
   */
  submit(
    spec: JobSpec,
    user: string,
    nowMs: number,
    idempotencyKey?: string,
    limits?: AdmissionLimits,
  ): { job: JobRecord; created: boolean } {
    const db = this.store.db;
    return db.transaction(() => {
      if (idempotencyKey !== undefined) {
        const prior = this.store.prepare("SELECT * FROM jobs WHERE user = ? AND idempotency_key = ?").get(user, idempotencyKey) as
          JobRow | undefined;
        if (prior !== undefined) {
          if (prior.spec !== JSON.stringify(spec)) {
            throw new IdempotencyConflictError(`Idempotency-Key "${idempotencyKey}" was already used for a different job (${prior.id})`);
          }
          return { job: this.row(prior), created: false };
        }
      }
      if (limits !== undefined) this.admit(user, spec.queue, limits);
      const id = newJobId(nowMs);
      this.store
        .prepare(
          `INSERT INTO jobs (id, name, user, queue, priority, spec, state, attempts, submitted_at_ms, updated_at_ms, idempotency_key)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
        )
        .run(id, spec.name, user, spec.queue, spec.priority, JSON.stringify(spec), nowMs, nowMs, idempotencyKey ?? null);
      this.store.insertEvent(nowMs, "job.submitted", `job/${id}`, { user, queue: spec.queue });
      return { job: this.require(id), created: true };
    })();
  }

  /** Pending + admitted jobs of a user (in one queue, when given). */
  waiting(user: string, queue?: string): number {
    const sql = `SELECT COUNT(*) AS n FROM jobs WHERE user = ? AND state IN ('pending', 'admitted')${queue === undefined ? "" : " AND queue = ?"}`;
    const row = this.store.prepare(sql).get(...(queue === undefined ? [user] : [user, queue])) as { n: number };
    return row.n;
  }

  private admit(user: string, queue: string, limits: AdmissionLimits): void {
    const checks = [
      { limit: limits.maxPendingJobsPerUser, n: () => this.waiting(user), where: "" },
      ...(limits.maxPendingJobsInQueue
        ? [{ limit: limits.maxPendingJobsInQueue, n: () => this.waiting(user, queue), where: ` in queue ${queue}` }]
        : []),
    ];
    for (const { limit, n, where } of checks) {
      const count = n();
      if (count >= limit.value) {
        const message = `${user} has ${count} pending or admitted jobs${where}, the cluster's limit of ${limit.value} (${limit.source})`;
        throw new TooManyPendingJobsError(`Cannot queue another job: ${message}; submit again when some have started`, [
          { code: "limit_exceeded", path: where === "" ? "user" : "queue", message },
        ]);
      }
    }
  }

  /**
   * The state of the latest job (by submission) of `user` with each of `names`, in one query:
   * how the scheduling loop resolves dependencies. Names with no job are absent.
   */
  latestStates(user: string, names: readonly string[]): Map<string, JobState> {
    const out = new Map<string, JobState>();
    if (names.length === 0) return out;
    const rows = this.store
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

  get(id: string): JobRecord | undefined {
    const row = this.store.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
    return row === undefined ? undefined : this.row(row);
  }

  require(id: string): JobRecord {
    const job = this.get(id);
    if (job === undefined) throw new NotFoundError(`No job "${id}"`);
    return job;
  }

  list(filter: JobFilter = {}): JobRecord[] {
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
    const keys = this.store.prepare(sql).all(...args, filter.limit ?? 1000) as Pick<
      JobRow,
      "id" | "state" | "attempts" | "updated_at_ms"
    >[];
    const fresh = (k: (typeof keys)[number]): JobRecord | undefined => {
      const r = this.records.get(k.id);
      return r !== undefined && r.state === k.state && r.attempts === k.attempts && r.updatedAtMs === k.updated_at_ms ? r : undefined;
    };
    const missing = keys.filter((k) => fresh(k) === undefined).map((k) => k.id);
    if (missing.length > 0) {
      const rows = this.store
        .prepare(`SELECT ${LIST_COLUMNS} FROM jobs WHERE id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(missing)) as JobRow[];
      for (const row of rows) {
        if (this.records.size >= 50_000) this.records.delete(this.records.keys().next().value as string);
        this.records.set(row.id, this.row(row));
      }
    }
    return keys.flatMap((k) => {
      const r = fresh(k) ?? this.records.get(k.id);
      return r === undefined ? [] : [r];
    });
  }

  /**
   * Apply a lifecycle event (IllegalTransitionError when the state machine forbids it), with
   * its event row, atomically. `retry` and `requeue` count an attempt.
   */
  apply(
    id: string,
    event: JobEvent,
    nowMs: number,
    details: { exitCode?: number; message?: string; runId?: string; placement?: Placement } = {},
  ): JobRecord {
    const db = this.store.db;
    this.records.delete(id);
    return db.transaction(() => {
      const job = this.require(id);
      const to = transition(job.state, event, `job "${job.name}" (${id})`);
      const attempts = event === "retry" || event === "requeue" ? job.attempts + 1 : job.attempts;
      // a job back in the queue forgets its run and placement; a finished one keeps them for the record
      const requeued = to === "pending" ? 1 : 0;
      const finished = TERMINAL_STATES.includes(to) || to === "failed" || to === "preempted" ? 1 : 0;
      this.store
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
          requeued,
          details.runId ?? null,
          requeued,
          details.placement ? JSON.stringify(details.placement) : null,
          to,
          nowMs,
          finished,
          nowMs,
          id,
        );
      const { placement: _placement, ...logged } = details;
      this.store.insertEvent(nowMs, `job.${to}`, `job/${id}`, { from: job.state, event, ...logged });
      return this.require(id);
    })();
  }
}

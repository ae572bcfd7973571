import { randomBytes } from "node:crypto";
import {
  AidcError,
  IllegalTransitionError,
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

/*
 * The jobs area's types, errors and the logic both backends share (row mapping, the admission check,
 * what a lifecycle event changes, the listing cache). The SQL lives in store/sqlite/jobs.ts and
 * store/pg/jobs.ts; the port is JobStore in store/port.ts.
 */

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

/** A jobs row as both backends read it. */
export interface JobRow {
  id: string;
  name: string;
  user: string;
  queue: string;
  priority: number;
  /** May be left out once the job's spec is cached (JobCache). */
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

/** The columns a listing reads for changed jobs (the spec separately, only when not cached); `user` is quoted for PostgreSQL by the caller. */
export const LIST_COLUMNS = [
  "id",
  "name",
  "user",
  "queue",
  "priority",
  "state",
  "attempts",
  "submitted_at_ms",
  "updated_at_ms",
  "exit_code",
  "message",
  "run_id",
  "placement",
  "started_at_ms",
  "finished_at_ms",
] as const;

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

export type ApplyDetails = { exitCode?: number; message?: string; runId?: string; placement?: Placement };

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

/** A sortable, unique job id: time in base 36 plus random bits ("j-mf3k2a9-4c1d8e"). */
export function newJobId(nowMs: number): string {
  return `j-${nowMs.toString(36)}-${randomBytes(4).toString("hex")}`;
}

/** The prior job of an idempotent retry, or IdempotencyConflictError when the key was used for another spec. */
export function checkIdempotentRetry(prior: { id: string; spec?: string }, spec: JobSpec, key: string): void {
  if (prior.spec !== JSON.stringify(spec)) {
    throw new IdempotencyConflictError(`Idempotency-Key "${key}" was already used for a different job (${prior.id})`);
  }
}

/** The admission checks of a submission: the per-user cap, then the queue's own one (when set). */
export function admissionChecks(queue: string, limits: AdmissionLimits): { limit: { value: number; source: string }; queue?: string }[] {
  return [
    { limit: limits.maxPendingJobsPerUser },
    ...(limits.maxPendingJobsInQueue ? [{ limit: limits.maxPendingJobsInQueue, queue }] : []),
  ];
}

/** Throws TooManyPendingJobsError when `count` waiting jobs reach the check's limit. */
export function refuseOverLimit(user: string, count: number, check: { limit: { value: number; source: string }; queue?: string }): void {
  if (count < check.limit.value) return;
  const where = check.queue === undefined ? "" : ` in queue ${check.queue}`;
  const message = `${user} has ${count} pending or admitted jobs${where}, the cluster's limit of ${check.limit.value} (${check.limit.source})`;
  throw new TooManyPendingJobsError(`Cannot queue another job: ${message}; submit again when some have started`, [
    { code: "limit_exceeded", path: check.queue === undefined ? "user" : "queue", message },
  ]);
}

/** What a lifecycle event does to a job's row (IllegalTransitionError when the state machine forbids it). */
export function planApply(job: JobRecord, event: JobEvent): { to: JobState; attempts: number; requeued: boolean; finished: boolean } {
  const to = transition(job.state, event, `job "${job.name}" (${job.id})`);
  return {
    to,
    attempts: event === "retry" || event === "requeue" ? job.attempts + 1 : job.attempts,
    // a job back in the queue forgets its run and placement; a finished one keeps them for the record
    requeued: to === "pending",
    finished: TERMINAL_STATES.includes(to) || to === "failed" || to === "preempted",
  };
}

/** The row after a planned event (what the backends' UPDATE of `apply` writes, computed for a batch). */
export function appliedRow(row: JobRow, plan: ReturnType<typeof planApply>, nowMs: number, details: ApplyDetails): JobRow {
  return {
    ...row,
    state: plan.to,
    attempts: plan.attempts,
    updated_at_ms: nowMs,
    exit_code: details.exitCode ?? row.exit_code,
    message: details.message ?? row.message,
    run_id: plan.requeued ? null : (details.runId ?? row.run_id),
    placement: plan.requeued ? null : details.placement ? JSON.stringify(details.placement) : row.placement,
    started_at_ms: plan.to === "running" ? nowMs : row.started_at_ms,
    finished_at_ms: plan.finished ? nowMs : row.finished_at_ms,
  };
}

/** True for the errors applyMany reports per change (the rest fail the whole batch). */
export function refusedChange(err: unknown): err is AidcError {
  return err instanceof IllegalTransitionError || err instanceof NotFoundError;
}

/** The event row's data of an applied lifecycle event (the placement is in the job row, not logged). */
export function appliedEventData(from: JobState, event: JobEvent, details: ApplyDetails): Record<string, unknown> {
  const { placement: _placement, ...logged } = details;
  return { from, event, ...logged };
}

function fromRow(r: JobRow, spec: JobSpec): JobRecord {
  return {
    id: r.id,
    name: r.name,
    user: r.user,
    queue: r.queue,
    priority: r.priority,
    spec,
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

/** The columns a listing's first query reads: enough to tell whether a cached record is still current. */
export type JobKey = Pick<JobRow, "id" | "state" | "attempts" | "updated_at_ms">;

/** How many jobs' records (and, separately, parsed specs) a JobCache keeps by default. */
export const JOB_CACHE_LIMIT = 100_000;

/** Keys of a listing split by the cache: records still current, and the ids to read again. */
export interface CacheLookup {
  readonly hits: ReadonlyMap<string, JobRecord>;
  /** Ids whose cached record is missing or stale. */
  readonly missing: readonly string[];
  /** Parsed specs of missing ids that are cached (held here, so an eviction meanwhile does not lose them). */
  readonly specs: ReadonlyMap<string, JobSpec>;
  /** Missing ids whose spec is not cached either: read their spec column. */
  readonly needSpec: readonly string[];
}

/**
 * Per-process memory of parsed specs and listed records (bounded, least recently used out). A job's
 * spec never changes after submission; a listed record is used only while the row's (state, attempts,
 * updated_at_ms) still match, so the cache stays correct when other replicas write the same database.
 * A listing is assembled from its own hits and rows, never from what the cache still holds afterwards:
 * a listing larger than the cache costs re-reads but never loses a job.
 */
export class JobCache {
  private readonly specs = new Map<string, JobSpec>();
  private readonly records = new Map<string, JobRecord>();

  constructor(readonly limit = JOB_CACHE_LIMIT) {}

  /** A record from a row; its spec is parsed once per job (the row's spec column may be left out once cached). */
  record(r: JobRow, specText?: string, known?: JobSpec): JobRecord {
    let spec = known ?? this.specs.get(r.id);
    if (spec === undefined) {
      const text = r.spec ?? specText;
      if (text === undefined) throw new AidcError("STORE_CORRUPT", `No spec for job ${r.id}`);
      spec = JSON.parse(text) as JobSpec;
    }
    this.remember(this.specs, r.id, spec);
    return fromRow(r, spec);
  }

  /** Split a listing's keys into current records (marked as recently used) and the ids to read. */
  lookup(keys: readonly JobKey[]): CacheLookup {
    const hits = new Map<string, JobRecord>();
    const missing: string[] = [];
    const specs = new Map<string, JobSpec>();
    const needSpec: string[] = [];
    for (const k of keys) {
      const r = this.records.get(k.id);
      if (r !== undefined && r.state === k.state && r.attempts === k.attempts && r.updatedAtMs === k.updated_at_ms) {
        hits.set(k.id, r);
        this.remember(this.records, k.id, r);
        continue;
      }
      missing.push(k.id);
      const spec = this.specs.get(k.id);
      if (spec === undefined) needSpec.push(k.id);
      else specs.set(k.id, spec);
    }
    return { hits, missing, specs, needSpec };
  }

  /** Records from the rows a listing read for `lookup.missing` (`specTexts`: the spec column of `lookup.needSpec`), remembered. */
  build(rows: readonly JobRow[], lookup: CacheLookup, specTexts: ReadonlyMap<string, string>): Map<string, JobRecord> {
    const out = new Map<string, JobRecord>();
    for (const row of rows) {
      const record = this.record(row, specTexts.get(row.id), lookup.specs.get(row.id));
      this.remember(this.records, row.id, record);
      out.set(row.id, record);
    }
    return out;
  }

  /** A listing in its keys' order from its hits and built records (a job deleted between the two reads is left out). */
  static assemble(keys: readonly JobKey[], lookup: CacheLookup, built: ReadonlyMap<string, JobRecord>): JobRecord[] {
    return keys.flatMap((k) => {
      const r = built.get(k.id) ?? lookup.hits.get(k.id);
      return r === undefined ? [] : [r];
    });
  }

  forget(id: string): void {
    this.records.delete(id);
  }

  /** Set `key` as the most recently used entry, dropping the least recently used one when full. */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (!map.delete(key) && map.size >= this.limit) map.delete(map.keys().next().value as string);
    map.set(key, value);
  }
}

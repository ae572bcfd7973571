import { createHash } from "node:crypto";
import { NotFoundError, type JobEvent, type JobSpec, type JobState } from "@aidc/core";
import { checkFencePg } from "../fence.js";
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
  appliedRow,
  type AdmissionLimits,
  type ApplyDetails,
  type JobFilter,
  type JobKey,
  type JobRecord,
  type JobRow,
} from "../jobs.js";
import type { ApplyOutcome, Fence, JobChange, JobStore } from "../port.js";
import type { PgDb, Sql } from "./db.js";

/** The first key of the per-user advisory locks of submissions (the second is hashtext(user)). */
export const SUBMIT_LOCK_SPACE = 1_447_104; // "aidc" jobs; two-key advisory locks never meet single-key ones

const COLUMNS = LIST_COLUMNS.map((c) => (c === "user" ? '"user"' : c)).join(", ");
const ROW = `${COLUMNS}, spec`;
/** ROW of the joined prior job `p` (all NULL when there is none). */
const PRIOR_ROW = [...LIST_COLUMNS, "spec"].map((c) => (c === "user" ? 'p."user"' : `p.${c}`)).join(", ");

/** A stable statement name for a SQL text (named statements are parsed once per connection). */
const names = new Map<string, string>();
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `aidc_jobs_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

function query<R>(sql: Sql, text: string, values: readonly unknown[] = []): Promise<R[]> {
  return sql.query<R>(text, values, nameOf(text));
}

/**
 * Jobs in PostgreSQL. Every change commits in one transaction with its event row. A submission with
 * an idempotency key is unique by the (user, key) index: a concurrent duplicate waits for the first
 * and returns its job. The admission caps are checked under a per-user transaction-scoped advisory
 * lock (shared far from every cap, exclusive near one; see submitIn), so submissions of one user from
 * any replica never pass a cap together.
 */
export class PgJobStore implements JobStore {
  private readonly cache: JobCache;

  /** `cacheLimit`: how many jobs the listing cache keeps (JOB_CACHE_LIMIT unless given; tests use small ones). */
  constructor(
    private readonly db: PgDb,
    cacheLimit?: number,
  ) {
    this.cache = new JobCache(cacheLimit);
  }

  async countsByState(): Promise<Map<string, number>> {
    const rows = await query<{ state: string; n: number }>(this.db, "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state");
    return new Map(rows.map((r) => [r.state, r.n]));
  }

  async succeeded(limit: number, afterMs?: number): Promise<{ id: string; finishedAtMs: number | undefined }[]> {
    const rows =
      afterMs === undefined
        ? (
            await query<{ id: string; f: number | null }>(
              this.db,
              "SELECT id, finished_at_ms AS f FROM jobs WHERE state = 'succeeded' ORDER BY finished_at_ms DESC NULLS LAST, id DESC LIMIT $1",
              [limit],
            )
          ).reverse()
        : await query<{ id: string; f: number | null }>(
            this.db,
            "SELECT id, finished_at_ms AS f FROM jobs WHERE state = 'succeeded' AND finished_at_ms > $1 ORDER BY finished_at_ms, id LIMIT $2",
            [afterMs, limit],
          );
    return rows.map((r) => ({ id: r.id, finishedAtMs: r.f ?? undefined }));
  }

  async pendingByQueue(): Promise<Map<string, number>> {
    const rows = await query<{ queue: string; n: number }>(
      this.db,
      "SELECT queue, COUNT(*) AS n FROM jobs WHERE state = 'pending' GROUP BY queue",
    );
    return new Map(rows.map((r) => [r.queue, r.n]));
  }

  async submit(
    spec: JobSpec,
    user: string,
    nowMs: number,
    idempotencyKey?: string,
    limits?: AdmissionLimits,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const done = (out: { job: JobRecord; created: boolean } | "near the cap"): { job: JobRecord; created: boolean } => {
      if (out === "near the cap") throw new Error("only a shared submission can be near the cap");
      return out;
    };
    if (limits === undefined) return done(await this.submitIn("none", spec, user, nowMs, idempotencyKey));
    const margin = await this.inFlightBound();
    // far from every cap, submissions of one user run side by side; near one, they take turns
    if (admissionChecks(spec.queue, limits).some((c) => c.limit.value > margin)) {
      const out = await this.submitIn("shared", spec, user, nowMs, idempotencyKey, limits, margin);
      if (out !== "near the cap") return out;
    }
    return done(await this.submitIn("exclusive", spec, user, nowMs, idempotencyKey, limits, margin));
  }

  /**
   * The most transactions that can be in flight on the database at once (max_connections plus
   * prepared transactions), read once. Far-from-cap submissions that another submission's count does
   * not see yet are each in flight, so there are never more of them than this.
   */
  private inFlightBound(): Promise<number> {
    this.bound ??= this.db
      .query<{ n: number }>(
        "SELECT current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int AS n",
        [],
        "aidc_in_flight_bound",
      )
      .then((rows) => rows[0]?.n ?? Number.MAX_SAFE_INTEGER)
      .catch((err: unknown) => {
        this.bound = undefined;
        throw err;
      });
    return this.bound;
  }

  private bound: Promise<number> | undefined;

  /**
   * One submission transaction. The admission caps are exact across replicas by the per-user advisory
   * lock, taken before the counts are read:
   * - "exclusive": one submission of this user at a time; it sees every committed job and no other
   *   submission of this user is in flight, so its count is the truth.
   * - "shared" (only while every count is below its cap by more than `margin`, the in-flight bound):
   *   submissions of the user run side by side. Each sees the committed jobs; those it does not see are
   *   in flight beside it — at most `margin` of them, since an exclusive submission waits for every
   *   shared one to end and blocks new ones. So count + unseen < cap: no mix of them can pass the cap.
   *   A shared submission that finds a count within `margin` of its cap writes nothing and says so
   *   ("near the cap"); the caller runs it again exclusively.
   */
  private submitIn(
    mode: "none" | "shared" | "exclusive",
    spec: JobSpec,
    user: string,
    nowMs: number,
    idempotencyKey?: string,
    limits?: AdmissionLimits,
    margin = 0,
  ): Promise<{ job: JobRecord; created: boolean } | "near the cap"> {
    const text = JSON.stringify(spec);
    return this.db.tx(async (sql) => {
      // the lock first: a retry that waited for its first attempt then sees that job, not a full cap
      if (mode === "exclusive") await query(sql, "SELECT pg_advisory_xact_lock($1, hashtext($2))", [SUBMIT_LOCK_SPACE, user]);
      if (mode === "shared") await query(sql, "SELECT pg_advisory_xact_lock_shared($1, hashtext($2))", [SUBMIT_LOCK_SPACE, user]);
      const retryOf = (row: JobRow | undefined): { job: JobRecord; created: boolean } | undefined => {
        if (row === undefined || row.id === null || idempotencyKey === undefined) return undefined;
        checkIdempotentRetry(row, spec, idempotencyKey);
        return { job: this.cache.record(row), created: false };
      };
      const prior = async (): Promise<JobRow | undefined> =>
        idempotencyKey === undefined
          ? undefined
          : (await query<JobRow>(sql, `SELECT ${ROW} FROM jobs WHERE "user" = $1 AND idempotency_key = $2`, [user, idempotencyKey]))[0];
      if (limits === undefined) {
        const retry = retryOf(await prior());
        if (retry !== undefined) return retry;
      } else {
        // the prior job of a retry and the user's waiting jobs, in one statement
        const facts = (
          await query<JobRow & { n_user: number; n_queue: number }>(
            sql,
            `SELECT ${PRIOR_ROW},
               (SELECT COUNT(*) FROM jobs WHERE "user" = $1 AND state IN ('pending', 'admitted')) AS n_user,
               (SELECT COUNT(*) FROM jobs WHERE "user" = $1 AND state IN ('pending', 'admitted') AND queue = $3) AS n_queue
             FROM (SELECT 1) AS one LEFT JOIN jobs p ON p."user" = $1 AND p.idempotency_key = $2`,
            [user, idempotencyKey ?? null, spec.queue],
          )
        )[0];
        const retry = retryOf(facts);
        if (retry !== undefined) return retry;
        const checks = admissionChecks(spec.queue, limits).map((c) => ({
          c,
          n: (c.queue === undefined ? facts?.n_user : facts?.n_queue) ?? 0,
        }));
        if (mode === "shared" && checks.some(({ c, n }) => n + margin >= c.limit.value)) return "near the cap";
        for (const { c, n } of checks) refuseOverLimit(user, n, c);
      }
      const id = newJobId(nowMs);
      // the job and its event in one statement; a conflict on the key inserts neither
      const inserted = await query<JobRow>(
        sql,
        `WITH j AS (
           INSERT INTO jobs (id, name, "user", queue, priority, spec, state, attempts, submitted_at_ms, updated_at_ms, idempotency_key)
           VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $8)
           ON CONFLICT ("user", idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
           RETURNING ${ROW}),
         e AS (INSERT INTO events (at_ms, type, subject, data) SELECT $7, 'job.submitted', 'job/' || j.id, $9 FROM j)
         SELECT * FROM j`,
        [id, spec.name, user, spec.queue, spec.priority, text, nowMs, idempotencyKey ?? null, JSON.stringify({ user, queue: spec.queue })],
      );
      const row = inserted[0];
      if (row !== undefined) return { job: this.cache.record(row), created: true };
      // a concurrent submission with this key committed first (the insert waited for it): that is the job
      const first = retryOf(await prior());
      if (first === undefined) throw new Error(`job insert with idempotency key ${idempotencyKey ?? ""} conflicted but no job has it`);
      return first;
    });
  }

  waiting(user: string, queue?: string): Promise<number> {
    return waitingOn(this.db, user, queue);
  }

  async latestStates(user: string, names: readonly string[]): Promise<Map<string, JobState>> {
    const out = new Map<string, JobState>();
    if (names.length === 0) return out;
    const rows = await query<{ name: string; state: JobState }>(
      this.db,
      `SELECT DISTINCT ON (name) name, state FROM jobs WHERE "user" = $1 AND name = ANY($2::text[])
       ORDER BY name, submitted_at_ms DESC, id DESC`,
      [user, [...new Set(names)]],
    );
    for (const r of rows) out.set(r.name, r.state);
    return out;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = (await query<JobRow>(this.db, `SELECT ${ROW} FROM jobs WHERE id = $1`, [id]))[0];
    return row === undefined ? undefined : this.cache.record(row);
  }

  async require(id: string): Promise<JobRecord> {
    const job = await this.get(id);
    if (job === undefined) throw new NotFoundError(`No job "${id}"`);
    return job;
  }

  async list(filter: JobFilter = {}): Promise<JobRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown): string => {
      args.push(v);
      return `$${args.length}`;
    };
    if (filter.states !== undefined && filter.states.length > 0) where.push(`state = ANY(${arg([...filter.states])}::text[])`);
    if (filter.queue !== undefined) where.push(`queue = ${arg(filter.queue)}`);
    if (filter.user !== undefined) where.push(`"user" = ${arg(filter.user)}`);
    if (filter.after !== undefined) where.push(`(submitted_at_ms, id) > (${arg(filter.after.submittedAtMs)}, ${arg(filter.after.id)})`);
    // as on SQLite: the keys that say whether a job changed first, whole rows only for jobs not seen in this version
    const keys = await query<JobKey>(
      this.db,
      `SELECT id, state, attempts, updated_at_ms FROM jobs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY submitted_at_ms, ${filter.submissionOrder ? "seq" : "id"} LIMIT ${arg(filter.limit ?? 1000)}`,
      args,
    );
    const lookup = this.cache.lookup(keys);
    let built = new Map<string, JobRecord>();
    if (lookup.missing.length > 0) {
      const rows = await query<JobRow>(
        this.db,
        `SELECT ${COLUMNS}, CASE WHEN id = ANY($2::text[]) THEN spec END AS spec FROM jobs WHERE id = ANY($1::text[])`,
        [lookup.missing, lookup.needSpec],
      );
      built = this.cache.build(rows, lookup, new Map()); // spec is NULL for jobs whose spec is known
    }
    return JobCache.assemble(keys, lookup, built);
  }

  async applyMany(changes: readonly JobChange[], nowMs: number, fence?: Fence): Promise<ApplyOutcome[]> {
    for (const c of changes) this.cache.forget(c.id);
    if (changes.length === 0) return [];
    return this.db.tx(async (sql) => {
      if (fence !== undefined) await checkFencePg(sql, fence);
      // lock the rows in id order (two batches never wait for each other in a cycle), then plan in memory
      const ids = [...new Set(changes.map((c) => c.id))].sort();
      const rows = await query<JobRow>(sql, `SELECT ${ROW} FROM jobs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [ids]);
      const current = new Map(rows.map((r) => [r.id, r]));
      const changed = new Set<string>();
      const events: { type: string; subject: string; data: string }[] = [];
      const outcomes = changes.map((c): ApplyOutcome => {
        const row = current.get(c.id);
        if (row === undefined) return { error: new NotFoundError(`No job "${c.id}"`) };
        const job = this.cache.record(row);
        try {
          const next = appliedRow(row, planApply(job, c.event), nowMs, c.details ?? {});
          current.set(c.id, next);
          changed.add(c.id);
          events.push({
            type: `job.${next.state}`,
            subject: `job/${c.id}`,
            data: JSON.stringify(appliedEventData(job.state, c.event, c.details ?? {})),
          });
          return { job: this.cache.record(next) };
        } catch (err) {
          if (refusedChange(err)) return { error: err };
          throw err;
        }
      });
      if (changed.size === 0) return outcomes;
      const final = [...changed].map((id) => current.get(id) as JobRow);
      await query(
        sql,
        `UPDATE jobs SET state = v.state, attempts = v.attempts, updated_at_ms = $1, exit_code = v.exit_code, message = v.message,
           run_id = v.run_id, placement = v.placement, started_at_ms = v.started_at_ms, finished_at_ms = v.finished_at_ms
         FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[])
           AS v(id, state, attempts, exit_code, message, run_id, placement, started_at_ms, finished_at_ms)
         WHERE jobs.id = v.id`,
        [
          nowMs,
          final.map((r) => r.id),
          final.map((r) => r.state),
          final.map((r) => r.attempts),
          final.map((r) => r.exit_code),
          final.map((r) => r.message),
          final.map((r) => r.run_id),
          final.map((r) => r.placement),
          final.map((r) => r.started_at_ms),
          final.map((r) => r.finished_at_ms),
        ],
      );
      await query(
        sql,
        `INSERT INTO events (at_ms, type, subject, data)
         SELECT $1, e.type, e.subject, e.data FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(type, subject, data, n) ORDER BY e.n`,
        [nowMs, events.map((e) => e.type), events.map((e) => e.subject), events.map((e) => e.data)],
      );
      return outcomes;
    });
  }

  async apply(id: string, event: JobEvent, nowMs: number, details: ApplyDetails = {}, fence?: Fence): Promise<JobRecord> {
    this.cache.forget(id);
    return this.db.tx(async (sql) => {
      if (fence !== undefined) await checkFencePg(sql, fence);
      const current = (await query<JobRow>(sql, `SELECT ${ROW} FROM jobs WHERE id = $1 FOR UPDATE`, [id]))[0];
      if (current === undefined) throw new NotFoundError(`No job "${id}"`);
      const job = this.cache.record(current);
      const { to, attempts, requeued, finished } = planApply(job, event);
      // the change and its event in one statement
      const updated = await query<JobRow>(
        sql,
        `WITH j AS (
           UPDATE jobs SET state = $1, attempts = $2, updated_at_ms = $3,
             exit_code = COALESCE($4::int, exit_code), message = COALESCE($5::text, message),
             run_id = CASE WHEN $6::boolean THEN NULL ELSE COALESCE($7::text, run_id) END,
             placement = CASE WHEN $6::boolean THEN NULL ELSE COALESCE($8::text, placement) END,
             started_at_ms = CASE WHEN $9::boolean THEN $3 ELSE started_at_ms END,
             finished_at_ms = CASE WHEN $10::boolean THEN $3 ELSE finished_at_ms END
           WHERE id = $11 RETURNING ${ROW}),
         e AS (INSERT INTO events (at_ms, type, subject, data) SELECT $3, $12, 'job/' || j.id, $13 FROM j)
         SELECT * FROM j`,
        [
          to,
          attempts,
          nowMs,
          details.exitCode ?? null,
          details.message ?? null,
          requeued,
          details.runId ?? null,
          details.placement ? JSON.stringify(details.placement) : null,
          to === "running",
          finished,
          id,
          `job.${to}`,
          JSON.stringify(appliedEventData(job.state, event, details)),
        ],
      );
      const row = updated[0];
      if (row === undefined) throw new NotFoundError(`No job "${id}"`);
      return this.cache.record(row);
    });
  }
}

async function waitingOn(sql: Sql, user: string, queue?: string): Promise<number> {
  const rows =
    queue === undefined
      ? await query<{ n: number }>(sql, `SELECT COUNT(*) AS n FROM jobs WHERE "user" = $1 AND state IN ('pending', 'admitted')`, [user])
      : await query<{ n: number }>(
          sql,
          `SELECT COUNT(*) AS n FROM jobs WHERE "user" = $1 AND state IN ('pending', 'admitted') AND queue = $2`,
          [user, queue],
        );
  return rows[0]?.n ?? 0;
}

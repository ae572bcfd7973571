import { jobRetryDelayS } from "@aidc/core";
import type { JobRecord } from "../store/jobs.js";
import type { EventStore } from "../store/port.js";

/** Why a pending job waits, as the loop reports it (loop/scheduling.ts's PendingReason). */
interface HoldReason {
  readonly reason: "RETRY_BACKOFF";
  readonly message: string;
  readonly estimatedStartMs: number;
}

const seconds = (ms: number): string => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);

/**
 * Retried jobs waiting out their backoff. A failed job with retries left goes back to the queue at
 * once (it stays cancellable and `why` explains it), but the loop hands it to the scheduler only
 * once `retryBackoffS × 2^(n-1)` ± jitter has passed since the failure (core's jobRetryDelayS), as
 * Slurm holds a requeued job until its begin time. Kept in memory; a loop that starts (a restart,
 * a new leader) rebuilds it from the jobs' latest events, and the jitter is drawn from the job id,
 * so every replica computes the same moment.
 */
export class RetryHolds {
  private readonly until = new Map<string, number>();

  /** The retry about to be applied to a job that failed at `failedAtMs`: its delay and message. */
  plan(job: JobRecord, failedAtMs: number): { untilMs: number; message: string } {
    const n = job.attempts + 1;
    const delayMs = Math.round(jobRetryDelayS(job.id, job.spec.retryBackoffS, n) * 1000);
    const message = `retry ${n} of ${job.spec.retries}${delayMs > 0 ? ` in ${seconds(delayMs)}` : ""}`;
    return { untilMs: failedAtMs + delayMs, message };
  }

  hold(jobId: string, untilMs: number): void {
    this.until.set(jobId, untilMs);
  }

  /**
   * The pending jobs still in their backoff, with why; holds that passed, or whose job is no longer
   * pending (cancelled, started), are forgotten.
   */
  held(pending: readonly JobRecord[], nowMs: number): Map<string, HoldReason> {
    const out = new Map<string, HoldReason>();
    if (this.until.size === 0) return out;
    const ids = new Set(pending.map((j) => j.id));
    for (const [id, untilMs] of this.until) {
      if (!ids.has(id) || untilMs <= nowMs) {
        this.until.delete(id);
        continue;
      }
      out.set(id, {
        reason: "RETRY_BACKOFF",
        message: `waiting ${seconds(untilMs - nowMs)} before the retry (exponential backoff)`,
        estimatedStartMs: untilMs,
      });
    }
    return out;
  }

  /** When the next hold ends (undefined: none). */
  next(): number | undefined {
    let min: number | undefined;
    for (const t of this.until.values()) if (min === undefined || t < min) min = t;
    return min;
  }

  /**
   * After a restart or a change of leader: the pending jobs whose latest event is a retry are held
   * until that event's time plus their delay (the retry that made them pending was number `attempts`).
   */
  async rebuild(pending: readonly JobRecord[], events: Pick<EventStore, "list">, nowMs: number): Promise<void> {
    for (const job of pending) {
      if (job.attempts === 0 || job.spec.retries === 0 || !(job.spec.retryBackoffS > 0)) continue;
      const [last] = await events.list(1, { subject: `job/${job.id}` });
      if (last?.data["event"] !== "retry") continue;
      const untilMs = last.atMs + Math.round(jobRetryDelayS(job.id, job.spec.retryBackoffS, job.attempts) * 1000);
      if (untilMs > nowMs) this.until.set(job.id, untilMs);
    }
  }
}

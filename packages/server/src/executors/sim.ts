import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AidcError, type Estimator, type Executor, type ExecutorRun, type JobSpec, type Placement, type StartOptions } from "@aidc/core";

/** Labels a job may carry to script its simulated run (tests, demos, what-if runs). */
export const SIM_LABELS = { durationS: "aidc.dev/sim-duration-s", exitCode: "aidc.dev/sim-exit-code" } as const;

export interface SimExecutorOptions {
  readonly runsDir: string;
  /** Virtual seconds per real second (1000 = a 1,000 s job ends after 1 s). */
  readonly speedup?: number;
  /** Duration of a job that states none (no label, no estimate from the estimator, no runtimeEstimateS). */
  readonly defaultDurationS?: number;
  readonly estimator?: Estimator;
  readonly now?: () => number;
}

interface SimRun {
  readonly runId: string;
  readonly startedAtMs: number;
  readonly durationS: number;
  readonly exitCode: number;
  readonly maxRuntimeS?: number;
  cancelled?: boolean;
}

/**
 * Runs jobs in virtual time without executing them: each run lasts its estimated duration
 * (label, planner estimate, or the user's runtimeEstimateS) divided by `speedup`. Lets the whole
 * server be exercised with thousands of nodes on one machine. Runs are kept on disk, so a
 * restarted server adopts them like the real executors'.
 */
export class SimExecutor implements Executor {
  readonly name = "sim";
  private readonly now: () => number;

  constructor(private readonly o: SimExecutorOptions) {
    mkdirSync(o.runsDir, { recursive: true });
    this.now = o.now ?? (() => Date.now());
  }

  private file(runId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new AidcError("BAD_RUN_ID", `Invalid run id "${runId}"`);
    return join(this.o.runsDir, `${runId}.sim.json`);
  }

  durationS(job: JobSpec, placement: Placement): number {
    const label = Number(job.labels[SIM_LABELS.durationS]);
    if (Number.isFinite(label) && label >= 0) return label;
    return this.o.estimator?.estimate(job, placement)?.durationS ?? job.runtimeEstimateS ?? this.o.defaultDurationS ?? 60;
  }

  async start(jobId: string, job: JobSpec, placement: Placement, o: StartOptions = {}): Promise<ExecutorRun> {
    const runId = o.runId ?? `${jobId}.${this.now().toString(36)}`;
    if (existsSync(this.file(runId))) return { runId, state: "running", message: "adopted" }; // started before a restart
    const exit = Number(job.labels[SIM_LABELS.exitCode] ?? 0);
    const run: SimRun = {
      runId,
      startedAtMs: this.now(),
      durationS: this.durationS(job, placement),
      exitCode: Number.isInteger(exit) ? exit : 1,
      ...(job.maxRuntimeS ? { maxRuntimeS: job.maxRuntimeS } : {}),
    };
    writeFileSync(this.file(runId), JSON.stringify(run));
    return { runId, state: "running" };
  }

  async cancel(runId: string): Promise<void> {
    const f = this.file(runId);
    if (!existsSync(f)) return;
    const run = JSON.parse(readFileSync(f, "utf8")) as SimRun;
    writeFileSync(f, JSON.stringify({ ...run, cancelled: true }));
  }

  async status(runIds: readonly string[]): Promise<readonly ExecutorRun[]> {
    const speedup = this.o.speedup ?? 1;
    return runIds.map((runId): ExecutorRun => {
      const f = this.file(runId);
      if (!existsSync(f)) return { runId, state: "failed", message: "run not found (lost)" };
      const run = JSON.parse(readFileSync(f, "utf8")) as SimRun;
      if (run.cancelled) return { runId, state: "cancelled" };
      const virtualS = ((this.now() - run.startedAtMs) / 1000) * speedup;
      if (run.maxRuntimeS !== undefined && run.durationS > run.maxRuntimeS && virtualS >= run.maxRuntimeS) {
        return { runId, state: "failed", message: `exceeded maxRuntimeS ${run.maxRuntimeS}` };
      }
      if (virtualS < run.durationS) return { runId, state: "running" };
      return run.exitCode === 0
        ? { runId, state: "succeeded", exitCode: 0 }
        : { runId, state: "failed", exitCode: run.exitCode, message: `exit code ${run.exitCode}` };
    });
  }
}

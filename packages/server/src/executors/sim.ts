import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AidcError, type Estimator, type Executor, type ExecutorRun, type JobSpec, type Placement, type StartOptions } from "@aidc/core";
import { checkpointPenaltyS } from "@aidc/scheduler";

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
  readonly jobId?: string;
  /** GPUs the run holds (its checkpoint penalty when preempted). */
  readonly gpus?: number;
  readonly startedAtMs: number;
  readonly durationS: number;
  readonly exitCode: number;
  readonly maxRuntimeS?: number;
  cancelled?: boolean;
}

/** Work a stopped job still has to do when it starts again (seconds, checkpoint penalty included). */
interface SimProgress {
  readonly remainingS: number;
}

/**
 * Runs jobs in virtual time without executing them: each run lasts its estimated duration
 * (label, planner estimate, or the user's runtimeEstimateS) divided by `speedup`. Lets the whole
 * server be exercised with thousands of nodes on one machine. Runs are kept on disk, so a
 * restarted server adopts them like the real executors'.
 *
 * A run stopped before its end (a preemption, a drain) checkpoints, as the simulator assumes: the
 * job's next run lasts only its remaining work plus the scheduler's checkpoint penalty
 * (`checkpointPenaltyS` of its GPUs). A run that ended (succeeded or failed) leaves nothing behind,
 * so a retry starts over.
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

  private progressFile(jobId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(jobId)) throw new AidcError("BAD_JOB_ID", `Invalid job id "${jobId}"`);
    return join(this.o.runsDir, `${jobId}.sim-progress.json`);
  }

  private read(runId: string): SimRun | undefined {
    const f = this.file(runId);
    return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as SimRun) : undefined;
  }

  /** Virtual seconds a run has been going. */
  private elapsedS(run: SimRun): number {
    return ((this.now() - run.startedAtMs) / 1000) * (this.o.speedup ?? 1);
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
    // a job stopped before its end resumes from its checkpoint
    const progress = this.progressFile(jobId);
    const resumed = existsSync(progress) ? (JSON.parse(readFileSync(progress, "utf8")) as SimProgress) : undefined;
    const run: SimRun = {
      runId,
      jobId,
      gpus: placement.tasks.reduce((s, t) => s + t.gpuIndices.length, 0),
      startedAtMs: this.now(),
      durationS: resumed?.remainingS ?? this.durationS(job, placement),
      exitCode: Number.isInteger(exit) ? exit : 1,
      ...(job.maxRuntimeS ? { maxRuntimeS: job.maxRuntimeS } : {}),
    };
    writeFileSync(this.file(runId), JSON.stringify(run));
    if (resumed) rmSync(progress, { force: true });
    return { runId, state: "running" };
  }

  async cancel(runId: string): Promise<void> {
    const run = this.read(runId);
    if (run === undefined || run.cancelled) return;
    const elapsedS = this.elapsedS(run);
    if (run.jobId !== undefined && elapsedS < run.durationS) {
      const left: SimProgress = { remainingS: run.durationS - elapsedS + checkpointPenaltyS(run.gpus ?? 0) };
      writeFileSync(this.progressFile(run.jobId), JSON.stringify(left));
    }
    writeFileSync(this.file(runId), JSON.stringify({ ...run, cancelled: true }));
  }

  /** When a run's work is done, in the clock's milliseconds (undefined: unknown or cancelled run). */
  endsAtMs(runId: string): number | undefined {
    const run = this.read(runId);
    if (run === undefined || run.cancelled) return undefined;
    return run.startedAtMs + (run.durationS * 1000) / (this.o.speedup ?? 1);
  }

  async status(runIds: readonly string[]): Promise<readonly ExecutorRun[]> {
    return runIds.map((runId): ExecutorRun => {
      const run = this.read(runId);
      if (run === undefined) return { runId, state: "failed", message: "run not found (lost)" };
      if (run.cancelled) return { runId, state: "cancelled" };
      const virtualS = this.elapsedS(run);
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

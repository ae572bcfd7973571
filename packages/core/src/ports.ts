/**
 * Ports: interfaces through which the pure packages reach time, randomness, logs and the
 * outside world. Implementations live in the server (real) and simulator (virtual).
 */
import type { JobSpec } from "./schemas/job.js";
import type { JobState } from "./jobs/lifecycle.js";

export interface Clock {
  /** Milliseconds since the Unix epoch (virtual in the simulator). */
  now(): number;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Where a job's tasks were placed: node name and accelerator indices per task replica. */
export interface Placement {
  readonly tasks: readonly {
    readonly task: string;
    readonly replica: number;
    readonly node: string;
    readonly gpuIndices: readonly number[];
    readonly gpuMilli?: number;
  }[];
}

export interface DurationEstimate {
  readonly durationS: number;
  readonly basis: string;
}

/** Predicts how long a job runs on a placement (the planner implements it). */
export interface Estimator {
  estimate(job: JobSpec, placement: Placement): DurationEstimate | undefined;
}

export interface ExecutorRun {
  readonly runId: string;
  readonly state: Extract<JobState, "running" | "succeeded" | "failed" | "cancelled">;
  readonly exitCode?: number;
  readonly message?: string;
}

/** What the scheduling loop tells an executor about a start besides the job and its placement. */
export interface StartOptions {
  /**
   * The run's name, chosen and recorded by the caller before the start (deterministic, e.g.
   * `<jobId>.<attempt>`). Starting again with the same runId (after a crash) adopts what was
   * started and starts only what is missing; a replica never runs twice.
   */
  readonly runId?: string;
  /** The aidc user who submitted the job (an executor may map it to an OS user). */
  readonly user?: string;
}

/** Runs placed jobs somewhere (local processes, Slurm, virtual time). */
export interface Executor {
  readonly name: string;
  /** Returns soon: an executor may finish starting a large run in the background (the run reports "running"). */
  start(jobId: string, job: JobSpec, placement: Placement, options?: StartOptions): Promise<ExecutorRun>;
  cancel(runId: string): Promise<void>;
  status(runIds: readonly string[]): Promise<readonly ExecutorRun[]>;
  /** What a run printed so far, when the executor keeps logs. */
  logs?(runId: string): string;
  /** Remove a finished run's working files (its logs stay); called once its job reached a final state. */
  release?(runId: string): Promise<void>;
}

export interface StoredJob {
  readonly id: string;
  readonly spec: JobSpec;
  readonly state: JobState;
  readonly submittedAtMs: number;
  readonly attempts: number;
}

/** Persistence of jobs and their events; SQLite today, PostgreSQL later. */
export interface Store {
  getJob(id: string): StoredJob | undefined;
  listJobs(filter?: { readonly states?: readonly JobState[] }): readonly StoredJob[];
  close(): void;
}

/** A job's predicted total run time (seconds) with an 80 % band (p10–p90) and what it is based on. */
export interface RuntimePrediction {
  readonly p10S: number;
  readonly p50S: number;
  readonly p90S: number;
  readonly basis: string;
}

/** What a runtime predictor may know about a job. */
export interface PredictedJob {
  readonly user?: string;
  readonly name?: string;
  readonly queue: string;
  readonly gpus: number;
  /** The user's time limit (Slurm-style upper bound). */
  readonly maxRuntimeS?: number;
  readonly runtimeEstimateS?: number;
  /** The planner's estimate (built-in workloads, jobs that name a model/scenario). */
  readonly plannerS?: number;
  /**
   * Seconds the job has run already (running jobs): a predictor that can conditions its answer on
   * "runs at least this long" (the returned times are totals, ≥ elapsedS).
   */
  readonly elapsedS?: number;
}

/** Predicts a job's run time; history-based predictors learn from finished jobs through observe(). */
export interface RuntimePredictor {
  readonly name: string;
  predict(job: PredictedJob): RuntimePrediction | undefined;
  /** Learn from a finished job (history-based predictors). */
  observe?(job: PredictedJob, runtimeS: number): void;
}

import type { Scratch } from "../scratch.js";
import type { Assignment, ClusterSnapshot, RunningJob, SchedJob } from "../types.js";

/** Settings of a profile that plugins read (resolved from YAML or a built-in policy). */
export interface PluginArgs {
  /** Seconds of waiting that add one priority level (priority aging); 0 disables aging. */
  readonly agingS: number;
  /** LAS thresholds in GPU-seconds of attained service (ascending). */
  readonly lasThresholdsGpuS: readonly number[];
  readonly quotas: ReadonlyMap<string, QueueQuota>;
  readonly minRunTimeS: number;
  readonly rng?: { next(): number; int(n: number): number };
}

export interface QueueQuota {
  readonly queue: string;
  readonly nominalGpus: number;
  readonly cohort?: string;
  /** GPUs the queue may borrow above its nominal quota from its cohort (unlimited when undefined). */
  readonly borrowingLimitGpus?: number;
}

/** Orders the queue. `static` keys do not change with time, so callers may keep the queue sorted. */
export interface QueueSortPlugin {
  readonly kind: "queue-sort";
  readonly name: string;
  readonly static: boolean;
  readonly description: string;
  /** Primary sort key (lower first); ties break on submit time then seq. */
  key(job: SchedJob, nowS: number, args: PluginArgs, snapshot: ClusterSnapshot): number;
}

/** Whether a node may host (part of) a job. */
export interface FilterPlugin {
  readonly kind: "filter";
  readonly name: string;
  filter(job: SchedJob, node: number, view: Scratch): boolean;
}

/** Chooses the nodes/GPUs of a job, or undefined when it does not fit now. */
export interface PlacePlugin {
  readonly kind: "place";
  readonly name: string;
  readonly description: string;
  place(job: SchedJob, view: Scratch, args: PluginArgs): Assignment[] | undefined;
}

export type PermitResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** Admission gate before placement (quotas). */
export interface PermitPlugin {
  readonly kind: "permit";
  readonly name: string;
  permit(job: SchedJob, view: Scratch, args: PluginArgs): PermitResult;
}

/** Picks running jobs to evict so that `job` fits, or undefined when eviction would not help. */
export interface PreemptPlugin {
  readonly kind: "preempt";
  readonly name: string;
  victims(job: SchedJob, view: Scratch, running: readonly RunningJob[], nowS: number, args: PluginArgs): RunningJob[] | undefined;
}

export type Plugin = QueueSortPlugin | FilterPlugin | PlacePlugin | PermitPlugin | PreemptPlugin;

/** Checkpoint penalty Helios charges on preemption: 7 s (1 GPU), 30 s (≤ 8 GPUs), 60 s (more). */
export function checkpointPenaltyS(gpus: number): number {
  return gpus <= 1 ? 7 : gpus <= 8 ? 30 : 60;
}

/** Remaining seconds of a running job at `nowS`. */
export function remainingAt(job: RunningJob, nowS: number): number {
  return job.remainingS - (nowS - job.runStartS);
}

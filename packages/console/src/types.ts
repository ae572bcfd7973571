/** The shapes of the REST answers the console reads (a subset of /openapi.json). */
export interface NodeView {
  readonly name: string;
  readonly rack: string;
  readonly pod: string;
  readonly gpus: number;
  readonly gpuMemoryGB: number;
  readonly accelerator?: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly labels: Record<string, string>;
  readonly partitions: readonly string[];
  readonly freeGpus: number;
  readonly cordoned?: string;
}

export interface ClusterView {
  readonly name: string;
  readonly description?: string;
  readonly fabric: { readonly topology: string; readonly oversubscription: number };
  readonly racks: readonly { readonly name: string; readonly pod: string; readonly nodes: readonly string[] }[];
  readonly pods: readonly string[];
  readonly partitions: readonly { readonly name: string }[];
  readonly totals: { readonly nodes: number; readonly gpus: number; readonly cpus: number; readonly memoryGiB: number };
}

export interface QueueView {
  readonly name: string;
  readonly partition?: string;
  readonly priority?: number;
  readonly weight?: number;
  readonly cohort?: string;
  readonly quota?: { readonly gpus?: number };
  readonly borrowingLimit?: { readonly gpus?: number };
  readonly runningJobs: number;
  readonly pendingJobs: number;
  readonly usedGpus: number;
}

export type JobState = "pending" | "admitted" | "running" | "succeeded" | "failed" | "cancelled" | "preempted";
export const TERMINAL: readonly string[] = ["succeeded", "failed", "cancelled"];

export interface JobView {
  readonly id: string;
  readonly name: string;
  readonly user: string;
  readonly queue: string;
  readonly priority: number;
  readonly state: JobState;
  readonly attempts: number;
  readonly submittedAtMs: number;
  readonly updatedAtMs: number;
  readonly exitCode?: number;
  readonly message?: string;
  readonly runId?: string;
  readonly startedAtMs?: number;
  readonly finishedAtMs?: number;
  readonly placement?: Record<string, unknown>;
  readonly spec: Record<string, unknown>;
}

export interface EventView {
  readonly id?: number;
  readonly atMs?: number;
  readonly type?: string;
  readonly subject?: string;
  readonly data?: unknown;
}

export interface Explain {
  readonly id: string;
  readonly state: string;
  readonly reason: string;
  readonly message: string;
  readonly estimatedStartMs?: number;
  /** The digital twin's forecast: p50 start, its 80 % band, the job it waits for. */
  readonly forecast?: {
    readonly startMs: number;
    readonly endMs?: number;
    readonly bandStartMs: readonly [number, number];
    readonly after?: string;
    readonly basis: string;
    readonly computedAtMs: number;
    readonly message: string;
  };
}

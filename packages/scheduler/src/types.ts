/**
 * The scheduler's data model: a read-only cluster snapshot, pending/running jobs and the typed decisions
 * that decide() returns (ARCHITECTURE.md, "the two seams").
 */

/** Static shape of the cluster: nodes with GPU counts, partitions (hard VCs), racks and pods. */
export interface Topology {
  readonly nodeNames: readonly string[];
  /** GPUs per node. */
  readonly nodeGpus: Int32Array;
  /** Index of the first GPU of each node in the flat per-GPU arrays. */
  readonly nodeGpuOffset: Int32Array;
  /** Partition index per node (hard partitions: a job runs only on its partition's nodes). */
  readonly nodePartition: Int32Array;
  readonly nodeRack: Int32Array;
  readonly nodePod: Int32Array;
  readonly partitionNames: readonly string[];
  /** Node indices of each partition, ascending. */
  readonly partitionNodes: readonly Int32Array[];
  readonly partitionGpus: Int32Array;
  readonly totalGpus: number;
  /** Accelerator type per node: an index into gpuTypeNames, or -1 (no GPUs / unknown type). */
  readonly nodeGpuType: Int32Array;
  /** Catalog ids of the accelerator types present. */
  readonly gpuTypeNames: readonly string[];
  /** CPUs per node in thousandths; 0 when the cluster does not model CPUs (trace presets). */
  readonly nodeCpuMilli: Int32Array;
  /** Memory per node in MiB; 0 when not modelled. */
  readonly nodeMemMiB: Int32Array;
  /** Labels per node (node selectors match them). */
  readonly nodeLabels: readonly Readonly<Record<string, string>>[];
}

/** A job as the scheduler sees it (pending or running). */
export interface SchedJob {
  readonly id: string;
  /** Number of GPUs (whole GPUs when gpuMilli is 1000; one shared GPU when gpuMilli < 1000 and gpus is 1). */
  readonly gpus: number;
  /** Thousandths of one GPU per replica; 1000 = a whole GPU (default). */
  readonly gpuMilli: number;
  /** Queue (tenant / VC) the job is charged to. */
  readonly queue: string;
  /** Partition index, or -1 for any node. */
  readonly partition: number;
  readonly priority: number;
  readonly submitS: number;
  /** Runtime estimate (oracle in a trace replay, the user's estimate or an Estimator's in the server). */
  readonly estimateS: number;
  /** Remaining work in seconds (estimate − attained, plus checkpoint penalties). */
  readonly remainingS: number;
  /** GPU-seconds of service received so far (for LAS). */
  readonly attainedGpuS: number;
  /** Submission order, the final tie-breaker. */
  readonly seq: number;
  /**
   * GPUs of one replica that must share a node (live jobs: a task replica is one process tree);
   * absent for trace jobs, whose GPUs may be spread freely.
   */
  readonly replicaGpus?: number;
  /**
   * Nodes the job may use (ascending indices): its partition's nodes that have its GPU type and
   * match its node selector (see `eligibleNodes`). Absent: the partition's nodes (or all).
   */
  readonly nodes?: Int32Array;
  /** Replicas of a live job (each one process tree on one node); with gpus 0, the CPU-only replicas to place. */
  readonly replicas?: number;
  /** CPUs per replica in thousandths (live jobs); absent for trace jobs, which ask for GPUs only. */
  readonly cpuMilli?: number;
  /** Memory per replica in MiB (live jobs). */
  readonly memMiB?: number;
}

export interface Assignment {
  readonly node: number;
  /** Global GPU indices (into the flat per-GPU arrays). */
  readonly gpus: readonly number[];
  readonly gpuMilli: number;
  /** CPUs (thousandths) and memory (MiB) this job holds on the node: its replicas there × their request. */
  readonly cpuMilli?: number;
  readonly memMiB?: number;
}

export interface RunningJob extends SchedJob {
  readonly startS: number;
  /** Start of the current uninterrupted run. */
  readonly runStartS: number;
  readonly assignments: readonly Assignment[];
}

/** What decide() reads. Never mutated by decide(); ClusterState implements it incrementally. */
export interface ClusterSnapshot {
  readonly topology: Topology;
  /** Free thousandths per GPU. */
  readonly gpuFreeMilli: Int32Array;
  /** Whole free GPUs per node (GPUs with 1000 free milli). */
  readonly nodeFreeGpus: Int32Array;
  /** Whole free GPUs per partition. */
  readonly partitionFreeGpus: Int32Array;
  /** GPUs in use per queue (whole-GPU equivalents). */
  readonly queueUsedGpus: ReadonlyMap<string, number>;
  readonly running: ReadonlyMap<string, RunningJob>;
  readonly down: Uint8Array;
  /** Free CPUs (thousandths) and memory (MiB) per node; meaningful where the topology models them. */
  readonly nodeFreeCpuMilli: Int32Array;
  readonly nodeFreeMemMiB: Int32Array;
}

export const REASONS = [
  "SCHEDULED",
  "INSUFFICIENT_GPUS",
  "INSUFFICIENT_CPUS",
  "QUOTA_EXCEEDED",
  "GANG_INCOMPLETE",
  "RESERVED_FOR_JOB",
  "BLOCKED_BY_HEAD",
  "FRAGMENTED",
  "NEVER_FITS",
  "PREEMPTED",
] as const;
export type Reason = (typeof REASONS)[number];

export interface Explanation {
  readonly jobId: string;
  readonly reason: Reason;
  readonly message: string;
  /** Estimated start (seconds, same clock as ctx.nowS); undefined when unknown. */
  readonly estimatedStartS?: number;
}

export interface PlacementDecision {
  readonly jobId: string;
  readonly assignments: readonly Assignment[];
}

export interface Preemption {
  readonly jobId: string;
  readonly reason: string;
  /** Seconds added to the victim's remaining work (checkpoint/restore penalty). */
  readonly penaltyS: number;
}

export interface Reservation {
  readonly jobId: string;
  readonly startS: number;
  readonly gpus: number;
  readonly partition: number;
}

export interface Decisions {
  readonly placements: readonly PlacementDecision[];
  readonly preemptions: readonly Preemption[];
  readonly reservations: readonly Reservation[];
  readonly explanations: readonly Explanation[];
  /**
   * A time (seconds) at which the decision may change even without a new event (e.g. a running job's
   * remaining time passes a pending one in preemptive SRTF). The simulator schedules a pass then.
   */
  readonly revisitAtS?: number;
}

export interface DecideContext {
  readonly nowS: number;
  /** Seeded randomness for placement plugins that want it. */
  readonly rng?: { next(): number; int(n: number): number };
  /**
   * Explanations (default on). With `false` (the simulator's hot path) decide() returns no explanations,
   * and when no pending job can fit anywhere it returns at once, without reservations.
   */
  readonly explain?: boolean;
}

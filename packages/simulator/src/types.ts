import type { JobShape } from "@aidc/scheduler";

/** One job of a trace, as every trace reader produces it. */
export interface TraceJob {
  readonly id: string;
  /** Seconds since the trace's origin. */
  readonly submitS: number;
  /** True run time (seconds). */
  readonly durationS: number;
  readonly gpus: number;
  /** Thousandths of a GPU per replica (1000 = whole GPUs). */
  readonly gpuMilli?: number;
  /** Queue / tenant / virtual cluster. */
  readonly queue: string;
  readonly priority?: number;
  /** Runtime estimate the scheduler sees; the true duration (an oracle) when absent. */
  readonly estimateS?: number;
  /**
   * What a live job asks of nodes (GPU type, replicas, CPUs, memory; from the scheduler's `jobShape`),
   * when the trace holds live jobs (what-if, differential tests); absent for public traces.
   */
  readonly shape?: JobShape;
}

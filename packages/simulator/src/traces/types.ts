import type { TraceJob } from "../types.js";

/**
 * A job record with the optional details some traces carry (the simulator's `TraceJob` plus resources, user,
 * allowed GPU models). Units are in the field names.
 */
export interface TraceJobDetail extends TraceJob {
  readonly cpuMilli?: number;
  readonly memoryMiB?: number;
  /** Nodes the job spans, when the trace records it. */
  readonly nodes?: number;
  readonly user?: string;
  /** Allowed GPU models (empty or undefined = any). */
  readonly gpuModels?: readonly string[];
  /** Workload name (model, application). */
  readonly model?: string;
  /** Final status recorded by the trace (Pass, Failed, Killed, Running…). */
  readonly status?: string;
}

/** One LLM inference request (Azure LLM inference trace). */
export interface TraceRequest {
  readonly id: string;
  /** Arrival, seconds after the first request of the trace. */
  readonly arrivalS: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

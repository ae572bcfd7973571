import { AidcError } from "@aidc/core";
import type { Assignment, ClusterSnapshot, Decisions, RunningJob, SchedJob, Topology } from "./types.js";

export const WHOLE = 1000;

/**
 * Mutable cluster state with incremental counters (free GPUs per node and partition, usage per queue).
 * It implements ClusterSnapshot, so the simulator hands it to decide() without copying; only
 * applyDecisions / allocate / release change it.
 */
export class ClusterState implements ClusterSnapshot {
  readonly topology: Topology;
  readonly gpuFreeMilli: Int32Array;
  readonly nodeFreeGpus: Int32Array;
  readonly partitionFreeGpus: Int32Array;
  readonly queueUsedGpus = new Map<string, number>();
  readonly running = new Map<string, RunningJob>();
  readonly down: Uint8Array;
  readonly nodeFreeCpuMilli: Int32Array;
  readonly nodeFreeMemMiB: Int32Array;
  /** Whole-GPU equivalents in use (fractional jobs count their share). */
  usedGpuMilli = 0;

  constructor(topology: Topology) {
    this.topology = topology;
    this.gpuFreeMilli = new Int32Array(topology.totalGpus).fill(WHOLE);
    this.nodeFreeGpus = Int32Array.from(topology.nodeGpus);
    this.partitionFreeGpus = Int32Array.from(topology.partitionGpus);
    this.down = new Uint8Array(topology.nodeNames.length);
    this.nodeFreeCpuMilli = Int32Array.from(topology.nodeCpuMilli);
    this.nodeFreeMemMiB = Int32Array.from(topology.nodeMemMiB);
  }

  /** Hold or give back the CPUs and memory an assignment carries (sign -1 holds, +1 gives). */
  private resources(a: Assignment, sign: 1 | -1): void {
    if (a.cpuMilli) this.nodeFreeCpuMilli[a.node] = (this.nodeFreeCpuMilli[a.node] ?? 0) + sign * a.cpuMilli;
    if (a.memMiB) this.nodeFreeMemMiB[a.node] = (this.nodeFreeMemMiB[a.node] ?? 0) + sign * a.memMiB;
  }

  private take(node: number, gpu: number, milli: number, jobId: string): void {
    const before = this.gpuFreeMilli[gpu] ?? 0;
    if (before < milli || this.down[node] === 1) {
      throw new AidcError(
        "DOUBLE_ALLOCATION",
        `Cannot place job "${jobId}": GPU ${gpu} on node ${this.topology.nodeNames[node]} has ${before}/1000 free`,
      );
    }
    this.gpuFreeMilli[gpu] = before - milli;
    if (before === WHOLE) {
      this.nodeFreeGpus[node] = (this.nodeFreeGpus[node] ?? 0) - 1;
      const p = this.topology.nodePartition[node] ?? 0;
      this.partitionFreeGpus[p] = (this.partitionFreeGpus[p] ?? 0) - 1;
    }
  }

  private give(node: number, gpu: number, milli: number): void {
    const before = this.gpuFreeMilli[gpu] ?? 0;
    const after = before + milli;
    if (after > WHOLE) throw new AidcError("DOUBLE_RELEASE", `GPU ${gpu} released beyond its capacity`);
    this.gpuFreeMilli[gpu] = after;
    if (after === WHOLE) {
      this.nodeFreeGpus[node] = (this.nodeFreeGpus[node] ?? 0) + 1;
      const p = this.topology.nodePartition[node] ?? 0;
      this.partitionFreeGpus[p] = (this.partitionFreeGpus[p] ?? 0) + 1;
    }
  }

  /** Assume a placement: mark the GPUs used and record the job as running. */
  start(job: SchedJob, assignments: readonly Assignment[], nowS: number, firstStartS = nowS): RunningJob {
    if (this.running.has(job.id)) throw new AidcError("ALREADY_RUNNING", `Cannot place job "${job.id}": it is already running`);
    let milli = 0;
    for (const a of assignments) {
      if (a.gpus.length === 0 && this.down[a.node] === 1)
        throw new AidcError("DOUBLE_ALLOCATION", `Cannot place job "${job.id}": node ${this.topology.nodeNames[a.node]} is down`);
      for (const g of a.gpus) {
        this.take(a.node, g, a.gpuMilli, job.id);
        milli += a.gpuMilli;
      }
      this.resources(a, -1);
    }
    const run: RunningJob = {
      id: job.id,
      gpus: job.gpus,
      gpuMilli: job.gpuMilli,
      queue: job.queue,
      partition: job.partition,
      priority: job.priority,
      submitS: job.submitS,
      estimateS: job.estimateS,
      remainingS: job.remainingS,
      attainedGpuS: job.attainedGpuS,
      seq: job.seq,
      ...(job.replicaGpus !== undefined ? { replicaGpus: job.replicaGpus } : {}),
      ...(job.nodes !== undefined ? { nodes: job.nodes } : {}),
      ...(job.replicas !== undefined ? { replicas: job.replicas } : {}),
      ...(job.cpuMilli !== undefined ? { cpuMilli: job.cpuMilli } : {}),
      ...(job.memMiB !== undefined ? { memMiB: job.memMiB } : {}),
      startS: firstStartS,
      runStartS: nowS,
      assignments,
    };
    this.running.set(job.id, run);
    this.usedGpuMilli += milli;
    this.queueUsedGpus.set(job.queue, (this.queueUsedGpus.get(job.queue) ?? 0) + milli / WHOLE);
    return run;
  }

  /** Forget a running job (finished, preempted or its executor failed) and free its GPUs. */
  stop(jobId: string): RunningJob {
    const run = this.running.get(jobId);
    if (run === undefined) throw new AidcError("NOT_RUNNING", `Cannot stop job "${jobId}": it is not running`);
    let milli = 0;
    for (const a of run.assignments) {
      for (const g of a.gpus) {
        this.give(a.node, g, a.gpuMilli);
        milli += a.gpuMilli;
      }
      this.resources(a, 1);
    }
    this.running.delete(jobId);
    this.usedGpuMilli -= milli;
    this.queueUsedGpus.set(run.queue, (this.queueUsedGpus.get(run.queue) ?? 0) - milli / WHOLE);
    return run;
  }

  /** Mark a node down or up (failures); jobs on it must be stopped by the caller first. */
  setDown(node: number, isDown: boolean): void {
    this.down[node] = isDown ? 1 : 0;
  }
}

export interface ApplyResult {
  readonly started: readonly RunningJob[];
  readonly preempted: readonly { readonly job: RunningJob; readonly penaltyS: number }[];
}

/**
 * The reducer shared by the simulator and the server: preemptions release first, then placements
 * assume their GPUs. `lookup` resolves a pending job by id.
 */
export function applyDecisions(
  state: ClusterState,
  decisions: Decisions,
  lookup: (jobId: string) => SchedJob | undefined,
  nowS: number,
  firstStart?: (jobId: string) => number | undefined,
): ApplyResult {
  const preempted = decisions.preemptions.map((p) => ({ job: state.stop(p.jobId), penaltyS: p.penaltyS }));
  const started = decisions.placements.map((p) => {
    const job = lookup(p.jobId);
    if (job === undefined) throw new AidcError("UNKNOWN_JOB", `Cannot place job "${p.jobId}": it is not pending`);
    return state.start(job, p.assignments, nowS, firstStart?.(p.jobId) ?? nowS);
  });
  return { started, preempted };
}

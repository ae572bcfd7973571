import type { ClusterModel, Placement } from "@aidc/core";
import { ClusterState, jobShape, topologyFromModel, type Assignment, type SchedCluster, type SchedJob } from "@aidc/scheduler";
import type { JobRecord } from "../store/jobs.js";

/** The scheduler's view of a live cluster: the topology every simulation also uses, usage from the store. */
export function clusterState(model: ClusterModel): { cluster: SchedCluster; state: ClusterState } {
  const cluster = topologyFromModel(model);
  return { cluster, state: new ClusterState(cluster.topology) };
}

export interface SchedJobOptions {
  /** Resolve a gpuType alias to the catalog id the nodes carry (identity when absent). */
  readonly canonical?: (gpuType: string) => string;
  /** Predicted run time (seconds), e.g. from the runtime predictors; else the user's estimate, limit or 1 h. */
  readonly estimateS?: number;
  /** A preempted job's work left (incl. the checkpoint penalty) and service received, as the simulator requeues it. */
  readonly carried?: { readonly remainingS: number; readonly attainedGpuS: number };
}

/** A stored job as decide() sees it. Times are seconds since the epoch (the loop's clock). */
export function schedJob(job: JobRecord, cluster: SchedCluster, seq: number, nowS: number, o: SchedJobOptions = {}): SchedJob {
  const partition = cluster.partitionOfQueue(job.queue);
  const shape = jobShape(
    job.spec.tasks.map((t) => ({
      replicas: t.replicas,
      gpus: t.resources.gpus,
      ...(t.resources.gpuMilli !== undefined ? { gpuMilli: t.resources.gpuMilli } : {}),
      ...(t.resources.gpuType !== undefined ? { gpuType: o.canonical ? o.canonical(t.resources.gpuType) : t.resources.gpuType } : {}),
      cpus: t.resources.cpus,
      memoryGiB: t.resources.memoryGiB,
    })),
    cluster.topology,
    partition,
    job.spec.nodeSelector,
  );
  const estimateS = o.estimateS ?? job.spec.runtimeEstimateS ?? job.spec.maxRuntimeS ?? 3600;
  // a pending job has run nothing since its last requeue: its work left is what it carried, else all of it
  const pending = job.state === "pending";
  const elapsedS = !pending && job.startedAtMs !== undefined ? Math.max(0, nowS - job.startedAtMs / 1000) : 0;
  return {
    id: job.id,
    ...shape,
    queue: job.queue,
    partition,
    priority: job.spec.priority,
    submitS: job.submittedAtMs / 1000,
    estimateS,
    remainingS: pending && o.carried ? o.carried.remainingS : Math.max(1, estimateS - elapsedS),
    attainedGpuS: pending && o.carried ? o.carried.attainedGpuS : shape.gpus * elapsedS,
    seq,
  };
}

/**
 * Turn the scheduler's assignments into the executor's per-replica placement: replicas take GPUs
 * in order, each on one node (CUDA indices are node-local); CPU-only replicas go where the
 * scheduler held their CPUs.
 */
export function toPlacement(job: JobRecord, assignments: readonly Assignment[], state: ClusterState): Placement {
  const t = state.topology;
  const cpuPer = Math.round(Math.max(...job.spec.tasks.map((x) => x.resources.cpus)) * 1000);
  // per node: the node-local GPU indices not yet given to a replica, and CPU-only replica slots
  const pools = assignments.map((a) => ({
    node: a.node,
    free: a.gpus.map((g) => g - (t.nodeGpuOffset[a.node] ?? 0)),
    cpuSlots: a.gpus.length === 0 ? Math.max(1, Math.round((a.cpuMilli ?? cpuPer) / Math.max(1, cpuPer))) : 0,
  }));
  const take = (per: number): { node: number | undefined; gpus: number[] } => {
    if (per === 0) {
      const pool = pools.find((p) => p.cpuSlots > 0);
      if (pool) pool.cpuSlots--;
      return { node: (pool ?? pools[0])?.node, gpus: [] };
    }
    const pool = pools.find((p) => p.free.length >= per) ?? pools.find((p) => p.free.length > 0);
    return { node: pool?.node ?? assignments[0]?.node, gpus: pool ? pool.free.splice(0, per) : [] };
  };
  const slots: Placement["tasks"][number][] = [];
  for (const task of job.spec.tasks) {
    const per = task.resources.gpuMilli !== undefined ? 1 : task.resources.gpus;
    for (let r = 0; r < task.replicas; r++) {
      const mine = take(per);
      const node = mine.node;
      slots.push({
        task: task.name,
        replica: r,
        node: node === undefined ? "local" : (t.nodeNames[node] ?? "local"),
        gpuIndices: mine.gpus,
        ...(task.resources.gpuMilli !== undefined ? { gpuMilli: task.resources.gpuMilli } : {}),
      });
    }
  }
  return { tasks: slots };
}

/** The scheduler's assignments back from a stored placement (to rebuild state after a restart). */
export function fromPlacement(placement: Placement, job: SchedJob, state: ClusterState): Assignment[] {
  const t = state.topology;
  const byNode = new Map<number, { gpus: number[]; milli: number; replicas: number }>();
  for (const slot of placement.tasks) {
    const node = t.nodeNames.indexOf(slot.node);
    if (node < 0) continue;
    const entry = byNode.get(node) ?? { gpus: [], milli: slot.gpuMilli ?? 1000, replicas: 0 };
    for (const g of slot.gpuIndices) entry.gpus.push((t.nodeGpuOffset[node] ?? 0) + g);
    entry.replicas++;
    byNode.set(node, entry);
  }
  return [...byNode].map(([node, e]) => ({
    node,
    gpus: e.gpus,
    gpuMilli: e.milli,
    ...(job.cpuMilli ? { cpuMilli: job.cpuMilli * e.replicas } : {}),
    ...(job.memMiB ? { memMiB: job.memMiB * e.replicas } : {}),
  }));
}

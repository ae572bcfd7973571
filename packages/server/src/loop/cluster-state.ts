import { gpuMilliOf, type ClusterModel, type Placement } from "@aidc/core";
import { ClusterState, buildTopology, partitionIndex, type Assignment, type SchedJob } from "@aidc/scheduler";
import type { JobRecord } from "../store/jobs.js";

/** The scheduler's view of a live cluster: topology from the cluster file, usage from the store. */
export function clusterState(model: ClusterModel): ClusterState {
  return new ClusterState(
    buildTopology(
      model.nodes.map((n) => ({ name: n.name, gpus: n.gpus, partition: n.partitions[0] ?? "default", rack: n.rack, pod: n.pod })),
    ),
  );
}

/** A stored job as decide() sees it. Times are seconds since the epoch (the loop's clock). */
export function schedJob(job: JobRecord, model: ClusterModel, state: ClusterState, seq: number, nowS: number): SchedJob {
  const replicas = job.spec.tasks.reduce((s, t) => s + t.replicas, 0);
  const shared = job.spec.tasks.every((t) => gpuMilliOf(t.resources) < 1000 && gpuMilliOf(t.resources) > 0);
  const gpus = shared ? replicas : job.spec.tasks.reduce((s, t) => s + t.replicas * t.resources.gpus, 0);
  const partitionName = model.queues.find((q) => q.name === job.queue)?.partition;
  const estimateS = job.spec.runtimeEstimateS ?? job.spec.maxRuntimeS ?? 3600;
  // each replica is one process tree on one node: tell the scheduler how big that piece is
  const sizes = new Set(job.spec.tasks.map((t) => t.resources.gpus));
  const replicaGpus = !shared && sizes.size === 1 ? [...sizes][0] : undefined;
  const elapsedS = job.startedAtMs !== undefined ? Math.max(0, nowS - job.startedAtMs / 1000) : 0;
  return {
    id: job.id,
    gpus,
    gpuMilli: shared ? gpuMilliOf(job.spec.tasks[0]?.resources ?? { gpus: 0, cpus: 1, memoryGiB: 1 }) : 1000,
    queue: job.queue,
    partition: partitionName === undefined ? -1 : partitionIndex(state.topology, partitionName),
    priority: job.spec.priority,
    submitS: job.submittedAtMs / 1000,
    estimateS,
    remainingS: Math.max(1, estimateS - elapsedS),
    attainedGpuS: gpus * elapsedS,
    seq,
    ...(replicaGpus !== undefined && replicaGpus > 1 ? { replicaGpus } : {}),
  };
}

/**
 * Turn the scheduler's GPU assignments into the executor's per-replica placement: replicas take
 * GPUs in order, each on the node of its first GPU (CUDA indices are node-local).
 */
export function toPlacement(job: JobRecord, assignments: readonly Assignment[], state: ClusterState): Placement {
  const t = state.topology;
  // per node, the node-local GPU indices not yet given to a replica
  const pools = assignments.map((a) => ({ node: a.node, free: a.gpus.map((g) => g - (t.nodeGpuOffset[a.node] ?? 0)) }));
  const take = (per: number): { node: number | undefined; gpus: number[] } => {
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
export function fromPlacement(placement: Placement, state: ClusterState): Assignment[] {
  const t = state.topology;
  const byNode = new Map<number, { gpus: number[]; milli: number }>();
  for (const slot of placement.tasks) {
    const node = t.nodeNames.indexOf(slot.node);
    if (node < 0) continue;
    const entry = byNode.get(node) ?? { gpus: [], milli: slot.gpuMilli ?? 1000 };
    for (const g of slot.gpuIndices) entry.gpus.push((t.nodeGpuOffset[node] ?? 0) + g);
    byNode.set(node, entry);
  }
  return [...byNode].map(([node, e]) => ({ node, gpus: e.gpus, gpuMilli: e.milli }));
}

import { buildTopology, type QueueQuota } from "@aidc/scheduler";
import type { ClusterModel } from "@aidc/core";
import type { ClusterSetup } from "./presets.js";

/** A cluster file (expanded by core) as one pool of nodes with racks/pods, plus its queues' quotas. */
export function clusterFromModel(model: ClusterModel, nodeScale = 1): ClusterSetup & { readonly quotas: QueueQuota[] } {
  const reps = Math.max(1, Math.ceil(nodeScale - 1e-9));
  const nodes = [];
  for (let r = 0; r < reps; r++) {
    for (const n of model.nodes) nodes.push({ name: r === 0 ? n.name : `${n.name}-x${r}`, gpus: n.gpus, rack: n.rack, pod: n.pod });
  }
  return { name: model.name, topology: buildTopology(nodes), partitionOf: () => -1, quotas: queueQuotas(model) };
}

/** The GPU quotas and cohorts of a cluster file's queues, as the quota plugin takes them (server and simulator). */
export function queueQuotas(model: Pick<ClusterModel, "queues">): QueueQuota[] {
  return model.queues
    .filter((q) => q.quota.gpus !== undefined)
    .map((q) => ({
      queue: q.name,
      nominalGpus: q.quota.gpus ?? 0,
      ...(q.cohort !== undefined ? { cohort: q.cohort } : {}),
      ...(q.borrowingLimit?.gpus !== undefined ? { borrowingLimitGpus: q.borrowingLimit.gpus } : {}),
    }));
}

import { queueQuotas, topologyFromModel, type QueueQuota } from "@aidc/scheduler";
import type { ClusterModel } from "@aidc/core";
import type { ClusterSetup } from "./presets.js";

/**
 * A cluster file as the simulator runs it: the scheduler's own topology (partitions, racks, pods,
 * GPU types, CPUs, memory; the same function the live server uses) with each trace job on its
 * queue's partition, plus the queues' quotas.
 */
export function clusterFromModel(model: ClusterModel, nodeScale = 1): ClusterSetup & { readonly quotas: QueueQuota[] } {
  const c = topologyFromModel(model, nodeScale);
  return { name: c.name, topology: c.topology, partitionOf: (job) => c.partitionOfQueue(job.queue), quotas: c.quotas };
}

export { queueQuotas };

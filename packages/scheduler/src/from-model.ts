import type { ClusterModel } from "@aidc/core";
import { buildTopology, partitionIndex } from "./topology.js";
import { eligibleNodes } from "./eligible.js";
import type { QueueQuota } from "./plugins/types.js";
import type { SchedJob, Topology } from "./types.js";

/** The scheduler's view of a cluster file: what the live server, every simulation and the what-if run on. */
export interface SchedCluster {
  readonly name: string;
  readonly topology: Topology;
  /** GPU quotas and cohorts of the cluster's queues (the quota plugin's input). */
  readonly quotas: QueueQuota[];
  /** Partition index of a queue's jobs: the queue's partition, else the default partition, else -1 (any node). */
  readonly partitionOfQueue: (queue: string) => number;
}

/**
 * One function builds the topology from a ClusterModel: nodes with their partition, rack, pod,
 * accelerator type, CPUs, memory and labels; queues' partitions and quotas. `nodeScale` > 1
 * repeats every node (simulations of a larger cluster; copies are named `<node>-x<k>`).
 */
export function topologyFromModel(model: ClusterModel, nodeScale = 1): SchedCluster {
  const reps = Math.max(1, Math.ceil(nodeScale - 1e-9));
  const nodes = [];
  for (let r = 0; r < reps; r++)
    for (const n of model.nodes)
      nodes.push({
        name: r === 0 ? n.name : `${n.name}-x${r}`,
        gpus: n.gpus,
        partition: n.partitions[0] ?? "default",
        rack: n.rack,
        pod: n.pod,
        ...(n.accelerator !== undefined ? { gpuType: n.accelerator } : {}),
        cpus: n.cpus,
        memoryGiB: n.memoryGiB,
        labels: n.labels,
      });
  const topology = buildTopology(nodes);
  const fallback = model.partitions.find((p) => p.default)?.name;
  const byQueue = new Map(model.queues.map((q) => [q.name, q.partition]));
  const partitionOfQueue = (queue: string): number => {
    const name = byQueue.get(queue) ?? fallback;
    return name === undefined ? -1 : partitionIndex(topology, name);
  };
  return { name: model.name, topology, quotas: queueQuotas(model), partitionOfQueue };
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

/** One task of a job as the scheduler needs it (a JobSpec task with its gpuType resolved to a catalog id). */
export interface TaskShape {
  readonly replicas: number;
  readonly gpus: number;
  readonly gpuMilli?: number;
  readonly gpuType?: string;
  readonly cpus: number;
  readonly memoryGiB: number;
}

/** The part of a SchedJob that a job's tasks decide. */
export type JobShape = Pick<SchedJob, "gpus" | "gpuMilli" | "replicaGpus" | "replicas" | "cpuMilli" | "memMiB" | "nodes">;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * What a live job asks of the cluster, from its tasks: total GPUs (or one share per replica), the GPUs of
 * one replica (a replica is one process tree on one node; tasks of different sizes use their greatest
 * common divisor), CPUs and memory per replica (the largest task's), and the nodes it may use
 * (partition ∩ GPU type ∩ node selector). Live server and simulations of live jobs use the same function.
 */
export function jobShape(
  tasks: readonly TaskShape[],
  topology: Topology,
  partition: number,
  selector?: Readonly<Record<string, string>>,
): JobShape {
  const replicas = tasks.reduce((s, t) => s + t.replicas, 0);
  const shared = tasks.length > 0 && tasks.every((t) => t.gpuMilli !== undefined && t.gpuMilli < 1000 && t.gpus <= 1);
  const gpus = shared ? replicas : tasks.reduce((s, t) => s + t.replicas * t.gpus, 0);
  const sizes = tasks.filter((t) => t.gpus > 0).map((t) => t.gpus);
  const replicaGpus = shared || sizes.length === 0 ? undefined : sizes.reduce(gcd);
  const gpuType = tasks.find((t) => t.gpuType !== undefined)?.gpuType;
  const nodes = eligibleNodes(topology, {
    partition,
    ...(gpuType !== undefined ? { gpuType } : {}),
    ...(selector !== undefined ? { selector } : {}),
  });
  // every key always present, in one order: live jobs share one object shape (decide() stays monomorphic)
  return {
    gpus,
    gpuMilli: shared ? (tasks[0]?.gpuMilli ?? 1000) : 1000,
    replicaGpus,
    replicas,
    cpuMilli: Math.round(Math.max(...tasks.map((t) => t.cpus)) * 1000),
    memMiB: Math.round(Math.max(...tasks.map((t) => t.memoryGiB)) * 1024),
    nodes,
  };
}

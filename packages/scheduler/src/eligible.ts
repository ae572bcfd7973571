import type { SchedJob, Topology } from "./types.js";

/** What a job asks of the nodes it may run on, besides free capacity. */
export interface NodeConstraint {
  /** Partition index, or -1 for any node. */
  readonly partition: number;
  /** Accelerator catalog id; any type when absent. */
  readonly gpuType?: string;
  /** Labels a node must carry (all of them). */
  readonly selector?: Readonly<Record<string, string>>;
}

const CACHE = new WeakMap<Topology, Map<string, Int32Array>>();

/**
 * The nodes a constraint allows (ascending indices), or undefined when it adds nothing to the
 * partition (the scheduler then uses the partition's nodes). Lists are cached per topology, so
 * jobs with the same constraint share one array (and the scheduler's per-set caches).
 */
export function eligibleNodes(topology: Topology, c: NodeConstraint): Int32Array | undefined {
  const selector = Object.entries(c.selector ?? {}).sort((a, b) => a[0].localeCompare(b[0]));
  if (c.gpuType === undefined && selector.length === 0) return undefined;
  const key = `${c.partition}|${c.gpuType ?? ""}|${JSON.stringify(selector)}`;
  let byKey = CACHE.get(topology);
  if (!byKey) CACHE.set(topology, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const type = c.gpuType === undefined ? -2 : topology.gpuTypeNames.indexOf(c.gpuType);
  const out: number[] = [];
  const from = c.partition >= 0 ? topology.partitionNodes[c.partition] : undefined;
  const count = from ? from.length : topology.nodeNames.length;
  for (let i = 0; i < count; i++) {
    const n = from ? (from[i] ?? 0) : i;
    if (type !== -2 && topology.nodeGpuType[n] !== type) continue;
    const labels = topology.nodeLabels[n] ?? {};
    if (selector.some(([k, v]) => labels[k] !== v)) continue;
    out.push(n);
  }
  const list = Int32Array.from(out);
  byKey.set(key, list);
  return list;
}

/** Largest node and total capacity of a node set (cached per set): what a job could ever get there. */
export interface SetCapacity {
  readonly gpus: number;
  readonly maxNodeGpus: number;
  readonly maxNodeCpuMilli: number;
  readonly maxNodeMemMiB: number;
  readonly cpusModelled: boolean;
  readonly memModelled: boolean;
}

const CAPACITY = new WeakMap<object, SetCapacity>();

export function setCapacity(topology: Topology, nodes: Int32Array | undefined): SetCapacity {
  const key: object = nodes ?? topology;
  const hit = CAPACITY.get(key);
  if (hit) return hit;
  let gpus = 0;
  let maxNodeGpus = 0;
  let maxNodeCpuMilli = 0;
  let maxNodeMemMiB = 0;
  let cpusModelled = false;
  let memModelled = false;
  const count = nodes ? nodes.length : topology.nodeNames.length;
  for (let i = 0; i < count; i++) {
    const n = nodes ? (nodes[i] ?? 0) : i;
    const g = topology.nodeGpus[n] ?? 0;
    gpus += g;
    maxNodeGpus = Math.max(maxNodeGpus, g);
    maxNodeCpuMilli = Math.max(maxNodeCpuMilli, topology.nodeCpuMilli[n] ?? 0);
    maxNodeMemMiB = Math.max(maxNodeMemMiB, topology.nodeMemMiB[n] ?? 0);
    if ((topology.nodeCpuMilli[n] ?? 0) > 0) cpusModelled = true;
    if ((topology.nodeMemMiB[n] ?? 0) > 0) memModelled = true;
  }
  const cap = { gpus, maxNodeGpus, maxNodeCpuMilli, maxNodeMemMiB, cpusModelled, memModelled };
  CAPACITY.set(key, cap);
  return cap;
}

/** The nodes a job may use: its eligible set, its partition's nodes, or undefined for all. */
export function jobNodes(job: SchedJob, topology: Topology): Int32Array | undefined {
  return job.nodes ?? (job.partition >= 0 ? topology.partitionNodes[job.partition] : undefined);
}

/**
 * Why a job can never run on this cluster as it is built (not just now), or undefined:
 * more GPUs than its nodes have, or one replica larger than the largest node it may use.
 */
export function neverFits(job: SchedJob, topology: Topology): string | undefined {
  const nodes = jobNodes(job, topology);
  const cap = setCapacity(topology, nodes);
  if (nodes !== undefined && nodes.length === 0) return "no node matches its partition, GPU type and node selector";
  const whole = job.gpuMilli >= 1000;
  if (whole && job.gpus > cap.gpus) return `asks for ${job.gpus} GPUs; the nodes it may use have ${cap.gpus}`;
  if (!whole && job.gpus > 0 && cap.gpus === 0) return "asks for a GPU share; the nodes it may use have no GPUs";
  const per = job.replicaGpus ?? 0;
  if (whole && per > cap.maxNodeGpus)
    return `one replica asks for ${per} GPUs; the largest node it may use has ${cap.maxNodeGpus} (a replica runs on one node)`;
  if (job.cpuMilli !== undefined && cap.cpusModelled && job.cpuMilli > cap.maxNodeCpuMilli)
    return `one replica asks for ${job.cpuMilli / 1000} CPUs; the largest node it may use has ${cap.maxNodeCpuMilli / 1000}`;
  if (job.memMiB !== undefined && cap.memModelled && job.memMiB > cap.maxNodeMemMiB)
    return `one replica asks for ${(job.memMiB / 1024).toFixed(0)} GiB; the largest node it may use has ${(cap.maxNodeMemMiB / 1024).toFixed(0)} GiB`;
  return undefined;
}

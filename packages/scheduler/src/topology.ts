import { AidcError } from "@aidc/core";
import type { Topology } from "./types.js";

export interface NodeSpec {
  readonly name: string;
  readonly gpus: number;
  readonly partition?: string;
  readonly rack?: string;
  readonly pod?: string;
  /** Accelerator catalog id (placement honours a job's gpuType). */
  readonly gpuType?: string;
  /** CPUs and memory (placement honours a live job's requests); absent: not modelled. */
  readonly cpus?: number;
  readonly memoryGiB?: number;
  readonly labels?: Readonly<Record<string, string>>;
}

function indexer(): (name: string) => number {
  const map = new Map<string, number>();
  return (name) => {
    let i = map.get(name);
    if (i === undefined) {
      i = map.size;
      map.set(name, i);
    }
    return i;
  };
}

/** Build the static topology arrays from a node list (partition "default" when none is given). */
export function buildTopology(nodes: readonly NodeSpec[]): Topology {
  const n = nodes.length;
  const nodeGpus = new Int32Array(n);
  const nodeGpuOffset = new Int32Array(n);
  const nodePartition = new Int32Array(n);
  const nodeRack = new Int32Array(n);
  const nodePod = new Int32Array(n);
  const nodeGpuType = new Int32Array(n);
  const nodeCpuMilli = new Int32Array(n);
  const nodeMemMiB = new Int32Array(n);
  const part = indexer();
  const rack = indexer();
  const pod = indexer();
  const gpuType = indexer();
  const gpuTypeNames: string[] = [];
  const partitionNames: string[] = [];
  let total = 0;
  const names = new Set<string>();
  nodes.forEach((node, i) => {
    if (names.has(node.name)) throw new AidcError("DUPLICATE_NODE", `Cannot build topology: node "${node.name}" appears twice`);
    names.add(node.name);
    if (!Number.isInteger(node.gpus) || node.gpus < 0) throw new AidcError("BAD_NODE", `Node "${node.name}" has ${node.gpus} GPUs`);
    nodeGpus[i] = node.gpus;
    nodeGpuOffset[i] = total;
    total += node.gpus;
    const pName = node.partition ?? "default";
    const p = part(pName);
    if (p === partitionNames.length) partitionNames.push(pName);
    nodePartition[i] = p;
    nodeRack[i] = rack(node.rack ?? `rack-${node.name}`);
    nodePod[i] = pod(node.pod ?? "pod-0");
    nodeGpuType[i] = -1;
    if (node.gpuType !== undefined && node.gpus > 0) {
      const t = gpuType(node.gpuType);
      if (t === gpuTypeNames.length) gpuTypeNames.push(node.gpuType);
      nodeGpuType[i] = t;
    }
    nodeCpuMilli[i] = Math.min(2 ** 31 - 1, Math.round((node.cpus ?? 0) * 1000));
    nodeMemMiB[i] = Math.min(2 ** 31 - 1, Math.round((node.memoryGiB ?? 0) * 1024));
  });
  const lists: number[][] = partitionNames.map(() => []);
  const partitionGpus = new Int32Array(partitionNames.length);
  for (let i = 0; i < n; i++) {
    const p = nodePartition[i] ?? 0;
    lists[p]?.push(i);
    partitionGpus[p] = (partitionGpus[p] ?? 0) + (nodeGpus[i] ?? 0);
  }
  return {
    nodeNames: nodes.map((x) => x.name),
    nodeGpus,
    nodeGpuOffset,
    nodePartition,
    nodeRack,
    nodePod,
    partitionNames,
    partitionNodes: lists.map((l) => Int32Array.from(l)),
    partitionGpus,
    totalGpus: total,
    nodeGpuType,
    gpuTypeNames,
    nodeCpuMilli,
    nodeMemMiB,
    nodeLabels: nodes.map((x) => x.labels ?? {}),
  };
}

export function partitionIndex(topology: Topology, name: string): number {
  return topology.partitionNames.indexOf(name);
}

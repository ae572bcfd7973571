import { AidcError } from "@aidc/core";
import type { Topology } from "./types.js";

export interface NodeSpec {
  readonly name: string;
  readonly gpus: number;
  readonly partition?: string;
  readonly rack?: string;
  readonly pod?: string;
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
  const part = indexer();
  const rack = indexer();
  const pod = indexer();
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
  };
}

export function partitionIndex(topology: Topology, name: string): number {
  return topology.partitionNames.indexOf(name);
}

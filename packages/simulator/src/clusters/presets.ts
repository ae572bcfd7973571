import { buildTopology, type NodeSpec, type Topology } from "@aidc/scheduler";
import type { PhillyOptions } from "../traces/philly.js";
import type { TraceJob } from "../types.js";

/**
 * VC → node count of the Helios artifact's Philly simulation (8 GPUs per node), from
 * ../shared/data/traces/philly/helios_philly_vc_nodes.csv (S-Lab-System-Group/HeliosArtifact @ bdaae109,
 * framework/QSSF Service/data/philly_vc.csv).
 */
export const HELIOS_PHILLY_VCS: readonly (readonly [string, number])[] = [
  ["6214e9", 64],
  ["7f04ca", 32],
  ["11cb48", 16],
  ["b436b2", 64],
  ["ee9e8c", 64],
  ["e13805", 16],
  ["6c71a0", 32],
  ["2869ce", 16],
  ["ed69ec", 8],
  ["103959", 8],
  ["0e4a51", 32],
];

/** Philly's cluster_machine_list: 321 machines with 2 GPUs (12 GB) and 231 with 8 GPUs (24 GB). */
export const PHILLY_MACHINES = { twoGpu: 321, eightGpu: 231 } as const;

export interface ClusterSetup {
  readonly name: string;
  readonly topology: Topology;
  /** Partition index of a job (-1 = any node). */
  readonly partitionOf: (job: TraceJob) => number;
  /** Trace filter the preset implies (Helios keeps a submit window and its 11 VCs). */
  readonly traceFilter?: PhillyOptions;
}

export const PRESET_NAMES = ["philly", "helios-philly"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPreset(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** Each queue's entitled share: its partition's fraction of all GPUs (queues named like a partition). */
export function partitionEntitlements(topology: Topology): Record<string, number> {
  const out: Record<string, number> = {};
  if (topology.partitionNames.length < 2) return out;
  topology.partitionNames.forEach((p, i) => (out[p] = (topology.partitionGpus[i] ?? 0) / Math.max(1, topology.totalGpus)));
  return out;
}

/** A built-in cluster; `nodeScale` multiplies every partition's node count (rounded up). */
export function clusterPreset(name: PresetName, nodeScale = 1): ClusterSetup {
  const scale = (n: number): number => Math.max(1, Math.ceil(n * nodeScale - 1e-9));
  if (name === "philly") {
    const nodes: NodeSpec[] = [];
    for (let i = 0; i < scale(PHILLY_MACHINES.eightGpu); i++) nodes.push({ name: `p8-${i}`, gpus: 8, rack: `r8-${Math.floor(i / 16)}` });
    for (let i = 0; i < scale(PHILLY_MACHINES.twoGpu); i++) nodes.push({ name: `p2-${i}`, gpus: 2, rack: `r2-${Math.floor(i / 32)}` });
    return { name, topology: buildTopology(nodes), partitionOf: () => -1 };
  }
  const nodes: NodeSpec[] = [];
  for (const [vc, count] of HELIOS_PHILLY_VCS) {
    for (let i = 0; i < scale(count); i++) nodes.push({ name: `${vc}-${i}`, gpus: 8, partition: vc, rack: `${vc}-r${Math.floor(i / 8)}` });
  }
  const topology = buildTopology(nodes);
  const index = new Map(topology.partitionNames.map((p, i) => [p, i]));
  return {
    name,
    topology,
    partitionOf: (job) => index.get(job.queue) ?? -1,
    traceFilter: {
      fromMs: Date.UTC(2017, 9, 1, 0, 0, 0),
      toMs: Date.UTC(2017, 10, 30, 23, 59, 0),
      queues: new Set(HELIOS_PHILLY_VCS.map(([vc]) => vc)),
    },
  };
}

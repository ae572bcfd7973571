/**
 * Pure node-scoring functions for one-pod-at-a-time placement on GPU nodes with fractional GPUs
 * (the FGD "Beware of Fragmentation" experiment, USENIX ATC'23). Every function reads a node view and a pod
 * and returns a number; nothing here mutates state or draws randomness except through an explicit `Rng`.
 */

/** Placement policies: the five FGD baselines, FGD itself, and our own (`fragmentation-aware`). */
export const PLACEMENT_NAMES = ["random", "dotprod", "clustering", "packing", "bestfit", "fgd", "fragmentation-aware"] as const;
export type PlacementName = (typeof PLACEMENT_NAMES)[number];

export function isPlacementName(name: string): name is PlacementName {
  return (PLACEMENT_NAMES as readonly string[]).includes(name);
}

/** Thousandths of a GPU in one whole GPU. */
export const MILLI = 1000;
/** Normalisers used by the FGD simulator's scores (largest node spec): 128 cores, 8 GPUs. */
export const MAX_SPEC_CPU_MILLI = 128_000;
export const MAX_SPEC_GPU_MILLI = 8_000;
/** Kubernetes node-score range. */
export const MAX_NODE_SCORE = 100;

/** A pod's request. `gpuMilli` is per GPU (0 for a CPU-only pod; < 1000 only when `gpus` is 1: a shared GPU). */
export interface PackPod {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly gpus: number;
  readonly gpuMilli: number;
  /** Allowed GPU models; empty = any model. */
  readonly models: readonly string[];
}

/** What a scorer may read about a node (the current, pre-placement state). */
export interface NodeView {
  readonly model: string;
  readonly cpuLeftMilli: number;
  readonly memoryLeftMiB: number;
  /** Unallocated milli-GPU per GPU device (length = GPUs on the node). */
  readonly gpuLeft: readonly number[];
  /**
   * Which GPU "affinity classes" already run on the node (bit 0: shared-GPU pods, bit k: k-GPU pods, k = 1..8;
   * bit 9: any other count). Used by the GPU-clustering score.
   */
  readonly affinityMask: number;
}

/** One entry of the target workload's distribution of pod shapes (what FGD calls "typical pods"). */
export interface TypicalPod {
  readonly cpuMilli: number;
  readonly gpus: number;
  readonly gpuMilli: number;
  readonly models: readonly string[];
  /** Mean memory request of the pods of this shape (used only by memory-aware fragmentation). */
  readonly memoryMiB?: number;
  /** Popularity in [0, 1]; the entries of one list sum to 1. */
  readonly share: number;
}

export function affinityBit(pod: Pick<PackPod, "gpus" | "gpuMilli">): number {
  if (pod.gpus === 0 || pod.gpuMilli === 0) return 0;
  if (pod.gpus === 1 && pod.gpuMilli < MILLI) return 1;
  return pod.gpus <= 8 ? 1 << pod.gpus : 1 << 9;
}

export function modelAllowed(models: readonly string[], nodeModel: string): boolean {
  return models.length === 0 || models.includes(nodeModel);
}

export function totalGpuLeft(gpuLeft: readonly number[]): number {
  let s = 0;
  for (const g of gpuLeft) s += g;
  return s;
}

/** Whether the pod fits on the node now: CPU, memory, GPU model and enough (whole or shared) GPUs. */
export function fits(node: NodeView, pod: PackPod): boolean {
  if (node.cpuLeftMilli < pod.cpuMilli || node.memoryLeftMiB < pod.memoryMiB) return false;
  if (pod.gpus === 0 || pod.gpuMilli === 0) return true;
  if (node.gpuLeft.length === 0 || !modelAllowed(pod.models, node.model)) return false;
  let n = 0;
  for (const g of node.gpuLeft) if (g >= pod.gpuMilli) n++;
  return n >= pod.gpus;
}

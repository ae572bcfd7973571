import type { Rng } from "@aidc/core";
import type { FragModel } from "./frag.js";
import {
  MAX_NODE_SCORE,
  MAX_SPEC_CPU_MILLI,
  MAX_SPEC_GPU_MILLI,
  MILLI,
  affinityBit,
  totalGpuLeft,
  type NodeView,
  type PackPod,
  type PlacementName,
} from "./types.js";

/**
 * Node scores (higher is better) for a pod that fits the node (`fits()` is the filter). The five baselines and FGD
 * follow the reference simulator's integer arithmetic (scores are truncated to 0..100, so equal scores are common;
 * the caller gives ties to the first node of a seeded node order, as the reference does). `fragmentation-aware` is
 * ours: FGD's expected-fragmentation idea on a memory-aware measure, combined with a best-fit term (see
 * fragAwareScore).
 */
export interface PlacementContext {
  /** Required by `fgd` (FGD's definition: typical pods, CPU and GPU). */
  readonly frag?: FragModel;
  /** Required by `fragmentation-aware`: the memory-aware variant (`new FragModel(typical, { memory: true })`). */
  readonly fragMemory?: FragModel;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function need(model: FragModel | undefined): FragModel {
  if (model === undefined) throw new Error("fragmentation-based placement needs a FragModel (typical pods)");
  return model;
}

/** Idle milli per GPU after placing `pod` on whole/shared GPUs chosen by `gpus` (indices). */
function afterGpus(node: NodeView, pod: PackPod, gpus: readonly number[]): number[] {
  const left = node.gpuLeft.slice();
  for (const g of gpus) left[g] = (left[g] as number) - pod.gpuMilli;
  return left;
}

/** Whole GPUs: the first fully idle devices by index (the reference's AllocateExclusiveGpuId). */
function exclusiveGpus(node: NodeView, pod: PackPod): number[] {
  const out: number[] = [];
  for (let g = 0; g < node.gpuLeft.length && out.length < pod.gpus; g++) if (node.gpuLeft[g] === MILLI) out.push(g);
  return out;
}

/** Shared GPU, best fit: the device with the least idle milli that still fits (first on ties). */
function bestFitGpu(node: NodeView, pod: PackPod): number {
  let best = -1;
  node.gpuLeft.forEach((left, g) => {
    if (left >= pod.gpuMilli && (best < 0 || left < (node.gpuLeft[best] as number))) best = g;
  });
  return best;
}

const isShare = (pod: PackPod): boolean => pod.gpus === 1 && pod.gpuMilli > 0 && pod.gpuMilli < MILLI;
const needsGpu = (pod: PackPod): boolean => pod.gpus > 0 && pod.gpuMilli > 0;

/** FGD delta for every candidate device choice; returns the best (score, device). */
function fragDelta(node: NodeView, pod: PackPod, frag: FragModel, exact: boolean): { score: number; gpu: number } {
  const before = frag.nodeFrag(node.model, node.cpuLeftMilli, node.gpuLeft, node.memoryLeftMiB);
  const cpuAfter = node.cpuLeftMilli - pod.cpuMilli;
  const memAfter = node.memoryLeftMiB - pod.memoryMiB;
  const score = (after: number): number => {
    const d = before - after;
    return exact ? d : Math.trunc(sigmoid(d / 1000) * MAX_NODE_SCORE);
  };
  if (isShare(pod)) {
    let best = -Infinity;
    let gpu = -1;
    const seen = new Set<number>();
    node.gpuLeft.forEach((left, g) => {
      if (left < pod.gpuMilli || seen.has(left)) return;
      seen.add(left);
      const s = score(frag.nodeFrag(node.model, cpuAfter, afterGpus(node, pod, [g]), memAfter));
      if (gpu < 0 || s > best) {
        best = s;
        gpu = g;
      }
    });
    return { score: best, gpu };
  }
  const gpus = needsGpu(pod) ? exclusiveGpus(node, pod) : [];
  return { score: score(frag.nodeFrag(node.model, cpuAfter, afterGpus(node, pod, gpus), memAfter)), gpu: -1 };
}

function packingScore(node: NodeView, pod: PackPod): number {
  if (!needsGpu(pod)) return 0;
  const n = node.gpuLeft.length;
  const free = node.gpuLeft.filter((g) => g === MILLI).length;
  if (free === n) return Math.max(Math.trunc(MAX_NODE_SCORE / 3) - free, free);
  const order = node.gpuLeft.map((left, g) => ({ left, g })).sort((a, b) => a.left - b.left || a.g - b.g);
  let want = pod.gpus;
  let freeUsed = 0;
  let ratio = 0;
  for (const { left } of order) {
    if (want === 0) break;
    if (pod.gpuMilli <= left) {
      want--;
      if (left === MILLI) freeUsed++;
      ratio += Math.trunc((left * 100) / MILLI);
    }
  }
  if (freeUsed > 0) return Math.max(MAX_NODE_SCORE / 2 - freeUsed, Math.trunc(MAX_NODE_SCORE / 3));
  return Math.max(MAX_NODE_SCORE - Math.trunc(ratio / 10), MAX_NODE_SCORE / 2);
}

function clusteringScore(node: NodeView, pod: PackPod): number {
  const bit = affinityBit(pod);
  if (bit === 0) return 0;
  const base = Math.trunc(((MAX_NODE_SCORE / 4) * (MAX_SPEC_GPU_MILLI - totalGpuLeft(node.gpuLeft))) / MAX_SPEC_GPU_MILLI);
  const mask = node.affinityMask;
  if ((mask & bit) !== 0) return base + (mask === bit ? (MAX_NODE_SCORE * 3) / 4 : MAX_NODE_SCORE / 2);
  return base + (mask === 0 ? MAX_NODE_SCORE / 4 : 0);
}

function bestFitScore(node: NodeView, pod: PackPod): number {
  const cpu = (node.cpuLeftMilli - pod.cpuMilli) / MAX_SPEC_CPU_MILLI;
  const gpu = (totalGpuLeft(node.gpuLeft) - pod.gpus * pod.gpuMilli) / MAX_SPEC_GPU_MILLI;
  return Math.trunc((1 - (0.5 * cpu + 0.5 * gpu)) * MAX_NODE_SCORE);
}

function dotProdScore(node: NodeView, pod: PackPod): number {
  const dot =
    (node.cpuLeftMilli / MAX_SPEC_CPU_MILLI) * (pod.cpuMilli / MAX_SPEC_CPU_MILLI) +
    (totalGpuLeft(node.gpuLeft) / MAX_SPEC_GPU_MILLI) * ((pod.gpus * pod.gpuMilli) / MAX_SPEC_GPU_MILLI);
  return Math.trunc(MAX_NODE_SCORE * (1 - dot / 2));
}

/** Our policy's tie-breaker in [0, 1): the tighter the node after placement, the larger. */
function tightness(node: NodeView, pod: PackPod): number {
  const gpu = (totalGpuLeft(node.gpuLeft) - pod.gpus * pod.gpuMilli) / MAX_SPEC_GPU_MILLI;
  const cpu = (node.cpuLeftMilli - pod.cpuMilli) / MAX_SPEC_CPU_MILLI;
  return 1 - (0.5 * Math.min(gpu, 1) + 0.5 * Math.min(cpu, 1)) / 1.0001;
}

/** Weight of the best-fit term for whole-GPU and CPU-only pods, in milli-GPU of fragmentation. */
const TIGHT_WEIGHT = 50;

/**
 * Ours. Shared-GPU pods: FGD's truncated score on the memory-aware fragmentation measure, ties split by best-fit
 * tightness in quarters (then the node order). Whole-GPU and CPU-only pods: the exact memory-aware fragmentation
 * delta plus a best-fit term worth up to TIGHT_WEIGHT milli-GPU, which consolidates CPU-only pods onto nodes whose
 * GPUs are taken and keeps CPU and memory free where idle GPUs remain.
 */
function fragAwareScore(node: NodeView, pod: PackPod, frag: FragModel): number {
  if (isShare(pod)) return fragDelta(node, pod, frag, false).score * 1000 + Math.floor(tightness(node, pod) * 4);
  return fragDelta(node, pod, frag, true).score + TIGHT_WEIGHT * tightness(node, pod);
}

/** Score one (fitting) node for a pod under a policy. `random` scores every node alike. */
export function scoreNode(policy: PlacementName, node: NodeView, pod: PackPod, ctx: PlacementContext = {}): number {
  switch (policy) {
    case "random":
      return 0;
    case "dotprod":
      return dotProdScore(node, pod);
    case "clustering":
      return clusteringScore(node, pod);
    case "packing":
      return packingScore(node, pod);
    case "bestfit":
      return bestFitScore(node, pod);
    case "fgd":
      return fragDelta(node, pod, need(ctx.frag), false).score;
    case "fragmentation-aware":
      return fragAwareScore(node, pod, need(ctx.fragMemory));
  }
}

/** The GPU devices (indices on the node) a policy gives a pod that fits; [] for a CPU-only pod. */
export function chooseGpus(policy: PlacementName, node: NodeView, pod: PackPod, rng: Rng, ctx: PlacementContext = {}): number[] {
  if (!needsGpu(pod)) return [];
  if (!isShare(pod)) return exclusiveGpus(node, pod);
  if (policy === "random") {
    const ok = node.gpuLeft.flatMap((left, g) => (left >= pod.gpuMilli ? [g] : []));
    return ok.length === 0 ? [] : [ok[rng.int(ok.length)] as number];
  }
  if (policy === "fgd" || policy === "fragmentation-aware") {
    // shared-GPU devices are chosen by FGD's (truncated) score in both; ours measures with memory
    const g = fragDelta(node, pod, policy === "fgd" ? need(ctx.frag) : need(ctx.fragMemory), false).gpu;
    return g < 0 ? [] : [g];
  }
  const g = bestFitGpu(node, pod);
  return g < 0 ? [] : [g];
}

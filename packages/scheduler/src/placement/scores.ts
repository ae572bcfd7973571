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
 * follow the reference simulator's integer arithmetic (scores are truncated to 0..100, so equal scores are common
 * and the caller breaks ties uniformly at random, like kube-scheduler's selectHost). `fragmentation-aware` is ours:
 * FGD's expected-fragmentation delta without the sigmoid/integer truncation, ties broken toward the node left with
 * the least idle capacity (best fit).
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
      const tighter = exact && s === best && left < (node.gpuLeft[gpu] as number);
      if (gpu < 0 || s > best || tighter) {
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

function tightnessMem(node: NodeView, pod: PackPod): number {
  const gpu = (totalGpuLeft(node.gpuLeft) - pod.gpus * pod.gpuMilli) / MAX_SPEC_GPU_MILLI;
  const cpu = (node.cpuLeftMilli - pod.cpuMilli) / MAX_SPEC_CPU_MILLI;
  const mem = (node.memoryLeftMiB - pod.memoryMiB) / 1048576;
  return 1 - (Math.min(gpu, 1) + Math.min(cpu, 1) + Math.min(mem, 1)) / 3.0003;
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
    case "fragmentation-aware": {
      const mode = (globalThis as unknown as { __FA?: number }).__FA ?? 0;
      const f = mode >= 17 ? need(ctx.fragMemory) : need(ctx.frag);
      if (mode === 0) return fragDelta(node, pod, f, true).score + 1e-3 * tightness(node, pod);
      if (mode === 1) return fragDelta(node, pod, f, false).score + 1e-3 * tightness(node, pod);
      if (mode === 2) return fragDelta(node, pod, f, false).score + 1e-6 * fragDelta(node, pod, f, true).score;
      if (mode === 3) return fragDelta(node, pod, f, false).score + 0.5 * tightness(node, pod);
      if (mode === 4) return Math.round(fragDelta(node, pod, f, true).score / 20);
      if (mode === 5) return Math.round(fragDelta(node, pod, f, true).score / 50) + 1e-3 * tightness(node, pod);
      if (mode === 17) return fragDelta(node, pod, f, true).score + 100 * tightness(node, pod);
      if (mode === 18) return fragDelta(node, pod, f, true).score + 100 * tightnessMem(node, pod);
      if (mode === 19) return fragDelta(node, pod, f, false).score * 1000 + Math.floor(tightness(node, pod) * 4);
      if (mode === 20) return fragDelta(node, pod, f, false).score * 1000 + Math.floor(tightnessMem(node, pod) * 4);
      if (mode === 21) return fragDelta(node, pod, f, false).score + 1e-3 * tightnessMem(node, pod);
      if (mode === 22) return fragDelta(node, pod, f, false).score * 1e6 + fragDelta(node, pod, f, true).score + 100 * tightness(node, pod);
      if (mode === 23) return fragDelta(node, pod, f, false).score * 1e6 + 100 * tightness(node, pod);
      if (mode === 24) return Math.round((fragDelta(node, pod, f, true).score + 100 * tightness(node, pod)) / 40);
      if (mode === 25) return fragDelta(node, pod, f, false).score * 1000 + Math.floor(tightness(node, pod) * 10);
      if (mode === 26) {
        if (pod.gpus === 0 || pod.gpuMilli === 0) return fragDelta(node, pod, f, true).score + 100 * tightness(node, pod);
        return fragDelta(node, pod, f, false).score * 1000 + Math.floor(tightness(node, pod) * 4);
      }
      if (mode === 27) {
        if (!isShare(pod)) return fragDelta(node, pod, f, true).score + 100 * tightness(node, pod);
        return fragDelta(node, pod, f, false).score * 1000 + Math.floor(tightness(node, pod) * 4);
      }
      if (mode === 28) {
        if (!isShare(pod)) return fragDelta(node, pod, f, true).score + 100 * tightnessMem(node, pod);
        return fragDelta(node, pod, f, false).score * 1000 + Math.floor(tightness(node, pod) * 4);
      }
      if (mode === 29) {
        if (!isShare(pod)) return fragDelta(node, pod, f, true).score + 50 * tightness(node, pod);
        return fragDelta(node, pod, f, false).score * 1000 + Math.floor(tightness(node, pod) * 4);
      }
      if (mode === 30) {
        if (!isShare(pod)) return fragDelta(node, pod, f, true).score + 200 * tightness(node, pod);
        return fragDelta(node, pod, f, false).score * 1000 + Math.floor(tightness(node, pod) * 4);
      }
      if (mode === 12) return fragDelta(node, pod, f, false).score * 1000 + Math.floor(tightness(node, pod) * 4);
      if (mode === 13) return Math.round((fragDelta(node, pod, f, true).score + 100 * tightness(node, pod)) / 50);
      if (mode === 14) return Math.round((fragDelta(node, pod, f, true).score + 30 * tightness(node, pod)) / 40);
      if (mode === 15) return Math.trunc(sigmoid((fragDelta(node, pod, f, true).score + 100 * tightness(node, pod)) / 1000) * 100);
      if (mode === 16) return Math.round((fragDelta(node, pod, f, true).score + 100 * tightness(node, pod)) / 20);
      if (mode >= 7) return fragDelta(node, pod, f, true).score + [25, 50, 100, 200, 400][mode - 7]! * tightness(node, pod);
      return fragDelta(node, pod, f, true).score;
    }
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
    const exact = policy === "fragmentation-aware";
    const mode = (globalThis as unknown as { __FA?: number }).__FA ?? 0;
    const g = fragDelta(
      node,
      pod,
      exact && mode >= 17 ? need(ctx.fragMemory) : need(ctx.frag),
      exact && ![19, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30].includes(mode),
    ).gpu;
    return g < 0 ? [] : [g];
  }
  const g = bestFitGpu(node, pod);
  return g < 0 ? [] : [g];
}

import type { Catalog } from "@aidc/core";
import { withAssumptions, type Assumptions } from "../assumptions.js";
import { hardwareProfile, type HardwareProfile } from "../hardware.js";
import { DEFAULT_RANK_ORDER, RECOMPUTE_MODES, type ParallelConfig, type Recompute, type TrainingOptions } from "../parallel.js";
import { stageLayout } from "../pipeline.js";
import { searchParallelism } from "../search.js";
import { countShape, type TransformerShape } from "../shape.js";
import { estimateTraining, type TrainingEstimate, type TrainingProblem } from "../training.js";
import { entryParallel, entryShape, num, parsePrecision, resolveAccelerator, type EntryStack, type ValidationEntry } from "./entry.js";

export interface TrainingCase {
  readonly problem: TrainingProblem;
  readonly parallel: ParallelConfig;
  readonly estimate: TrainingEstimate;
  readonly searched: boolean;
  /** the configuration fits by the memory model (a stated configuration is predicted even when it does not) */
  readonly fits: boolean;
}

/** GPUs assumed when an entry does not say how many were used (GPU-hours barely depend on it). */
export const DEFAULT_ENTRY_GPUS = 1024;
/** Sequences per step assumed when an entry gives no batch: ~4M tokens, the usual pre-training batch. */
export const DEFAULT_BATCH_TOKENS = 4 * 1024 * 1024;

export function entryHardware(catalog: Catalog, e: ValidationEntry): HardwareProfile | undefined {
  const acc = resolveAccelerator(catalog, e);
  if (!acc) return undefined;
  const gpn = num(e.hardware?.["gpus_per_node"]);
  return hardwareProfile(acc, catalog, gpn !== undefined && gpn <= 8 ? { gpusPerNode: gpn } : {});
}

/** The estimate of a case under other assumption values (same problem and configuration). */
export function reestimate(c: TrainingCase, a: Assumptions): TrainingEstimate {
  return estimateTraining({ ...c.problem, assumptions: a }, c.parallel);
}

/**
 * Build the training problem an entry describes. A stated parallelism is respected as stated: only the fields
 * the entry leaves open (micro-batch, recomputation when unstated) are chosen, the fastest that fits; when none
 * fits, the leanest is predicted anyway and the case says `fits: false`. Without a stated parallelism the search
 * picks the configuration.
 */
export function trainingCase(
  catalog: Catalog,
  e: ValidationEntry,
  shapeOverride?: TransformerShape,
  assumptions?: Partial<Assumptions>,
): TrainingCase | undefined {
  const shape = shapeOverride ?? entryShape(e, catalog);
  const hw = entryHardware(catalog, e);
  if (!shape || !hw) return undefined;
  const stack = e.stack ?? {};
  const precision = parsePrecision(e.precision);
  const ep = entryParallel(e, shape);
  const options: TrainingOptions = {
    precision,
    finetune: ep.finetune,
    flashAttention: stack.flash_attention ?? true,
    fp32Grads: stack.fp32_grads ?? precision === "fp16",
    ...(stack.dropout !== undefined ? { dropout: stack.dropout } : {}),
    ...(stack.flash_attention_version !== undefined ? { flashAttentionVersion: stack.flash_attention_version } : {}),
  };
  const problem: TrainingProblem = { shape, counts: countShape(shape), hw, options, assumptions: withAssumptions(assumptions) };
  const p = e.parallelism ?? {};
  const stated = num(p["tp"]) !== undefined || num(p["dp"]) !== undefined || num(p["fsdp"]) !== undefined;
  const gpus = num(e.hardware?.["count"]) ?? (ep.dp !== undefined ? ep.dp * ep.tp * ep.pp * ep.cp : DEFAULT_ENTRY_GPUS);
  const dp = ep.dp ?? Math.max(1, Math.round(gpus / (ep.tp * ep.pp * ep.cp)));
  const batchDp = stated ? dp : gpus;
  const globalBatch = roundTo(ep.globalBatch ?? defaultBatch(shape.seqLen, batchDp, stated ? ep.pp : 1), batchDp);
  // a stack without selective recomputation (before Korthikanti et al. 2022) chooses between none and full
  const statedRc = ep.recompute ?? stack.recompute;
  const recompute: readonly Recompute[] =
    statedRc !== undefined ? [statedRc] : stack.selective_recompute === false ? ["none", "full"] : RECOMPUTE_MODES;
  if (!stated) {
    // whatever the entry does state stays fixed; the search chooses the rest
    const has = (k: string): boolean => num(p[k]) !== undefined;
    const fixed = {
      ...(has("pp") ? { pp: [ep.pp] } : {}),
      ...(has("cp") ? { cp: [ep.cp] } : {}),
      ...(has("ep") ? { ep: [ep.ep] } : {}),
      ...(has("vp") || has("virtual_pipeline") ? { vp: [ep.vp] } : {}),
      ...(ep.microBatch !== undefined ? { microBatch: [ep.microBatch] } : {}),
      ...(ep.zeroStage !== undefined ? { zeroStage: [ep.zeroStage] } : {}),
      ...(ep.sequenceParallel !== undefined ? { sequenceParallel: [ep.sequenceParallel] } : {}),
    };
    const best = searchParallelism(problem, { ...conventionalSpace(stack), ...fixed, gpus, globalBatch, recompute }, 1).top[0];
    return best ? { problem, parallel: best.parallel, estimate: best.estimate, searched: true, fits: true } : undefined;
  }
  const base: ParallelConfig = {
    tp: ep.tp,
    pp: ep.pp,
    dp,
    cp: ep.cp,
    ep: ep.ep,
    vp: ep.vp,
    microBatch: 1,
    globalBatch,
    recompute: "none",
    sequenceParallel: ep.sequenceParallel ?? ((stack.sequence_parallel ?? true) && ep.tp > 1),
    zeroStage: ep.zeroStage ?? (stack.distributed_optimizer === false ? 0 : 1),
    ...(stack.tp_overlap !== undefined ? { tpOverlap: stack.tp_overlap } : {}),
    ...(stack.dp_overlap !== undefined ? { dpOverlap: stack.dp_overlap } : {}),
    ...(stack.ep_overlap !== undefined ? { epOverlap: stack.ep_overlap } : {}),
  };
  const microBatches = ep.microBatch !== undefined ? [ep.microBatch] : MICRO_BATCHES.filter((mb) => globalBatch % (dp * mb) === 0);
  // an unstated recomputation may also be partial: full recomputation of only as many layers per stage as memory
  // needs (Megatron's --recompute-num-layers, NeMo's recompute_num_layers), what a tuned recipe does
  const partial = statedRc === undefined && recompute.includes("full");
  const maxLayers = stageLayout(shape, base).maxLayers;
  const variants: Pick<ParallelConfig, "recompute" | "recomputeLayers">[] = [
    ...recompute.map((rc) => ({ recompute: rc })),
    ...(partial
      ? Array.from({ length: Math.max(0, maxLayers - 1) }, (_, i) => ({ recompute: "full" as const, recomputeLayers: i + 1 }))
      : []),
  ];
  let fastest: { parallel: ParallelConfig; estimate: TrainingEstimate } | undefined;
  let leanest: { parallel: ParallelConfig; estimate: TrainingEstimate } | undefined;
  for (const microBatch of microBatches.length > 0 ? microBatches : [1])
    for (const rc of variants) {
      const parallel: ParallelConfig = { ...base, microBatch, ...rc };
      const estimate = estimateTraining(problem, parallel);
      if (estimate.fits && (!fastest || estimate.stepTimeS < fastest.estimate.stepTimeS)) fastest = { parallel, estimate };
      if (!leanest || estimate.memory.totalBytes < leanest.estimate.memory.totalBytes) leanest = { parallel, estimate };
    }
  const pick = fastest ?? leanest;
  if (!pick) return undefined;
  return { problem, parallel: pick.parallel, estimate: pick.estimate, searched: false, fits: fastest !== undefined };
}

const MICRO_BATCHES = [1, 2, 4, 8, 16, 32];

/**
 * The space searched for an entry that does not state its layout: a source that did not say ran a conventional
 * one, so the search keeps to the pre-#16 axes (interleaving 1/2/4, ZeRO 0/1/3, whole-stage recompute, the default
 * rank order, no offloads) with the stack's overlap modes, not the exotic corners of the wide space.
 */
function conventionalSpace(stack: EntryStack): Record<string, unknown> {
  return {
    vp: [1, 2, 4],
    zeroStage: stack.distributed_optimizer === false ? [0, 3] : [0, 1, 3],
    sequenceParallel: stack.sequence_parallel === false ? [false] : [false, true],
    recomputeGranularity: "stage",
    stageShift: 0,
    tpOverlap: [stack.tp_overlap ?? "none"],
    dpOverlap: [stack.dp_overlap ?? true],
    epOverlap: [stack.ep_overlap ?? false],
    offloadOptimizer: [false],
    offloadWeights: [false],
    offloadActivations: [false],
    rankOrders: [DEFAULT_RANK_ORDER],
  };
}

function roundTo(n: number, multiple: number): number {
  return Math.max(multiple, Math.round(n / multiple) * multiple);
}

/**
 * Global batch when an entry gives none: ~4M tokens, and at least 4 micro-batches per pipeline stage so the
 * pipeline bubble stays small (what practitioners pick for deep pipelines).
 */
export function defaultBatch(seqLen: number, dp: number, pp: number): number {
  return Math.max(Math.round(DEFAULT_BATCH_TOKENS / seqLen), dp * (pp > 1 ? 4 * pp : 1));
}

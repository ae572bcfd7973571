import type { Catalog } from "@aidc/core";
import { withAssumptions, type Assumptions } from "../assumptions.js";
import { hardwareProfile, type HardwareProfile } from "../hardware.js";
import { RECOMPUTE_MODES, type ParallelConfig, type TrainingOptions } from "../parallel.js";
import { searchParallelism } from "../search.js";
import { countShape, type TransformerShape } from "../shape.js";
import { estimateTraining, type TrainingEstimate, type TrainingProblem } from "../training.js";
import { entryParallel, entryShape, isLegacy, num, parsePrecision, resolveAccelerator, type ValidationEntry } from "./entry.js";

export interface TrainingCase {
  readonly problem: TrainingProblem;
  readonly parallel: ParallelConfig;
  readonly estimate: TrainingEstimate;
  readonly searched: boolean;
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

/** Build the training problem an entry describes; search the parallelism when the entry does not state it. */
export function trainingCase(
  catalog: Catalog,
  e: ValidationEntry,
  shapeOverride?: TransformerShape,
  assumptions?: Partial<Assumptions>,
): TrainingCase | undefined {
  const shape = shapeOverride ?? entryShape(e, catalog);
  const hw = entryHardware(catalog, e);
  if (!shape || !hw) return undefined;
  const legacy = isLegacy(e);
  const precision = parsePrecision(e.precision);
  const options: TrainingOptions = { precision, finetune: "full", flashAttention: !legacy, fp32Grads: legacy || precision === "fp16" };
  const ep = entryParallel(e, shape);
  const problem: TrainingProblem = {
    shape,
    counts: countShape(shape),
    hw,
    options: { ...options, finetune: ep.finetune },
    assumptions: withAssumptions({ ...(legacy ? LEGACY_ASSUMPTIONS : {}), ...assumptions }),
  };
  const p = e.parallelism ?? {};
  const stated = num(p["tp"]) !== undefined || num(p["dp"]) !== undefined || num(p["fsdp"]) !== undefined;
  const gpus = num(e.hardware?.["count"]) ?? (ep.dp !== undefined ? ep.dp * ep.tp * ep.pp * ep.cp : DEFAULT_ENTRY_GPUS);
  const dp = ep.dp ?? Math.max(1, Math.round(gpus / (ep.tp * ep.pp * ep.cp)));
  const batchDp = stated ? dp : gpus;
  const globalBatch = roundTo(ep.globalBatch ?? defaultBatch(shape.seqLen, batchDp, stated ? ep.pp : 1), batchDp);
  // legacy stacks had no selective recomputation (introduced by Korthikanti et al. 2022)
  const recompute = ep.recompute !== undefined ? [ep.recompute] : legacy ? (["none", "full"] as const) : RECOMPUTE_MODES;
  const space = stated
    ? {
        gpus: dp * ep.tp * ep.pp * ep.cp,
        globalBatch,
        tp: [ep.tp],
        pp: [ep.pp],
        cp: [ep.cp],
        ep: [ep.ep],
        vp: [ep.vp],
        microBatch: ep.microBatch !== undefined ? [ep.microBatch] : MICRO_BATCHES,
        recompute,
        sequenceParallel: [ep.sequenceParallel ?? (!legacy && ep.tp > 1)],
        zeroStage: [ep.zeroStage ?? (legacy ? 0 : 1)],
        memoryHeadroom: 1,
      }
    : { gpus, globalBatch, recompute };
  const r = searchParallelism(problem, space, 1);
  const best = r.top[0];
  if (best) return { problem, parallel: best.parallel, estimate: best.estimate, searched: !stated };
  if (!stated) return undefined;
  // nothing fits by the model's count: report the leanest stated configuration anyway
  const parallel: ParallelConfig = {
    tp: ep.tp,
    pp: ep.pp,
    dp,
    cp: ep.cp,
    ep: ep.ep,
    vp: ep.vp,
    microBatch: ep.microBatch ?? 1,
    globalBatch,
    recompute: recompute[recompute.length - 1] ?? "full",
    sequenceParallel: ep.sequenceParallel ?? (!legacy && ep.tp > 1),
    zeroStage: ep.zeroStage ?? (legacy ? 0 : 1),
  };
  return { problem, parallel, estimate: estimateTraining(problem, parallel), searched: false };
}

const MICRO_BATCHES = [1, 2, 4, 8, 16, 32];

/** Pre-FlashAttention stacks (see LEGACY_SOURCES) did not overlap communication with compute. */
export const LEGACY_ASSUMPTIONS: Partial<Assumptions> = { tpOverlap: 0, dpOverlap: 0 };

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

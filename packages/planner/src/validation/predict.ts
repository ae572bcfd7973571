import type { Catalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS, type Assumptions } from "../assumptions.js";
import { activationBytesPerLayer, trainingMemory } from "../memory.js";
import type { FlopConvention, ParallelConfig } from "../parallel.js";
import { countShape, type ShapeCounts } from "../shape.js";
import { tflopsUnder, type TrainingEstimate } from "../training.js";
import { entryParallel, entryShape, num, type ValidationEntry } from "./entry.js";
import { predictHardware } from "./predict-hardware.js";
import { predictInference } from "./predict-inference.js";
import { mlperfCase, mlperfKeys } from "./predict-mlperf.js";
import { reestimate, trainingCase, type TrainingCase } from "./predict-training.js";

export type Predictions = Record<string, number | null>;

const GIB = 2 ** 30;
const DAY = 86400;

/**
 * TFLOP/s per GPU as a source counts them: model FLOPs or hardware FLOPs (recomputation included), attention in
 * full (PaLM/Megatron) or causally halved — the entry's `conventions` (filled from the per-source file).
 */
export function reportedTflops(e: ValidationEntry, c: TrainingCase, est: TrainingEstimate, flops?: "model" | "hardware"): number {
  const conv: FlopConvention = {
    causalAttention: e.conventions?.attention === "causal",
    includeRecompute: (flops ?? e.conventions?.flops) === "hardware",
  };
  return tflopsUnder(est, c.problem, c.parallel, conv);
}

/** Denominator of the entry's MFU: the peak it states for MFU (its definition of the metric), else the catalog's 16-bit peak. */
function mfuPeak(e: ValidationEntry, c: TrainingCase): number {
  const h = e.hardware ?? {};
  return (
    num(h["peak_tflops_per_gpu_for_mfu"]) ?? num(h["peak_tflops_per_gpu"]) ?? num(h["peak_tflops_per_chip"]) ?? c.problem.hw.peak16Tflops
  );
}

function trainingKey(key: string, e: ValidationEntry, c: TrainingCase, est: TrainingEstimate): number | null {
  const reported = reportedTflops(e, c, est);
  const model = reportedTflops(e, c, est, "model");
  const hardware = reportedTflops(e, c, est, "hardware");
  const peak = mfuPeak(e, c);
  const tokensB = num(e.model?.["tokens_b"]) ?? (num(e.model?.["tokens_t"]) ?? 0) * 1000;
  const goodput = e.accounting?.goodput ?? c.problem.assumptions.runGoodput;
  switch (key) {
    case "tflops_per_gpu":
      return reported;
    case "model_tflops_per_gpu":
      return model;
    case "hardware_tflops_per_gpu":
    case "hardware_tflops_per_gpu_genci":
      return hardware;
    case "fraction_of_peak":
      return reported / peak;
    case "aggregate_pflops":
      return (reported * est.gpus) / 1000;
    case "mfu":
      return model / peak;
    case "mfu_pct":
      return (100 * model) / peak;
    case "hfu":
      return hardware / peak;
    case "hfu_pct":
      return (100 * hardware) / peak;
    case "tokens_per_sec":
      return est.tokensPerS;
    case "tokens_per_sec_per_gpu":
      return est.tokensPerSPerGpu;
    case "step_time_s":
    case "approx_step_time_s":
      return est.stepTimeS;
    case "training_days_for_300B_tokens":
      return 300e9 / est.tokensPerS / DAY;
    case "est_days_10T_tokens_on_1k_gpus":
      return 10e12 / (est.tokensPerSPerGpu * 1024) / DAY;
    case "estimated_days":
      // time to train from the predicted throughput; the source's goodput (1 for pure throughput arithmetic)
      return tokensB > 0 ? (tokensB * 1e9) / est.tokensPerS / DAY / goodput : null;
    default:
      return null;
  }
}

/** GPU-hours, energy and carbon; the source's own PUE, grid intensity, goodput and power win over the defaults. */
function energyKey(key: string, e: ValidationEntry, c: TrainingCase, est: TrainingEstimate, a: Assumptions): number | null {
  const acct = e.accounting ?? {};
  const tokens = (num(e.model?.["tokens_t"]) ?? 0) * 1e12 || (num(e.model?.["tokens_b"]) ?? 0) * 1e9;
  if (tokens <= 0) return null;
  const gpuHours = tokens / est.tokensPerSPerGpu / (acct.goodput ?? a.runGoodput) / 3600;
  const powerW = acct.power_w ?? num(e.hardware?.["power_w_assumed"]) ?? c.problem.hw.tdpW * a.powerFractionOfTdp;
  const mwh = (gpuHours * powerW * (acct.pue ?? a.pue)) / 1e6;
  switch (key) {
    case "gpu_hours":
    case "gpu_hours_pretrain":
    case "gpu_hours_total":
      return gpuHours;
    case "energy_mwh":
      return mwh;
    case "tco2eq":
    case "tco2eq_location_based":
      return mwh * (acct.grid_kg_co2_per_kwh ?? a.gridKgCo2PerKwh);
    case "gpu_hours_per_trillion_tokens":
      return gpuHours / (tokens / 1e12);
    case "days_per_trillion_tokens_on_2048":
      return gpuHours / (tokens / 1e12) / 2048 / 24;
    case "cost_usd_at_2_per_gpu_hour":
      return gpuHours * 2;
    default:
      return null;
  }
}

const ACT_VARIANTS: Record<string, { rc: "none" | "selective" | "full"; sp: boolean }> = {
  none: { rc: "none", sp: false },
  sequence_parallel: { rc: "none", sp: true },
  selective_recompute: { rc: "selective", sp: false },
  seqpar_plus_selective: { rc: "selective", sp: true },
  full_recompute: { rc: "full", sp: false },
};

function memoryKeys(catalog: Catalog, e: ValidationEntry, keys: readonly string[]): Predictions {
  const out: Predictions = {};
  const shape = entryShape(e, catalog);
  if (!shape) return out;
  const ep = entryParallel(e, shape);
  // memory depends on the shape and the stated layout only (no hardware, no estimate)
  const counts: ShapeCounts | undefined = countShape(shape);
  const base: ParallelConfig = {
    tp: ep.tp,
    pp: ep.pp,
    dp: ep.dp ?? 1,
    cp: 1,
    ep: 1,
    vp: ep.vp,
    microBatch: ep.microBatch ?? 1,
    globalBatch: (ep.dp ?? 1) * (ep.microBatch ?? 1) * ep.pp,
    recompute: "none",
    sequenceParallel: false,
    zeroStage: ep.zeroStage ?? 0,
  };
  const opts = { precision: "fp16", finetune: "full", flashAttention: false, fp32Grads: true } as const;
  for (const key of keys) {
    if (!counts) out[key] = null;
    else if (key === "params_and_optimizer_gib_per_gpu") {
      const m = trainingMemory(shape, counts, base, opts);
      out[key] = (m.weightsBytes + m.gradsBytes + m.optimizerBytes) / GIB;
    } else if (key === "activations_gib_per_gpu_no_recompute_no_sp") {
      out[key] = trainingMemory(shape, counts, base, opts).activationsBytes / GIB;
    } else if (key === "activations_gib_per_gpu_seqpar_selective") {
      out[key] = trainingMemory(shape, counts, { ...base, recompute: "selective", sequenceParallel: true }, opts).activationsBytes / GIB;
    } else if (key.startsWith("activation_pct_of_baseline.")) {
      const v = ACT_VARIANTS[key.slice("activation_pct_of_baseline.".length)];
      const act = (rc: "none" | "selective" | "full", sp: boolean): number =>
        activationBytesPerLayer(shape, shape.seqLen, ep.tp, rc, sp, false);
      out[key] = v ? (100 * act(v.rc, v.sp)) / act("none", false) : null;
    } else out[key] = null;
  }
  return out;
}

/** What predicting one entry yields: its keys' values and, for training entries, whether the configuration fits. */
export interface EntryPrediction {
  readonly predicted: Predictions;
  readonly fits?: boolean;
}

/**
 * Everything about an entry that does not depend on the assumption values, built once (shape, hardware, the
 * parallel configuration), with a cheap `evaluate` that re-estimates under given assumptions: what calibration
 * and cross-validation call per candidate.
 */
export interface PreparedEntry {
  readonly entry: ValidationEntry;
  evaluate(a: Assumptions): EntryPrediction;
}

function trainingPrepared(e: ValidationEntry, keys: readonly string[], c: TrainingCase | undefined, nulls: Predictions): PreparedEntry {
  return {
    entry: e,
    evaluate(a) {
      if (!c) return { predicted: nulls };
      const est = a === DEFAULT_ASSUMPTIONS ? c.estimate : reestimate(c, a);
      const predicted = Object.fromEntries(
        keys.map((k) => [k, e.kind === "gpu_hours_energy" ? energyKey(k, e, c, est, a) : trainingKey(k, e, c, est)]),
      );
      return { predicted, fits: c.fits };
    },
  };
}

/** Prepare one entry (its conventions already applied) for repeated evaluation. */
export function prepareEntry(catalog: Catalog, e: ValidationEntry, keys: readonly string[]): PreparedEntry {
  const nulls: Predictions = Object.fromEntries(keys.map((k) => [k, null]));
  const fixed = (p: Predictions): PreparedEntry => ({ entry: e, evaluate: () => ({ predicted: { ...nulls, ...p } }) });
  switch (e.kind) {
    case "hardware_spec":
      return fixed(predictHardware(catalog, e, keys));
    case "training_memory":
      return fixed(memoryKeys(catalog, e, keys));
    case "inference_throughput":
    case "inference_latency":
      return { entry: e, evaluate: (a) => ({ predicted: { ...nulls, ...predictInference(catalog, e, keys, a) } }) };
    case "mlperf_training": {
      const m = mlperfCase(catalog, e);
      return {
        entry: e,
        evaluate: (a) =>
          m
            ? {
                predicted: { ...nulls, ...mlperfKeys(m, keys, a === DEFAULT_ASSUMPTIONS ? m.case.estimate : reestimate(m.case, a)) },
                fits: m.case.fits,
              }
            : { predicted: nulls },
      };
    }
    case "training_throughput":
    case "training_step_time":
    case "time_to_train":
    case "gpu_hours_energy":
      return trainingPrepared(e, keys, trainingCase(catalog, e), nulls);
    default:
      return fixed({});
  }
}

/** Predict every listed key of one entry from its non-measured fields (conventions already applied). */
export function predictEntry(
  catalog: Catalog,
  e: ValidationEntry,
  keys: readonly string[],
  a: Assumptions = DEFAULT_ASSUMPTIONS,
): Predictions {
  return prepareEntry(catalog, e, keys).evaluate(a).predicted;
}

export { DEFAULT_ASSUMPTIONS };

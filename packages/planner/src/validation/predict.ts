import type { Catalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "../assumptions.js";
import { activationBytesPerLayer, trainingMemory } from "../memory.js";
import type { ParallelConfig } from "../parallel.js";
import { countsRecompute, entryParallel, entryShape, num, str, type ValidationEntry } from "./entry.js";
import { predictHardware } from "./predict-hardware.js";
import { predictInference } from "./predict-inference.js";
import { predictMlperf } from "./predict-mlperf.js";
import { trainingCase, type TrainingCase } from "./predict-training.js";

export type Predictions = Record<string, number | null>;

const GIB = 2 ** 30;
const DAY = 86400;

/** Denominator of the entry's MFU: the peak it states for MFU (its definition of the metric), else the catalog's 16-bit peak. */
function mfuPeak(e: ValidationEntry, c: TrainingCase): number {
  const h = e.hardware ?? {};
  return (
    num(h["peak_tflops_per_gpu_for_mfu"]) ?? num(h["peak_tflops_per_gpu"]) ?? num(h["peak_tflops_per_chip"]) ?? c.problem.hw.peak16Tflops
  );
}

function trainingKey(key: string, e: ValidationEntry, c: TrainingCase): number | null {
  const est = c.estimate;
  const reported = countsRecompute(e) ? est.hardwareTflopsPerGpu : est.modelTflopsPerGpu;
  const peak = mfuPeak(e, c);
  const tokensB = num(e.model?.["tokens_b"]) ?? (num(e.model?.["tokens_t"]) ?? 0) * 1000;
  switch (key) {
    case "tflops_per_gpu":
      return reported;
    case "model_tflops_per_gpu":
      return est.modelTflopsPerGpu;
    case "hardware_tflops_per_gpu":
    case "hardware_tflops_per_gpu_genci":
      return est.hardwareTflopsPerGpu;
    case "fraction_of_peak":
      return reported / peak;
    case "aggregate_pflops":
      return (reported * est.gpus) / 1000;
    case "mfu":
      return est.modelTflopsPerGpu / peak;
    case "mfu_pct":
      return (100 * est.modelTflopsPerGpu) / peak;
    case "hfu":
      return est.hardwareTflopsPerGpu / peak;
    case "hfu_pct":
      return (100 * est.hardwareTflopsPerGpu) / peak;
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
    case "estimated_days": {
      if (tokensB <= 0) return null;
      // an entry may state the per-GPU throughput it assumes ("X=140 TFLOP/s"): then time = 8 T P / (n X) (Megatron eq. 4)
      const x = /X\s*=\s*([\d.]+)\s*TFLOP/i.exec(str(e.parallelism?.["note"]));
      const params = (num(e.model?.["params_b"]) ?? 0) * 1e9;
      if (x && params > 0) return (8 * tokensB * 1e9 * params) / (est.gpus * Number(x[1]) * 1e12) / DAY;
      return (tokensB * 1e9) / est.tokensPerS / DAY / c.problem.assumptions.runGoodput;
    }
    default:
      return null;
  }
}

function energyKey(key: string, e: ValidationEntry, c: TrainingCase): number | null {
  const a = c.problem.assumptions;
  const tokens = (num(e.model?.["tokens_t"]) ?? 0) * 1e12 || (num(e.model?.["tokens_b"]) ?? 0) * 1e9;
  if (tokens <= 0) return null;
  const gpuHours = tokens / c.estimate.tokensPerSPerGpu / a.runGoodput / 3600;
  const powerW = num(e.hardware?.["power_w_assumed"]) ?? c.problem.hw.tdpW * a.powerFractionOfTdp;
  const mwh = (gpuHours * powerW * a.pue) / 1e6;
  switch (key) {
    case "gpu_hours":
    case "gpu_hours_pretrain":
    case "gpu_hours_total":
      return gpuHours;
    case "energy_mwh":
      return mwh;
    case "tco2eq":
    case "tco2eq_location_based":
      return mwh * a.gridKgCo2PerKwh;
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
  const c = trainingCase(catalog, e, shape);
  const counts = c?.problem.counts;
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

/** Predict every listed key of one entry from its non-measured fields. */
export function predictEntry(catalog: Catalog, e: ValidationEntry, keys: readonly string[]): Predictions {
  const nulls = (): Predictions => Object.fromEntries(keys.map((k) => [k, null]));
  switch (e.kind) {
    case "hardware_spec":
      return { ...nulls(), ...predictHardware(catalog, e, keys) };
    case "training_memory":
      return { ...nulls(), ...memoryKeys(catalog, e, keys) };
    case "inference_throughput":
    case "inference_latency":
      return { ...nulls(), ...predictInference(catalog, e, keys) };
    case "mlperf_training":
      return { ...nulls(), ...predictMlperf(catalog, e, keys) };
    case "training_throughput":
    case "training_step_time":
    case "time_to_train":
    case "gpu_hours_energy": {
      const c = trainingCase(catalog, e);
      if (!c) return nulls();
      const f = e.kind === "gpu_hours_energy" ? energyKey : trainingKey;
      return Object.fromEntries(keys.map((k) => [k, f(k, e, c)]));
    }
    default:
      return nulls();
  }
}

export { DEFAULT_ASSUMPTIONS };

import type { Catalog } from "@aidc/core";
import type { TrainingEstimate } from "../training.js";
import { str, type ValidationEntry } from "./entry.js";
import { trainingCase, type TrainingCase } from "./predict-training.js";

/**
 * Tokens a benchmark trains until its quality target, as a function of the global batch: MLCommons' reference
 * convergence points (mlcommons/logging, mlperf_logging/rcp_checker, mean of the reference runs per batch size).
 */
export interface MlperfBenchmark {
  readonly model: string;
  readonly seqLen: number;
  /** [global batch in sequences, tokens to the target] from the reference convergence points, batch ascending */
  readonly budget: readonly (readonly [number, number])[];
  readonly lora: boolean;
  readonly source: string;
}

export const MLPERF_BENCHMARKS: Readonly<Record<string, MlperfBenchmark>> = {
  // training_4.1.0/rcps_gpt3.json: "Epochs to converge" are tokens (seq 2048), from a checkpoint to log-ppl 2.69
  "gpt-3 175b": {
    model: "gpt-3-175b",
    seqLen: 2048,
    budget: [
      [1536, 1.1996e9],
      [2048, 1.1828e9],
      [3072, 1.2164e9],
      [4096, 1.2667e9],
      [6144, 1.4093e9],
      [8192, 1.6275e9],
    ],
    lora: false,
    source: "MLCommons rcp_checker training_4.1.0/rcps_gpt3.json",
  },
  // training_5.1.0/rcps_llama31_405b.json: samples of 8,192 tokens (C4, target log-ppl 5.6; evaluation every 46,080)
  "llama 3.1 405b": {
    model: "llama-3.1-405b",
    seqLen: 8192,
    budget: [
      [1152, 313344 * 8192],
      [2304, 368640 * 8192],
      [4608, 488448 * 8192],
    ],
    lora: false,
    source: "MLCommons rcp_checker training_5.1.0/rcps_llama31_405b.json; reference README large_language_model_pretraining",
  },
  // training_5.1.0/rcps_llama31_8b.json: samples of 8,192 tokens (C4, target log-ppl 3.3; evaluation every 12,288)
  "llama 3.1 8b": {
    model: "llama-3.1-8b",
    seqLen: 8192,
    budget: [
      [32, 179712 * 8192],
      [64, 226099 * 8192],
      [96, 280166 * 8192],
      [128, 345293 * 8192],
    ],
    lora: false,
    source: "MLCommons rcp_checker training_5.1.0/rcps_llama31_8b.json; reference README small_llm_pretraining",
  },
  // training_5.0.0/rcps_llama2_70b_lora.json: samples of 8,192 tokens (GovReport, LoRA r 16)
  "llama 2 70b lora": {
    model: "llama-2-70b",
    seqLen: 8192,
    budget: [
      [8, 3168 * 8192],
      [16, 4051 * 8192],
      [32, 6029 * 8192],
      [128, 11328 * 8192],
    ],
    lora: true,
    source: "MLCommons rcp_checker training_5.0.0/rcps_llama2_70b_lora.json",
  },
};

/**
 * Global batch assumed for a submission of `gpus` accelerators: one sequence per accelerator, within the batch
 * sizes the reference convergence points cover (submissions outside them need their own convergence evidence).
 */
export function mlperfBatch(b: MlperfBenchmark, gpus: number): number {
  const lo = b.budget[0]?.[0] ?? 1;
  const hi = b.budget[b.budget.length - 1]?.[0] ?? lo;
  return Math.min(hi, Math.max(lo, gpus));
}

/** Tokens to the target at a global batch: linear between the reference points, clamped at the ends. */
export function mlperfTokens(b: MlperfBenchmark, batch: number): number {
  const pts = b.budget;
  const first = pts[0];
  if (!first) return 0;
  if (batch <= first[0]) return first[1];
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1] as readonly [number, number];
    const [x1, y1] = pts[i] as readonly [number, number];
    if (batch <= x1) return y0 + ((y1 - y0) * (batch - x0)) / (x1 - x0);
  }
  return pts[pts.length - 1]?.[1] ?? first[1];
}

export interface MlperfCase {
  readonly case: TrainingCase;
  readonly tokens: number;
}

/** The training problem of a benchmark submission (parallelism searched) and its token budget. */
export function mlperfCase(catalog: Catalog, e: ValidationEntry): MlperfCase | undefined {
  const bench = MLPERF_BENCHMARKS[str(e.model?.["benchmark"]).toLowerCase()];
  const count = e.hardware?.["count"];
  if (!bench || typeof count !== "number") return undefined;
  const model = catalog.lookup(bench.model, "ModelArch");
  if (!model.found) return undefined;
  const batch = mlperfBatch(bench, count);
  const synthetic: ValidationEntry = {
    ...e,
    model: { family: model.item.name, params_b: model.item.params / 1e9, seq_len: bench.seqLen },
    parallelism: { global_batch_seqs: batch, ...(bench.lora ? { finetune: "LoRA" } : {}) },
    precision: e.precision ?? "fp8",
  };
  const c = trainingCase(catalog, synthetic);
  return c ? { case: c, tokens: mlperfTokens(bench, c.parallel.globalBatch) } : undefined;
}

export function mlperfKeys(m: MlperfCase, keys: readonly string[], est: TrainingEstimate): Record<string, number | null> {
  const minutes = m.tokens / est.tokensPerS / 60;
  return Object.fromEntries(keys.map((k) => [k, k === "time_to_train_min" ? minutes : null]));
}

export function predictMlperf(catalog: Catalog, e: ValidationEntry, keys: readonly string[]): Record<string, number | null> {
  const m = mlperfCase(catalog, e);
  return m ? mlperfKeys(m, keys, m.case.estimate) : {};
}

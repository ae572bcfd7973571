import type { Catalog } from "@aidc/core";
import { str, type ValidationEntry } from "./entry.js";
import { trainingCase } from "./predict-training.js";

/**
 * MLPerf Training LLM benchmarks the planner models: tokens processed until the quality target, sequence length,
 * batch and mode. GPT-3 175B resumes from a checkpoint and runs ~0.4 % of GPT-3's 300B-token run (~1.2B tokens,
 * EE Times); Llama 2 70B LoRA fine-tunes on GovReport at 8,192 tokens and converges after ~3,000 samples
 * (estimate from published step counts). Other benchmarks are not modelled (null).
 */
export const MLPERF_BENCHMARKS: Readonly<
  Record<string, { model: string; tokens: number; seqLen: number; globalBatch: number; lora: boolean }>
> = {
  "gpt-3 175b": { model: "gpt-3-175b", tokens: 1.2e9, seqLen: 2048, globalBatch: 1536, lora: false },
  "llama 2 70b lora": { model: "llama-2-70b", tokens: 3000 * 8192, seqLen: 8192, globalBatch: 8, lora: true },
};

export function predictMlperf(catalog: Catalog, e: ValidationEntry, keys: readonly string[]): Record<string, number | null> {
  const bench = MLPERF_BENCHMARKS[str(e.model?.["benchmark"]).toLowerCase()];
  const count = e.hardware?.["count"];
  if (!bench || typeof count !== "number") return {};
  const model = catalog.lookup(bench.model, "ModelArch");
  if (!model.found) return {};
  const synthetic = {
    ...e,
    model: { family: model.item.name, params_b: model.item.params / 1e9, seq_len: bench.seqLen },
    parallelism: {
      global_batch_seqs: Math.max(bench.globalBatch, count >= bench.globalBatch ? count : bench.globalBatch),
      ...(bench.lora ? { finetune: "LoRA" } : {}),
    },
    precision: "fp8",
  };
  const c = trainingCase(catalog, synthetic);
  if (!c) return {};
  const minutes = bench.tokens / c.estimate.tokensPerS / 60;
  return Object.fromEntries(keys.map((k) => [k, k === "time_to_train_min" ? minutes : null]));
}

import type { Catalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "../assumptions.js";
import { bestThroughput, decodeStepS, estimateContinuous, estimateStatic, prefillS, type InferenceProblem } from "../inference.js";
import { countShape } from "../shape.js";
import { entryShape, num, parsePrecision, type ValidationEntry } from "./entry.js";
import { entryHardware } from "./predict-training.js";

type Out = Record<string, number | null>;

export function inferenceProblem(catalog: Catalog, e: ValidationEntry): InferenceProblem | undefined {
  const shape = entryShape(e, catalog);
  const hw = entryHardware(catalog, e);
  if (!shape || !hw) return undefined;
  const precision = parsePrecision(e.precision);
  const tp = num(e.parallelism?.["tp"]) ?? num(e.hardware?.["count"]) ?? 1;
  return {
    shape,
    counts: countShape(shape),
    hw,
    assumptions: DEFAULT_ASSUMPTIONS,
    precision,
    kvPrecision: precision === "fp8" || precision === "fp4" ? "fp8" : "fp16",
    tp,
  };
}

/**
 * TensorRT-LLM's v0.6 performance page reports every throughput column per GPU (its H100 table says so in the
 * header; the A100 table uses the same tool and layout), so "output_tokens_per_sec" there is per GPU.
 */
export const PER_GPU_THROUGHPUT_SOURCES = ["trtllm_061"];

export function predictInference(catalog: Catalog, e: ValidationEntry, keys: readonly string[]): Out {
  const pr = inferenceProblem(catalog, e);
  const out: Out = {};
  if (!pr) return out;
  const w = e.workload ?? {};
  const p = e.parallelism ?? {};
  const input = num(w["input_len"]) ?? num(w["context_len"]) ?? 128;
  const output = num(w["output_len"]) ?? num(w["generated_tokens"]) ?? 1;
  const batch = num(p["batch_size"]);
  const concurrency = num(p["concurrency"]);
  const est =
    batch !== undefined
      ? estimateStatic(pr, batch, input, output)
      : concurrency !== undefined
        ? estimateContinuous(pr, concurrency, input, output)
        : bestThroughput(pr, input, output);
  for (const k of keys) {
    switch (k) {
      case "output_tokens_per_sec_per_gpu":
        out[k] = est.outputTokensPerSPerGpu;
        break;
      case "output_tokens_per_sec":
        out[k] = PER_GPU_THROUGHPUT_SOURCES.includes(e.source?.ref ?? "") ? est.outputTokensPerSPerGpu : est.outputTokensPerS;
        break;
      case "total_output_tokens_per_sec":
        out[k] = est.outputTokensPerS;
        break;
      case "ttft_ms":
        out[k] = 1000 * est.ttftS;
        break;
      case "itl_ms":
        out[k] = 1000 * est.interTokenLatencyS;
        break;
      case "prefill_ms":
        out[k] = 1000 * prefillS(pr, batch ?? 1, input);
        break;
      case "decode_ms_per_token":
        out[k] = 1000 * decodeStepS(pr, batch ?? 1, input + output / 2);
        break;
      case "total_ms":
        out[k] = 1000 * (prefillS(pr, batch ?? 1, input) + output * decodeStepS(pr, batch ?? 1, input + output / 2));
        break;
      default:
        out[k] = null;
    }
  }
  return out;
}

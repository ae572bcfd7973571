import type { Catalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS, type Assumptions } from "../assumptions.js";
import { bestThroughput, estimateContinuous, estimateStatic } from "../inference-batching.js";
import { prefillS, timePerTokenS, type InferenceProblem } from "../inference.js";
import { countShape } from "../shape.js";
import { entryShape, num, parsePrecision, type ValidationEntry } from "./entry.js";
import { entryHardware } from "./predict-training.js";

type Out = Record<string, number | null>;

/** The entry fields (own, or filled from the per-source conventions file by checkValidation) this reader uses. */
interface InferenceConventions {
  readonly conventions?: { readonly throughput_per?: string };
  readonly stack?: { readonly kv_cache_precision?: string; readonly gqa_decode_kernel?: boolean };
}

/**
 * The serving problem an entry states. The KV cache's type is the entry's `stack.kv_cache_precision` when stated,
 * else 16 bits (the default of TensorRT-LLM, vLLM and SGLang), never derived from the weight type.
 */
export function inferenceProblem(
  catalog: Catalog,
  e: ValidationEntry,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): InferenceProblem | undefined {
  const shape = entryShape(e, catalog);
  const hw = entryHardware(catalog, e);
  if (!shape || !hw) return undefined;
  const stack = (e as InferenceConventions).stack ?? {};
  const tp = num(e.parallelism?.["tp"]) ?? num(e.hardware?.["count"]) ?? 1;
  return {
    shape,
    counts: countShape(shape),
    hw,
    assumptions,
    precision: parsePrecision(e.precision),
    kvPrecision: stack.kv_cache_precision !== undefined ? parsePrecision(stack.kv_cache_precision) : "fp16",
    tp,
    ...(stack.gqa_decode_kernel !== undefined ? { gqaDecodeKernel: stack.gqa_decode_kernel } : {}),
  };
}

/**
 * Predict an inference entry's measured keys. `output_tokens_per_sec` is per GPU when the entry's
 * `conventions.throughput_per` says "gpu", else for the whole TP group.
 */
export function predictInference(
  catalog: Catalog,
  e: ValidationEntry,
  keys: readonly string[],
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): Out {
  const pr = inferenceProblem(catalog, e, assumptions);
  const out: Out = {};
  if (!pr) return out;
  const w = e.workload ?? {};
  const p = e.parallelism ?? {};
  const input = num(w["input_len"]) ?? num(w["context_len"]) ?? 128;
  const output = num(w["output_len"]) ?? num(w["generated_tokens"]) ?? 1;
  const batch = num(p["batch_size"]);
  const concurrency = num(p["concurrency"]);
  const perGpu = (e as InferenceConventions).conventions?.throughput_per === "gpu";
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
        out[k] = perGpu ? est.outputTokensPerSPerGpu : est.outputTokensPerS;
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
        out[k] = 1000 * timePerTokenS(pr, batch ?? 1, input + output / 2);
        break;
      case "total_ms":
        out[k] = 1000 * (prefillS(pr, batch ?? 1, input) + output * timePerTokenS(pr, batch ?? 1, input + output / 2));
        break;
      default:
        out[k] = null;
    }
  }
  return out;
}

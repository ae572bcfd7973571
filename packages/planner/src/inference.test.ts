import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile, type Precision } from "./hardware.js";
import {
  decodeAttentionS,
  decodeStepS,
  elementwiseS,
  gemmS,
  kvBytesPerToken,
  maxBatch,
  prefillS,
  tokensPerStep,
  tpAllReduceS,
  weightBytesPerGpu,
  weightReadBytesPerGpu,
  type InferenceProblem,
} from "./inference.js";
import { estimateContinuous, estimateStatic } from "./inference-batching.js";
import { countShape, shapeFromModel } from "./shape.js";

const catalog = defaultCatalog();
function pr(precision: Precision, tp = 1, model = "llama-3-8b"): InferenceProblem {
  const shape = shapeFromModel(catalog.get(model, "ModelArch"), 4096)!;
  return {
    shape,
    counts: countShape(shape),
    hw: hardwareProfile(catalog.get("h100-sxm5-80gb", "Accelerator"), catalog),
    assumptions: DEFAULT_ASSUMPTIONS,
    precision,
    kvPrecision: "fp16",
    tp,
  };
}

describe("inference model", () => {
  it("decodes at batch 1 at about weights / HBM bandwidth (memory bound)", () => {
    const p = pr("bf16");
    const ideal = weightBytesPerGpu(p) / (p.hw.memoryBandwidthGBps * 1e9);
    const itl = decodeStepS(p, 1, 512);
    expect(itl).toBeGreaterThan(ideal);
    expect(itl).toBeLessThan(ideal * 1.6);
  });
  it("halves weight bytes with fp8 and quarters them with int4", () => {
    expect(weightBytesPerGpu(pr("fp8"))).toBeCloseTo(weightBytesPerGpu(pr("bf16")) / 2, 0);
    expect(weightBytesPerGpu(pr("int4"))).toBeCloseTo(weightBytesPerGpu(pr("bf16")) / 4, 0);
  });
  it("sizes the GQA KV cache: 2 x layers x kvHeads x headDim x bytes per token", () => {
    expect(kvBytesPerToken(pr("bf16"))).toBe(2 * 32 * 8 * 128 * 2);
  });
  it("fits fewer sequences as the context grows, more with tensor parallelism", () => {
    expect(maxBatch(pr("bf16"), 8192)).toBeLessThan(maxBatch(pr("bf16"), 1024));
    expect(maxBatch(pr("bf16", 2), 8192)).toBeGreaterThan(maxBatch(pr("bf16"), 8192));
  });
  it("makes prefill compute bound: time grows ~linearly with prompt length", () => {
    const p = pr("bf16");
    expect(prefillS(p, 1, 8192) / prefillS(p, 1, 2048)).toBeGreaterThan(3);
  });
  it("trades latency for throughput with batch size", () => {
    const small = estimateStatic(pr("fp8"), 1, 512, 256);
    const big = estimateStatic(pr("fp8"), 64, 512, 256);
    expect(big.outputTokensPerS).toBeGreaterThan(10 * small.outputTokensPerS);
    expect(big.interTokenLatencyS).toBeGreaterThan(small.interTokenLatencyS);
  });
  it("takes the KV-cache type as an input: fp8 KV halves KV bytes and leaves weight bytes alone", () => {
    const fp16kv = pr("fp8");
    const fp8kv: InferenceProblem = { ...fp16kv, kvPrecision: "fp8" };
    expect(kvBytesPerToken(fp8kv)).toBe(kvBytesPerToken(fp16kv) / 2);
    expect(weightBytesPerGpu(fp8kv)).toBe(weightBytesPerGpu(fp16kv));
    expect(maxBatch(fp8kv, 4096)).toBeGreaterThan(1.9 * maxBatch(fp16kv, 4096));
  });
  it("costs a small-message NVLink all-reduce microseconds, not tens of them", () => {
    const p = pr("bf16", 8, "llama-3-70b");
    const t = tpAllReduceS(p, 8192 * 2);
    expect(t).toBeGreaterThan(2e-6);
    expect(t).toBeLessThan(15e-6);
  });
  it("keeps TP8 communication under 30 % of a batch-1 decode step", () => {
    const p = pr("fp8", 8, "llama-3-70b");
    const comm = 2 * p.shape.layers * tpAllReduceS(p, p.shape.hidden * 2);
    expect(comm / decodeStepS(p, 1, 1024)).toBeLessThan(0.3);
    const parts = estimateStatic(p, 1, 1024, 2).decodeStep;
    expect(parts.commS).toBeCloseTo(comm, 12);
    expect(parts.gemmS + parts.elementwiseS + parts.attentionS + parts.commS + parts.launchS).toBeCloseTo(decodeStepS(p, 1, 1025), 12);
  });
  it("adds a fixed per-request cost to time to first token", () => {
    const p = pr("bf16");
    const est = estimateStatic(p, 1, 16, 2);
    expect(est.ttftS).toBeCloseTo(prefillS(p, 1, 16) + p.assumptions.ttftOverheadS, 9);
    expect(est.ttftS).toBeGreaterThan(p.assumptions.ttftOverheadS);
  });
  it("makes small-batch GEMMs weight-read bound and large-batch ones compute bound", () => {
    const p = pr("bf16");
    expect(gemmS(p, 2)).toBeCloseTo(gemmS(p, 1), 9);
    expect(gemmS(p, 16384) / gemmS(p, 8192)).toBeGreaterThan(1.9);
    // efficiency falls for small M: per-token GEMM time at M = 256 is above the large-M rate
    expect(gemmS(p, 512) / 512).toBeGreaterThan(gemmS(p, 16384) / 16384);
  });
  it("reads the KV cache once per query head with a GQA-unaware decode kernel", () => {
    const p = pr("bf16");
    const legacy: InferenceProblem = { ...p, gqaDecodeKernel: false };
    const ratio = decodeAttentionS(legacy, 64, 4096) / decodeAttentionS(p, 64, 4096);
    expect(ratio).toBeCloseTo(p.shape.heads / p.shape.kvHeads, 5);
  });
  it("raises tokens/s with speculative decoding at acceptance 0.7 and draft length 4", () => {
    const p = pr("bf16");
    const spec: InferenceProblem = { ...p, speculative: { draftTokens: 4, acceptance: 0.7, draftStepRatio: 0.05 } };
    expect(tokensPerStep(spec)).toBeCloseTo((1 - 0.7 ** 5) / 0.3, 9);
    const plain = estimateStatic(p, 1, 512, 256);
    const fast = estimateStatic(spec, 1, 512, 256);
    expect(fast.outputTokensPerS).toBeGreaterThan(1.5 * plain.outputTokensPerS);
    expect(fast.interTokenLatencyS).toBeLessThan(plain.interTokenLatencyS);
  });
  it("lowers time to first token with prefix-cache hits", () => {
    const p = pr("bf16");
    const hit: InferenceProblem = { ...p, prefixHitRate: 0.8 };
    expect(prefillS(hit, 1, 8192)).toBeLessThan(0.4 * prefillS(p, 1, 8192));
    expect(estimateContinuous(hit, 16, 8192, 256).ttftS).toBeLessThan(estimateContinuous(p, 16, 8192, 256).ttftS);
  });
  it("queues clients beyond the KV budget: time to first token grows with the excess (Little's law)", () => {
    const p = pr("bf16", 1, "llama-3-70b");
    const fit = maxBatch({ ...p, tp: 2 }, 5500);
    const q = { ...p, tp: 2 };
    expect(estimateContinuous(q, 2 * fit, 5000, 500).ttftS).toBeGreaterThan(5 * estimateContinuous(q, fit, 5000, 500).ttftS);
  });
  it("streams only the touched experts of an MoE model at small batch, all of them at large batch", () => {
    const p = pr("bf16", 1, "mixtral-8x7b");
    const all = weightBytesPerGpu(p);
    const active = (p.counts.activeParams / p.counts.totalParams) * all;
    expect(weightReadBytesPerGpu(p, 1)).toBeCloseTo(active, -6);
    expect(weightReadBytesPerGpu(p, 256)).toBeCloseTo(all, -6);
    expect(weightReadBytesPerGpu(pr("bf16"), 1)).toBe(weightBytesPerGpu(pr("bf16")));
  });
  it("reproduces TensorRT-LLM's XQA gain: Llama-70B FP8 on one H200, 128/2048, ~2.4x with a GQA-aware kernel", () => {
    const shape = shapeFromModel(catalog.get("llama-2-70b", "ModelArch"), 2176)!;
    const xqa: InferenceProblem = {
      shape,
      counts: countShape(shape),
      hw: hardwareProfile(catalog.get("h200-sxm-141gb", "Accelerator"), catalog),
      assumptions: DEFAULT_ASSUMPTIONS,
      precision: "fp8",
      kvPrecision: "fp8",
      tp: 1,
    };
    const mmha: InferenceProblem = { ...xqa, gqaDecodeKernel: false };
    const b = maxBatch(xqa, 2176);
    const gain = estimateStatic(xqa, b, 128, 2048).outputTokensPerS / estimateStatic(mmha, b, 128, 2048).outputTokensPerS;
    // TensorRT-LLM blog "New XQA-kernel provides 2.4x more Llama-70B throughput": 1,227 → 2,941 tok/s/GPU
    expect(gain).toBeGreaterThan(1.8);
    expect(gain).toBeLessThan(3);
  });
  it("replicates an MLA latent cache on every TP rank and gives MLA decode attention its absorbed FLOPs", () => {
    const p1 = pr("fp8", 1, "deepseek-v3");
    const p8 = pr("fp8", 8, "deepseek-v3");
    expect(kvBytesPerToken(p8)).toBe(kvBytesPerToken(p1));
    expect(kvBytesPerToken(p1)).toBe(61 * (512 + 64) * 2);
    // on one A100 (all 128 heads) the absorbed latent attention does ~240 FLOPs per 16-bit cached byte, above the
    // chip's attention ridge: math, not bytes, sets the time; over TP8 the same bytes carry 1/8 of the math
    const a100 = hardwareProfile(catalog.get("a100-sxm4-80gb", "Accelerator"), catalog);
    const one: InferenceProblem = { ...p1, hw: a100, kvPrecision: "bf16" };
    const eight: InferenceProblem = { ...one, tp: 8 };
    expect(decodeAttentionS(one, 256, 32768)).toBeGreaterThan(1.5 * decodeAttentionS(eight, 256, 32768));
  });
  it("prices element-wise work per token, with the FP8 casts only when the GEMMs run in FP8", () => {
    const b16 = pr("bf16");
    const f8 = pr("fp8");
    expect(elementwiseS(b16, 2048)).toBeCloseTo(2 * elementwiseS(b16, 1024), 12);
    expect(elementwiseS(f8, 1024)).toBeGreaterThan(elementwiseS(b16, 1024));
    // at prefill sizes the GEMMs dominate: element-wise work is a few percent of a 2K-token prefill of an 8B model
    const share = elementwiseS(b16, 2048) / prefillS(b16, 1, 2048);
    expect(share).toBeGreaterThan(0.005);
    expect(share).toBeLessThan(0.2);
  });
});

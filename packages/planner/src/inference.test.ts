import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile, type Precision } from "./hardware.js";
import { decodeStepS, estimateStatic, kvBytesPerToken, maxBatch, prefillS, weightBytesPerGpu, type InferenceProblem } from "./inference.js";
import { countShape, shapeFromModel } from "./shape.js";

const catalog = defaultCatalog();
function pr(precision: Precision, tp = 1): InferenceProblem {
  const shape = shapeFromModel(catalog.get("llama-3-8b", "ModelArch"), 4096)!;
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
});

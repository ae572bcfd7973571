import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { attentionFwdFlops, flashAttentionS, flashEfficiency, legacyAttentionS } from "./attention.js";
import { gemmCurve } from "./gemm.js";
import { hardwareProfile } from "./hardware.js";

const catalog = defaultCatalog();
const h100 = hardwareProfile(catalog.get("h100-sxm5-80gb", "Accelerator"), catalog);
const a = DEFAULT_ASSUMPTIONS;
const shape = { tokens: 8192, seqLen: 8192, heads: 16, headDim: 128, causal: true };

describe("attention kernel", () => {
  it("halves the score FLOPs with causal masking", () => {
    const full = attentionFwdFlops({ ...shape, causal: false });
    expect(attentionFwdFlops(shape) / full).toBeCloseTo(0.5, 3);
  });
  it("runs backward at 2.5x the forward FLOPs and at a lower efficiency", () => {
    const t = flashAttentionS(h100, a, shape);
    expect(t.bwd / t.fwd).toBeGreaterThan(2.5);
    const e = flashEfficiency(h100, a, shape);
    expect(e.bwd).toBeLessThan(e.fwd);
  });
  it("is less efficient on short causal sequences and small heads", () => {
    const long = flashEfficiency(h100, a, shape).fwd;
    expect(flashEfficiency(h100, a, { ...shape, seqLen: 512 }).fwd).toBeLessThan(0.8 * long);
    expect(flashEfficiency(h100, a, { ...shape, headDim: 64 }).fwd).toBeLessThan(long);
  });
  it("runs FlashAttention-2 slower than FA3/cuDNN on Hopper", () => {
    expect(flashAttentionS(h100, a, shape, 2).fwd).toBeGreaterThan(1.4 * flashAttentionS(h100, a, shape, 3).fwd);
  });
  it("costs more without FlashAttention (materialised scores, memory-bound softmax)", () => {
    const c16 = gemmCurve(h100, "bf16", a);
    const legacy = legacyAttentionS(c16, h100, a, { ...shape, causal: false });
    const flash = flashAttentionS(h100, a, shape);
    expect(legacy.fwd + legacy.bwd).toBeGreaterThan(flash.fwd + flash.bwd);
  });
});

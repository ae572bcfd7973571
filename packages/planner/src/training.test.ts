import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile } from "./hardware.js";
import type { ParallelConfig, TrainingOptions } from "./parallel.js";
import { countShape, shapeFromModel } from "./shape.js";
import { estimateTraining, type TrainingProblem } from "./training.js";

const catalog = defaultCatalog();
function problem(model: string, acc: string, options: Partial<TrainingOptions> = {}): TrainingProblem {
  const shape = shapeFromModel(catalog.get(model, "ModelArch"), 4096)!;
  return {
    shape,
    counts: countShape(shape),
    hw: hardwareProfile(catalog.get(acc, "Accelerator"), catalog),
    options: { precision: "bf16", finetune: "full", flashAttention: true, fp32Grads: true, ...options },
    assumptions: DEFAULT_ASSUMPTIONS,
  };
}
const cfg: ParallelConfig = {
  tp: 8,
  pp: 4,
  dp: 8,
  cp: 1,
  ep: 1,
  vp: 1,
  microBatch: 1,
  globalBatch: 512,
  recompute: "selective",
  sequenceParallel: true,
  zeroStage: 1,
};

describe("training step model", () => {
  const pr = problem("llama-2-70b", "h100-sxm5-80gb");
  const e = estimateTraining(pr, cfg);

  it("reports a step no shorter than its parts and MFU below 1", () => {
    const parts = Object.values(e.breakdown).reduce((s, x) => s + x, 0);
    expect(e.stepTimeS).toBeCloseTo(parts, 6);
    expect(e.mfu).toBeGreaterThan(0.2);
    expect(e.mfu).toBeLessThan(1);
    expect(e.tokensPerS).toBeCloseTo((512 * 4096) / e.stepTimeS, 3);
  });

  it("counts recomputation as hardware FLOPs: HFU > MFU with full recompute, and it is slower", () => {
    const full = estimateTraining(pr, { ...cfg, recompute: "full" });
    expect(full.hfu).toBeGreaterThan(full.mfu * 1.25);
    expect(full.stepTimeS).toBeGreaterThan(e.stepTimeS);
    expect(full.memory.activationsBytes).toBeLessThan(e.memory.activationsBytes);
  });

  it("shrinks the pipeline bubble with more micro-batches and with interleaving", () => {
    const few = estimateTraining(pr, { ...cfg, globalBatch: 64 });
    const inter = estimateTraining(pr, { ...cfg, globalBatch: 64, vp: 5 });
    expect(few.breakdown.pipelineBubbleS / few.stepTimeS).toBeGreaterThan(e.breakdown.pipelineBubbleS / e.stepTimeS);
    expect(inter.breakdown.pipelineBubbleS).toBeLessThan(few.breakdown.pipelineBubbleS);
  });

  it("runs faster with FP8 GEMMs and on a faster accelerator", () => {
    expect(estimateTraining(problem("llama-2-70b", "h100-sxm5-80gb", { precision: "fp8" }), cfg).stepTimeS).toBeLessThan(e.stepTimeS);
    expect(estimateTraining(problem("llama-2-70b", "a100-sxm4-80gb"), cfg).stepTimeS).toBeGreaterThan(e.stepTimeS);
  });

  it("pays for ZeRO-3 parameter gathers", () => {
    const z3 = estimateTraining(pr, { ...cfg, zeroStage: 3 });
    expect(z3.breakdown.zeroGatherS).toBeGreaterThan(0);
    expect(z3.memory.weightsBytes).toBeLessThan(e.memory.weightsBytes);
  });

  it("charges expert all-to-all for a mixture-of-experts model only", () => {
    const moe = problem("mixtral-8x7b", "h100-sxm5-80gb");
    const m = estimateTraining(moe, { ...cfg, tp: 1, pp: 1, dp: 64, ep: 8, globalBatch: 256 });
    expect(m.breakdown.expertAllToAllS).toBeGreaterThan(0);
    expect(e.breakdown.expertAllToAllS).toBe(0);
    expect(m.modelFlopsPerToken).toBeLessThan(6 * moe.counts.totalParams);
  });
});

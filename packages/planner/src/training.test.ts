import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile } from "./hardware.js";
import type { ParallelConfig, TrainingOptions } from "./parallel.js";
import { countShape, shapeFromModel } from "./shape.js";
import { modelCost } from "./compute.js";
import { estimateTraining, hardwareFlopsPerToken, modelFlopsPerToken, tflopsUnder, type TrainingProblem } from "./training.js";

const catalog = defaultCatalog();
function problem(model: string, acc: string, options: Partial<TrainingOptions> = {}, seqLen = 4096): TrainingProblem {
  const shape = shapeFromModel(catalog.get(model, "ModelArch"), seqLen)!;
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

  it("gains from FP8 on the GEMMs only: faster than BF16 but well below 2x", () => {
    const big = { ...cfg, microBatch: 2, globalBatch: 1024, recompute: "none" as const };
    const bf16 = estimateTraining(problem("llama-3.1-405b", "h100-sxm5-80gb"), { ...big, pp: 16, dp: 8 });
    const fp8 = estimateTraining(problem("llama-3.1-405b", "h100-sxm5-80gb", { precision: "fp8" }), { ...big, pp: 16, dp: 8 });
    const speedup = bf16.stepTimeS / fp8.stepTimeS;
    expect(speedup).toBeGreaterThan(1.2);
    expect(speedup).toBeLessThan(2);
    // the attention kernel and the logits stay 16-bit
    const b = modelCost(problem("llama-3.1-405b", "h100-sxm5-80gb"), 8192, 8, 1, true);
    const f = modelCost(problem("llama-3.1-405b", "h100-sxm5-80gb", { precision: "fp8" }), 8192, 8, 1, true);
    expect(f.dense.attnFwd).toBe(b.dense.attnFwd);
    expect(f.logits).toBe(b.logits);
    expect(f.dense.gemmFwd).toBeLessThan(b.dense.gemmFwd / 1.4);
  });

  it("gives attention a growing share of the layer at long context", () => {
    const share = (seq: number): number => {
      const c = modelCost(problem("llama-2-70b", "h100-sxm5-80gb", {}, seq), seq, 8, 1, true).dense;
      return (c.attnFwd + c.attnBwd) / (c.fwd + c.bwd);
    };
    expect(share(32768)).toBeGreaterThan(2 * share(4096));
  });

  it("never gets slower with an overlap mode switched on", () => {
    const moe = problem("mixtral-8x7b", "h100-sxm5-80gb");
    const cases: [TrainingProblem, ParallelConfig][] = [
      [pr, cfg],
      [pr, { ...cfg, sequenceParallel: false, recompute: "full" }],
      [pr, { ...cfg, tp: 4, dp: 16, microBatch: 4, globalBatch: 1024 }],
      [moe, { ...cfg, tp: 2, pp: 1, dp: 32, ep: 8, globalBatch: 256 }],
    ];
    for (const [prob, c] of cases) {
      const none = estimateTraining(prob, { ...c, tpOverlap: "none", dpOverlap: false, epOverlap: false }).stepTimeS;
      for (const tpOverlap of ["none", "pipelined", "ring"] as const)
        for (const dpOverlap of [false, true])
          for (const epOverlap of [false, true])
            expect(estimateTraining(prob, { ...c, tpOverlap, dpOverlap, epOverlap }).stepTimeS).toBeLessThanOrEqual(none * (1 + 1e-12));
    }
    expect(estimateTraining(pr, { ...cfg, tpOverlap: "pipelined" }).stepTimeS).toBeLessThan(estimateTraining(pr, cfg).stepTimeS);
  });

  it("is slower when the tensor-parallel group is laid across nodes (rank order)", () => {
    const good = estimateTraining(pr, { ...cfg, rankOrder: ["tp", "cp", "dp", "pp"] });
    const bad = estimateTraining(pr, { ...cfg, rankOrder: ["dp", "cp", "tp", "pp"] });
    expect(bad.breakdown.tensorParallelCommS).toBeGreaterThan(3 * good.breakdown.tensorParallelCommS);
    expect(bad.stepTimeS).toBeGreaterThan(good.stepTimeS);
  });

  it("paces an uneven pipeline by its slowest stage", () => {
    const p405 = problem("llama-3.1-405b", "h100-sxm5-80gb", {}, 8192);
    const c: ParallelConfig = { ...cfg, pp: 16, dp: 128, globalBatch: 2048, recompute: "none" };
    const e = estimateTraining(p405, c);
    expect(e.stageLayers).toEqual([7, ...Array<number>(14).fill(8), 7]);
    const tMax = Math.max(...e.stageTimesS);
    // the 8-layer stages are the slowest; the 7-layer first/last stages carry the embedding / logits + loss
    expect(e.stageTimesS[1]).toBeCloseTo(tMax, 9);
    expect(e.stageTimesS[15]!).toBeGreaterThan(e.stageTimesS[0]!);
    const sum = e.stageTimesS.reduce((x, y) => x + y, 0);
    expect(e.breakdown.pipelineBubbleS).toBeCloseTo(sum - tMax, 9);
    const inter = estimateTraining(p405, { ...c, vp: 7, firstStageLayers: 7, lastStageLayers: 7 });
    expect(inter.breakdown.pipelineBubbleS).toBeLessThan(e.breakdown.pipelineBubbleS / 5);
  });

  it("reduce-scatters gradients every micro-batch with ZeRO-2 and pays MoE imbalance", () => {
    const z1 = estimateTraining(pr, { ...cfg, dpOverlap: false });
    const z2 = estimateTraining(pr, { ...cfg, zeroStage: 2, dpOverlap: false });
    expect(z2.breakdown.dataParallelCommS).toBeGreaterThan(10 * z1.breakdown.dataParallelCommS);
    const moe = problem("mixtral-8x7b", "h100-sxm5-80gb");
    const mc: ParallelConfig = { ...cfg, tp: 1, pp: 1, dp: 64, ep: 8, globalBatch: 256 };
    const even = estimateTraining({ ...moe, assumptions: { ...moe.assumptions, moeLoadImbalance: 1 } }, mc);
    const skew = estimateTraining({ ...moe, assumptions: { ...moe.assumptions, moeLoadImbalance: 1.4 } }, mc);
    expect(skew.stepTimeS).toBeGreaterThan(even.stepTimeS);
  });

  it("counts FLOPs under a source's convention", () => {
    const full = { ...cfg, recompute: "full" as const };
    const e = estimateTraining(pr, full);
    const causal = modelFlopsPerToken(pr.counts, pr.options, { causalAttention: true, includeRecompute: false });
    expect(modelFlopsPerToken(pr.counts, pr.options) - causal).toBeCloseTo(1.5 * pr.counts.attnScoreFlops, 0);
    expect(tflopsUnder(e, pr, full, { causalAttention: false, includeRecompute: true })).toBeCloseTo(e.hardwareTflopsPerGpu, 6);
    expect(tflopsUnder(e, pr, full, { causalAttention: false, includeRecompute: false })).toBeCloseTo(e.modelTflopsPerGpu, 6);
    const half = hardwareFlopsPerToken(pr.counts, { ...full, recomputeLayers: 10 }, pr.options, undefined, 20);
    expect(half).toBeCloseTo(modelFlopsPerToken(pr.counts, pr.options) + 0.5 * (pr.counts.layerMatmulFlops + pr.counts.attnScoreFlops), 0);
  });
});

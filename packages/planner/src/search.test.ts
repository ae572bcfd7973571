import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile } from "./hardware.js";
import { gpuCount } from "./parallel.js";
import { searchParallelism } from "./search.js";
import { countShape, shapeFromModel } from "./shape.js";
import type { TrainingProblem } from "./training.js";

const catalog = defaultCatalog();
const shape = shapeFromModel(catalog.get("llama-3-70b", "ModelArch"), 8192)!;
const pr: TrainingProblem = {
  shape,
  counts: countShape(shape),
  hw: hardwareProfile(catalog.get("h100-sxm5-80gb", "Accelerator"), catalog),
  options: { precision: "bf16", finetune: "full", flashAttention: true, fp32Grads: true },
  assumptions: DEFAULT_ASSUMPTIONS,
};

describe("parallelism search", () => {
  const r = searchParallelism(pr, { gpus: 1024, globalBatch: 2048 }, 5);

  it("returns legal, fitting configurations ranked by step time", () => {
    expect(r.top.length).toBe(5);
    expect(r.evaluated).toBe(r.feasible + r.prunedMemory);
    for (const t of r.top) {
      expect(gpuCount(t.parallel)).toBe(1024);
      expect(shape.heads % t.parallel.tp).toBe(0);
      expect(2048 % (t.parallel.dp * t.parallel.microBatch)).toBe(0);
      expect(t.estimate.memory.totalBytes).toBeLessThanOrEqual(pr.hw.memoryBytes);
      expect(t.reasons.length).toBeGreaterThan(1);
    }
    for (let i = 1; i < r.top.length; i++) expect(r.top[i]!.estimate.stepTimeS).toBeGreaterThanOrEqual(r.top[i - 1]!.estimate.stepTimeS);
  });

  it("prunes what cannot fit: 70B without model parallelism on 80 GB GPUs", () => {
    const dpOnly = searchParallelism(pr, { gpus: 1024, globalBatch: 2048, tp: [1], pp: [1], zeroStage: [0] }, 5);
    expect(dpOnly.top.length).toBe(0);
    expect(dpOnly.prunedMemory).toBe(dpOnly.evaluated);
  });

  it("finds nothing better than its best among the configurations it returns (deterministic)", () => {
    const again = searchParallelism(pr, { gpus: 1024, globalBatch: 2048 }, 5);
    expect(again.top.map((t) => t.parallel)).toEqual(r.top.map((t) => t.parallel));
  });
});

import { describe, expect, it } from "vitest";
import type { ParallelConfig } from "./parallel.js";
import { checkStageLayout, chunkLayers, stageLayout } from "./pipeline.js";
import type { TransformerShape } from "./shape.js";

function shape(layers: number): TransformerShape {
  return {
    name: `t${layers}`,
    layers,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    ffnHidden: 14336,
    ffnMatrices: 3,
    vocab: 128256,
    seqLen: 8192,
    tiedEmbeddings: false,
  };
}
const base: ParallelConfig = {
  tp: 8,
  pp: 16,
  dp: 128,
  cp: 1,
  ep: 1,
  vp: 1,
  microBatch: 1,
  globalBatch: 2048,
  recompute: "none",
  sequenceParallel: true,
  zeroStage: 1,
};
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe("stageLayout", () => {
  it("splits evenly when pp divides the layers", () => {
    const s = stageLayout(shape(96), { ...base, pp: 8 });
    expect(s.rule).toBe("even");
    expect(s.layers).toEqual(new Array(8).fill(12));
  });
  it("gives Llama 3.1 405B (126 layers, pp 16) one layer fewer on the first and last stage", () => {
    const s = stageLayout(shape(126), base);
    expect(s.rule).toBe("embedding-loss-as-layers");
    expect(s.layers[0]).toBe(7);
    expect(s.layers[15]).toBe(7);
    expect(s.layers.slice(1, 15)).toEqual(new Array(14).fill(8));
    expect(s.maxLayers).toBe(8);
    expect(checkStageLayout(shape(126), base)).toEqual([]);
  });
  it("gives DeepSeek-V3 (61 layers, pp 16) a legal layout that holds every layer", () => {
    const s = stageLayout(shape(61), base);
    expect(sum(s.layers)).toBe(61);
    expect(Math.min(...s.layers)).toBeGreaterThanOrEqual(1);
    expect(s.maxLayers - Math.min(...s.layers)).toBeLessThanOrEqual(2);
    expect(checkStageLayout(shape(61), base)).toEqual([]);
  });
  it("uses stated first/last stage counts and spreads the rest, extra layers on the later stages", () => {
    const s = stageLayout(shape(61), { ...base, pp: 8, firstStageLayers: 5, lastStageLayers: 6 });
    expect(s.rule).toBe("stated");
    expect(s.layers).toEqual([5, 8, 8, 8, 8, 9, 9, 6]);
    expect(sum(s.layers)).toBe(61);
  });
  it("places the embedding on the first stage and the loss on the last", () => {
    const s = stageLayout(shape(126), base);
    expect(s.embeddingStage).toBe(0);
    expect(s.lossStage).toBe(15);
  });
  it("splits a stage's layers over vp chunks", () => {
    expect(chunkLayers(7, 2)).toEqual([3, 4]);
    expect(sum(chunkLayers(8, 3))).toBe(8);
  });
});

describe("checkStageLayout", () => {
  it("names the field of stated counts that do not add up", () => {
    const issues = checkStageLayout(shape(32), { ...base, pp: 2, firstStageLayers: 10, lastStageLayers: 10 });
    expect(issues.map((i) => i.path)).toEqual(["parallelism.firstStageLayers"]);
  });
  it("rejects stated counts that leave too few layers for the middle stages", () => {
    const issues = checkStageLayout(shape(32), { ...base, pp: 8, firstStageLayers: 20, lastStageLayers: 8 });
    expect(issues).toHaveLength(1);
  });
  it("rejects a vp that leaves a stage chunk without a layer", () => {
    const issues = checkStageLayout(shape(126), { ...base, vp: 8 });
    expect(issues.map((i) => i.path)).toEqual(["parallelism.vp"]);
  });
  it("rejects pp larger than the layer count and non-positive stated counts", () => {
    expect(checkStageLayout(shape(4), { ...base, pp: 8 })[0]?.path).toBe("parallelism.pp");
    expect(checkStageLayout(shape(32), { ...base, pp: 4, lastStageLayers: 0 }, "p")[0]?.path).toBe("p.lastStageLayers");
  });
});

import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { countShape, forwardFlopsPerSample, shapeFromModel } from "./shape.js";

const catalog = defaultCatalog();

describe("transformer counts", () => {
  it.each(["llama-3.1-405b", "llama-2-70b", "gpt-3-175b", "llama-3-8b", "mixtral-8x7b"])(
    "parameter count of %s is within 2% of the catalog",
    (id) => {
      const model = catalog.get(id, "ModelArch");
      const shape = shapeFromModel(model);
      expect(shape).toBeDefined();
      const c = countShape(shape!);
      expect(Math.abs(c.totalParams - model.params) / model.params).toBeLessThan(0.02);
    },
  );

  it("counts DeepSeek-V3 active parameters (MLA + 8 of 256 experts) near the published 37B", () => {
    const model = catalog.get("deepseek-v3", "ModelArch");
    const c = countShape(shapeFromModel(model)!);
    expect(Math.abs(c.activeParams - 37e9) / 37e9).toBeLessThan(0.1);
    expect(Math.abs(c.totalParams - 671e9) / 671e9).toBeLessThan(0.05);
  });

  it("uses the Megatron FLOP formula: forward = 24 l h^2 (1 + s/6h) + 2 V h per token for a GPT block", () => {
    const shape = {
      name: "gpt",
      layers: 24,
      hidden: 2048,
      heads: 16,
      kvHeads: 16,
      headDim: 128,
      ffnHidden: 8192,
      ffnMatrices: 2 as const,
      vocab: 51200,
      seqLen: 2048,
      tiedEmbeddings: false,
    };
    const c = countShape(shape);
    const { layers: l, hidden: h, seqLen: s, vocab: V } = shape;
    const megatron = 24 * l * h * h * (1 + s / (6 * h)) + 2 * V * h;
    // our count adds the 4h layer-norm parameters per layer (tiny)
    expect(Math.abs(c.forwardFlops - megatron) / megatron).toBeLessThan(0.001);
  });

  it("counts the reference LSTM's FLOPs from its gates", () => {
    const lstm = catalog.get("imdb-sentiment-lstm", "ModelArch");
    // 4 gates x 64 units x (32 + 64) inputs x 2 FLOPs x 500 steps + the dense output
    expect(forwardFlopsPerSample(lstm)).toBe(2 * 4 * 64 * 96 * 500 + 2 * 64);
  });
});

import { describe, expect, it } from "vitest";
import { activationBytesPerLayer, trainingMemory } from "./memory.js";
import { countShape, type TransformerShape } from "./shape.js";

// GPT-3 175B as in Korthikanti et al. (Table 3): s=2048, h=12288, a=96, t=8
const gpt175: TransformerShape = {
  name: "gpt-175b",
  layers: 96,
  hidden: 12288,
  heads: 96,
  kvHeads: 96,
  headDim: 128,
  ffnHidden: 49152,
  ffnMatrices: 2,
  vocab: 51200,
  seqLen: 2048,
  tiedEmbeddings: false,
};
const sbh = 2048 * 12288;

describe("activation memory (Korthikanti et al. 2023, Table 2)", () => {
  it("matches sbh(10 + 24/t + 5as/ht) without recomputation or sequence parallelism", () => {
    const expected = sbh * (10 + 24 / 8 + (5 * 96 * 2048) / (12288 * 8));
    expect(activationBytesPerLayer(gpt175, 2048, 8, "none", false, false)).toBeCloseTo(expected, 0);
  });
  it("matches sbh * 34/t with sequence parallelism and selective recomputation", () => {
    expect(activationBytesPerLayer(gpt175, 2048, 8, "selective", true, false)).toBeCloseTo((sbh * 34) / 8, 0);
  });
  it("keeps only the 2sbh layer input with full recomputation", () => {
    expect(activationBytesPerLayer(gpt175, 2048, 8, "full", false, false)).toBe(2 * sbh);
  });
  it("drops the attention-score term with FlashAttention", () => {
    expect(activationBytesPerLayer(gpt175, 2048, 8, "none", false, true)).toBeCloseTo(sbh * (10 + 24 / 8), 0);
  });
});

describe("training memory per GPU", () => {
  const c = countShape(gpt175);
  const base = {
    tp: 8,
    pp: 8,
    dp: 8,
    cp: 1,
    ep: 1,
    vp: 1,
    microBatch: 1,
    globalBatch: 512,
    recompute: "full",
    sequenceParallel: true,
    zeroStage: 0,
  } as const;
  const opts = { precision: "bf16", finetune: "full", flashAttention: true, fp32Grads: true } as const;
  it("holds 18 bytes per parameter without ZeRO (16-bit weights, fp32 grads, master and Adam)", () => {
    const m = trainingMemory(gpt175, c, base, opts);
    expect((m.weightsBytes + m.gradsBytes + m.optimizerBytes) / m.paramsPerGpu).toBeCloseTo(18, 6);
  });
  it("shards optimizer, gradients and weights with ZeRO stages 1, 2 and 3", () => {
    const z = [0, 1, 2, 3].map((zeroStage) => trainingMemory(gpt175, c, { ...base, zeroStage: zeroStage as 0 | 1 | 2 | 3 }, opts));
    expect(z[1]!.optimizerBytes).toBeCloseTo(z[0]!.optimizerBytes / 8, 0);
    expect(z[2]!.gradsBytes).toBeCloseTo(z[0]!.gradsBytes / 8, 0);
    expect(z[3]!.weightsBytes).toBeCloseTo(z[0]!.weightsBytes / 8, 0);
    for (let i = 1; i < 4; i++) expect(z[i]!.totalBytes).toBeLessThan(z[i - 1]!.totalBytes + 1);
  });
  it("keeps pp micro-batches in flight on the first stage and more with interleaving", () => {
    const plain = trainingMemory(gpt175, c, { ...base, recompute: "none" }, opts).activationsBytes;
    const interleaved = trainingMemory(gpt175, c, { ...base, recompute: "none", vp: 3 }, opts).activationsBytes;
    expect(plain).toBeCloseTo(activationBytesPerLayer(gpt175, 2048, 8, "none", true, true) * 12 * 8, 0);
    expect(interleaved / plain).toBeCloseTo(1 + 7 / 24, 6);
  });
});

import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile, memoryBytesOf } from "./hardware.js";
import { activationBytesPerLayer, inFlightMicroBatches, trainingMemory, usableMemoryBytes } from "./memory.js";
import type { ParallelConfig, TrainingOptions } from "./parallel.js";
import { countShape, shapeFromModel, type TransformerShape } from "./shape.js";

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
  it("keeps 1-byte copies of the FP8 GEMM inputs: norm outputs and the fc2 input halve, the projection input adds one", () => {
    // GPT-3: F = 4h. Replicated 10 → 8 (QKV and fc1 inputs), TP part 24 → 24 + 1 − 4 = 21
    const fp8 = activationBytesPerLayer(gpt175, 2048, 8, "none", false, true, true, true);
    expect(fp8).toBeCloseTo(sbh * (8 + 21 / 8), 0);
    expect(activationBytesPerLayer(gpt175, 2048, 8, "full", false, true, true, true)).toBe(2 * sbh);
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

describe("memory per pipeline stage", () => {
  const catalog = defaultCatalog();
  const model = (id: string): TransformerShape =>
    shapeFromModel(
      catalog.models.find((x) => x.id === id)!,
      8192,
    )!;
  const h100 = hardwareProfile(
    catalog.accelerators.find((x) => x.id === "h100-sxm5-80gb")!,
    catalog,
  );
  const bf16: TrainingOptions = { precision: "bf16", finetune: "full", flashAttention: true, fp32Grads: false, dropout: false };
  // Llama 3 paper §3.3: TP8 CP1 PP16 DP128 at 8K, 16M-token batch, FSDP without resharding after forward (weights
  // whole during the step, gradients and optimizer state sharded = ZeRO-2), no activation recomputation at 8K.
  const meta: ParallelConfig = {
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
    zeroStage: 2,
  };
  it("fits Meta's Llama 3.1 405B layout in an 80 GB H100 after the reserve, on every stage", () => {
    const s = model("llama-3.1-405b");
    const m = trainingMemory(s, countShape(s), meta, bf16);
    const usable = usableMemoryBytes(h100, DEFAULT_ASSUMPTIONS);
    expect(m.stages.map((x) => x.layers)).toEqual([7, ...new Array(14).fill(8), 7]);
    expect(m.stage).toBe(1); // 8 layers with 15 micro-batches in flight outweigh stage 0's 7 layers × 16 + embedding
    expect(m.totalBytes).toBeLessThan(usable);
    expect(usable).toBeLessThan(h100.memoryBytes - 4e9);
    for (const st of m.stages) expect(st.totalBytes).toBeLessThanOrEqual(m.totalBytes);
  });
  it("would not fit the same layout with unsharded 16-bit gradients and dropout masks", () => {
    const s = model("llama-3.1-405b");
    const m = trainingMemory(s, countShape(s), { ...meta, zeroStage: 1 }, { ...bf16, dropout: true });
    expect(m.totalBytes).toBeGreaterThan(usableMemoryBytes(h100, DEFAULT_ASSUMPTIONS));
  });
  it("holds pp − i micro-batches on stage i (1F1B) and more with interleaving", () => {
    expect([0, 1, 15].map((i) => inFlightMicroBatches(i, 16, 1, 64))).toEqual([16, 15, 1]);
    expect(inFlightMicroBatches(0, 16, 1, 4)).toBe(4);
    expect(inFlightMicroBatches(0, 8, 3, 64)).toBeCloseTo(8 * (1 + 7 / 24), 9);
    expect(inFlightMicroBatches(7, 8, 2, 64)).toBeLessThan(inFlightMicroBatches(0, 8, 2, 64));
  });
  it("puts the logits on the last stage only", () => {
    const s = model("llama-3.1-405b");
    const m = trainingMemory(s, countShape(s), meta, bf16);
    expect(m.stages[15]!.buffersBytes).toBeGreaterThan(0);
    expect(m.stages[0]!.buffersBytes).toBe(0);
  });
  it("recomputes only recomputeLayers layers of each stage", () => {
    const s = model("llama-3.1-405b");
    const c = countShape(s);
    const act = (p: Partial<ParallelConfig>): number => trainingMemory(s, c, { ...meta, ...p }, bf16).stages[1]!.activationsBytes;
    const none = act({});
    const full = act({ recompute: "full" });
    const half = act({ recompute: "full", recomputeLayers: 4 });
    expect(half).toBeCloseTo((none + full) / 2, -3);
    expect(act({ recompute: "full", recomputeLayers: 99 })).toBe(full);
  });
  describe("DeepSeek-V3 (61 layers, 256 experts) with pp 16", () => {
    const s = shapeFromModel(
      catalog.models.find((x) => x.id === "deepseek-v3")!,
      4096,
    )!;
    const c = countShape(s);
    const p: ParallelConfig = { ...meta, tp: 1, pp: 16, dp: 128, ep: 64, globalBatch: 4096, zeroStage: 1 };
    it("lays out every layer and shards the expert optimizer state over dp·cp/ep", () => {
      const m = trainingMemory(s, c, p, bf16);
      expect(m.stages.reduce((a, x) => a + x.layers, 0)).toBe(61);
      expect(m.expertParamsPerGpu).toBeGreaterThan(0);
      // a middle stage (4 MoE layers) holds experts/ep of each layer; without ZeRO the optimizer state shrinks with ep
      const noZero = (ep: number): number => trainingMemory(s, c, { ...p, ep, zeroStage: 0 }, bf16).optimizerBytes;
      expect(noZero(64)).toBeLessThan(noZero(8) / 2);
      const mid = (ep: number): number => trainingMemory(s, c, { ...p, ep }, bf16).stages[5]!.paramsPerGpu;
      const routedPerLayer = s.ffnMatrices * s.hidden * s.moe!.expertFfnHidden * s.moe!.experts;
      expect(mid(8) - mid(64)).toBeCloseTo(4 * routedPerLayer * (1 / 8 - 1 / 64), -3);
      // ZeRO-1 shards expert state over dp/ep = 2 ranks, not over dp = 128
      const dense = m.denseParamsPerGpu * 12;
      expect(m.optimizerBytes).toBeCloseTo(dense / 128 + (m.expertParamsPerGpu * 12) / 2, -3);
    });
    it("stashes the dispatched top-k token copies and router probabilities of each MoE layer", () => {
      const m = trainingMemory(s, c, p, bf16);
      const perLayer = activationBytesPerLayer(s, 4096, 1, "none", true, true, false);
      const dispatch = 4096 * (2 * 8 * s.hidden + 4 * 256);
      // stage 5: four MoE layers, 16 − 5 = 11 micro-batches in flight
      expect(m.stages[5]!.activationsBytes).toBeCloseTo(4 * 11 * (perLayer + dispatch), -3);
      // full recomputation of the whole stage keeps only the layer inputs
      const full = trainingMemory(s, c, { ...p, recompute: "full" }, bf16).stages[5]!.activationsBytes;
      expect(full).toBeCloseTo(4 * 11 * 2 * 4096 * s.hidden, -3);
    });
    it("keeps the three dense leading layers free of expert weights", () => {
      const m = trainingMemory(s, c, p, bf16);
      expect(m.stages[0]!.layers).toBeLessThanOrEqual(3);
      const first = m.stages[0]!;
      const dense = first.layers * (c.attnParamsPerLayer + c.denseMlpParamsPerLayer) + s.vocab * s.hidden;
      expect(first.paramsPerGpu).toBeCloseTo(dense, -3);
    });
  });
  it("shards gradients with ZeRO-2 and moves bytes off the device with each offload", () => {
    const s = model("llama-3.1-405b");
    const c = countShape(s);
    const z1 = trainingMemory(s, c, { ...meta, zeroStage: 1 }, { ...bf16, fp32Grads: true });
    const z2 = trainingMemory(s, c, meta, { ...bf16, fp32Grads: true });
    expect(z2.gradsBytes).toBeCloseTo(z1.gradsBytes / 128, -3);
    const opt = trainingMemory(s, c, { ...meta, offloadOptimizer: true }, bf16);
    expect(opt.optimizerBytes).toBe(0);
    expect(opt.hostOptimizerBytes).toBeGreaterThan(0);
    const w = trainingMemory(s, c, { ...meta, offloadWeights: true }, bf16);
    expect(w.weightsBytes).toBeCloseTo(trainingMemory(s, c, meta, bf16).weightsBytes / 4, -3);
    expect(w.hostWeightsBytes).toBeGreaterThan(0);
    const act = trainingMemory(s, c, { ...meta, offloadActivations: true }, bf16);
    expect(act.activationsBytes).toBeLessThan(z2.activationsBytes / 10);
    expect(act.hostActivationsBytes).toBeGreaterThan(0);
  });
  it("adds FP8 weight caches (copy and transpose) for low-precision GEMMs", () => {
    const s = model("llama-3.1-405b");
    const c = countShape(s);
    const fp8 = trainingMemory(s, c, meta, { ...bf16, precision: "fp8" });
    const b = trainingMemory(s, c, meta, bf16);
    expect(fp8.buffersBytes - b.buffersBytes).toBeCloseTo(2 * fp8.paramsPerGpu, -8);
  });
  it("subtracts the reserve and the fragmentation share from device memory", () => {
    expect(usableMemoryBytes(h100, { memoryReserveGB: 2, memoryFragmentation: 0.05 })).toBeCloseTo(80 * 2 ** 30 * 0.95 - 2e9, 0);
  });
  it("reads HBM capacities in GiB and GDDR capacities (less their ECC share) in GB", () => {
    // nvidia-smi totals: H100 SXM 80GB 81559 MiB, A100 80GB 81920 MiB; L4 24GB 23034 MiB with ECC on
    expect(memoryBytesOf({ memoryGB: 80, memoryType: "HBM3", formFactor: "sxm" })).toBe(80 * 2 ** 30);
    expect(
      Math.abs(memoryBytesOf({ memoryGB: 80, memoryType: "HBM3", formFactor: "sxm" }) - 81559 * 2 ** 20) / (81559 * 2 ** 20),
    ).toBeLessThan(0.01);
    expect(memoryBytesOf({ memoryGB: 32, memoryType: "HBM2", formFactor: "tpu" })).toBe(32 * 2 ** 30);
    const l4 = memoryBytesOf({ memoryGB: 24, memoryType: "GDDR6", formFactor: "pcie" });
    expect(Math.abs(l4 - 23034 * 2 ** 20) / l4).toBeLessThan(0.01);
  });
});

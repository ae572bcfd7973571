import type { Assumptions } from "./assumptions.js";
import type { HardwareProfile } from "./hardware.js";
import type { ParallelConfig, TrainingOptions } from "./parallel.js";
import { stageLayout } from "./pipeline.js";
import type { ShapeCounts, TransformerShape } from "./shape.js";

/** Bytes per parameter of mixed-precision Adam training (Megatron): 16-bit weights, fp32 grads, fp32 master + 2 moments. */
export const BYTES = { weight: 2, grad: 4, master: 4, adam: 8 } as const;

/**
 * Extra bytes per GEMM weight parameter when the recipe runs its GEMMs in FP8/FP4: the low-precision copy of the
 * weight and its transposed (column-wise) copy that Transformer Engine casts once per step and caches across the
 * micro-batches (TE docs, `is_first_microbatch` weight caching; Hopper's FP8 wgmma needs both layouts). Range 1–2.
 */
export const LOW_PRECISION_WEIGHT_CACHE_BYTES = 2;

/** Memory of one pipeline stage, per GPU, in bytes. */
export interface StageMemory {
  readonly stage: number;
  readonly layers: number;
  /** parameters held per GPU before ZeRO sharding (TP/EP split, embedding/output layer on the first/last stage) */
  readonly paramsPerGpu: number;
  readonly weightsBytes: number;
  readonly gradsBytes: number;
  readonly optimizerBytes: number;
  readonly activationsBytes: number;
  /** logits (last stage), ZeRO-3 gather prefetch, FP8 weight caches, offload staging buffers */
  readonly buffersBytes: number;
  readonly totalBytes: number;
}

/** The most loaded stage's figures (the existing fields) plus every stage and what the offloads keep in host memory. */
export interface MemoryBreakdown extends StageMemory {
  readonly stages: readonly StageMemory[];
  /** parameters per GPU of the most loaded stage outside the routed experts (sharded by ZeRO over dp·cp) */
  readonly denseParamsPerGpu: number;
  /** routed-expert parameters per GPU of the most loaded stage (sharded by ZeRO over the expert-data-parallel group dp·cp/ep) */
  readonly expertParamsPerGpu: number;
  /** bytes the offloads keep in host memory per GPU on the most loaded stage */
  readonly hostOptimizerBytes: number;
  readonly hostWeightsBytes: number;
  readonly hostActivationsBytes: number;
  /** activation bytes one micro-batch leaves on the most loaded stage (before offload), the unit of activation offload traffic */
  readonly activationBytesPerMicroBatch: number;
}

/**
 * Per-layer, per-micro-batch activation bytes (Korthikanti et al. 2023, Table 2), per GPU. `dropout` false removes the
 * two 1-byte dropout masks (attention output, MLP output) from the replicated 10sbh and the score mask (as²b of 5as²b).
 * `lowPrecisionGemms`: the recipe runs the layer GEMMs in FP8/FP4, and Transformer Engine keeps the casted 1-byte copy
 * of a GEMM input for the weight gradient instead of the 16-bit one when nothing else needs it: the two norm outputs
 * (QKV and fc1 inputs, 2 → 1 byte each) and the activation output (fc2 input, 2F/h → F/h). The attention output is
 * kept in 16 bits for FlashAttention's backward, so its 1-byte copy for the output projection adds a byte. The fc1
 * output (the activation's input) and the norm inputs stay 16-bit.
 */
export function activationBytesPerLayer(
  m: TransformerShape,
  tokens: number,
  tp: number,
  mode: "none" | "selective" | "full",
  sequenceParallel: boolean,
  flashAttention: boolean,
  dropout = true,
  lowPrecisionGemms = false,
): number {
  const sbh = tokens * m.hidden;
  if (mode === "full") return (2 * sbh) / (sequenceParallel ? tp : 1);
  const scores = flashAttention || mode === "selective" ? 0 : ((dropout ? 5 : 4) * m.heads * m.seqLen) / (m.hidden * tp);
  // Korthikanti's 24sbh split by TP: Q 2, K 2r, V 2r, attention output 2, MLP 16 (4h GELU); generalised to GQA and F/h
  const r = m.kvHeads / m.heads;
  const ffn = m.moe ? m.moe.expertFfnHidden * (m.moe.activeExperts + m.moe.sharedExperts) : m.ffnHidden;
  const mlp = ((m.ffnMatrices === 3 ? 6 : 4) * ffn) / m.hidden;
  const low = lowPrecisionGemms ? 1 : 0;
  const tpPart = (4 + 4 * r + mlp + low * (1 - ffn / m.hidden)) / tp;
  const replicated = ((dropout ? 10 : 8) - 2 * low) / (sequenceParallel ? tp : 1);
  return sbh * (replicated + tpPart + scores);
}

/**
 * Extra activation bytes of one MoE layer per micro-batch and GPU beyond the dense formula: the token dispatcher's
 * permuted copies of the expert inputs (top-k copies of each token's hidden vector, 16-bit, kept for the expert fc1
 * weight gradient; on average tokens·k arrive at each expert-parallel rank, and expert tensor parallelism gathers the
 * whole hidden vector on every TP rank) and the router's fp32 logits/probabilities (tokens × experts). Megatron-Core
 * MoE token dispatcher (permute / unpermute). The combine step's saved expert outputs are not counted (fused
 * unpermute kernels recompute them). Zero for a dense model.
 */
export function moeDispatchBytesPerLayer(m: TransformerShape, tokens: number): number {
  const moe = m.moe;
  return moe ? tokens * (2 * moe.activeExperts * m.hidden + 4 * moe.experts) : 0;
}

/** Layers held by the most loaded pipeline stage (the largest stage of `stageLayout`; ceil(L/pp) without a config). */
export function layersPerStage(m: TransformerShape, pp: number, p?: ParallelConfig): number {
  return p ? stageLayout(m, p).maxLayers : Math.ceil(m.layers / pp);
}

/** Layers of a stage that run full recomputation: `recomputeLayers` of them (capped), all with "full", none otherwise. */
export function recomputedLayers(p: ParallelConfig, stageLayers: number): number {
  if (p.recompute !== "full") return 0;
  return Math.min(stageLayers, Math.max(0, p.recomputeLayers ?? stageLayers));
}

/**
 * Micro-batch activation sets (in units of a whole stage's layers) that stage `i` holds at its peak.
 * 1F1B (Narayanan et al., SC'21 §2.2): stage i runs pp − i warm-up forwards before its first backward, so it stashes
 * min(micro-batches, pp − i). Interleaved 1F1B with vp chunks (Megatron-LM schedules: warm-up = 2(pp − i − 1) +
 * (vp − 1)·pp, plus the one in steady state) stashes that many chunk activations of L_i / vp layers each.
 */
export function inFlightMicroBatches(stage: number, pp: number, vp: number, microBatches: number): number {
  const mbs = Math.max(1, microBatches);
  if (pp <= 1) return 1;
  if (vp <= 1) return Math.min(mbs, pp - stage);
  const chunks = Math.min(mbs * vp, 2 * (pp - stage - 1) + (vp - 1) * pp + 1);
  return chunks / vp;
}

/** Memory per GPU of every pipeline stage; the reported figures are those of the stage with the largest total. */
export function trainingMemory(m: TransformerShape, c: ShapeCounts, p: ParallelConfig, o: TrainingOptions): MemoryBreakdown {
  const layout = stageLayout(m, p);
  const layers = layout.layers;
  const pp = layers.length;
  const tp = p.tp;
  const z = p.zeroStage;
  const dpRanks = p.dp * p.cp;
  const edpRanks = Math.max(1, dpRanks / Math.max(1, p.ep));
  const lora = o.finetune === "lora";
  const fullPrecision = o.precision === "fp32" || o.precision === "tf32";
  const wBytes = fullPrecision ? 4 : BYTES.weight;
  const gBytes = fullPrecision || o.fp32Grads ? BYTES.grad : 2;
  const oBytes = lora ? 0 : (fullPrecision ? 0 : BYTES.master) + BYTES.adam;
  const lowGemms = o.precision === "fp8" || o.precision === "fp4";
  const cacheBytes = lowGemms ? LOW_PRECISION_WEIGHT_CACHE_BYTES : 0;
  // ZeRO divisors of the dense part (over dp·cp) and of the routed experts (over the expert-data-parallel group dp·cp/ep)
  const d1 = z >= 1 ? dpRanks : 1;
  const d2 = z >= 2 ? dpRanks : 1;
  const d3 = z >= 3 ? dpRanks : 1;
  const e1 = z >= 1 ? edpRanks : 1;
  const e2 = z >= 2 ? edpRanks : 1;
  const e3 = z >= 3 ? edpRanks : 1;
  // per-layer parameters per GPU: attention + dense MLP, or attention + shared experts/router + routed experts / ep
  const moe = m.moe;
  const denseLayersEnd = moe ? Math.min(m.layers, moe.denseLayers) : m.layers;
  const routed = moe ? m.ffnMatrices * m.hidden * moe.expertFfnHidden * moe.experts : 0;
  const denseLayer = (c.attnParamsPerLayer + c.denseMlpParamsPerLayer) / tp;
  const moeLayerDense = (c.attnParamsPerLayer + (moe ? c.moeMlpParamsPerLayer - routed : 0)) / tp;
  const moeLayerExpert = routed / (tp * Math.max(1, p.ep));
  const vocabSlice = (m.vocab * m.hidden) / tp;
  const tokens = (p.microBatch * m.seqLen) / p.cp;
  const kept = p.recompute === "full" ? "none" : p.recompute;
  const perLayerKept = activationBytesPerLayer(m, tokens, tp, kept, p.sequenceParallel, o.flashAttention, o.dropout ?? true, lowGemms);
  const perLayerFull = activationBytesPerLayer(m, tokens, tp, "full", p.sequenceParallel, o.flashAttention);
  const dispatch = moeDispatchBytesPerLayer(m, tokens);
  const logitsBytes = (tokens * m.vocab * 4) / tp;
  const mbs = p.globalBatch / (p.dp * p.microBatch);
  const stages: StageMemory[] = new Array<StageMemory>(pp);
  let worst = 0;
  let worstTotal = -1;
  let worstDense = 0;
  let worstExpert = 0;
  let hostOpt = 0;
  let hostW = 0;
  let hostAct = 0;
  let actPerMb = 0;
  let start = 0;
  for (let i = 0; i < pp; i++) {
    const n = layers[i]!;
    const moeN = moe ? Math.max(0, start + n - Math.max(start, denseLayersEnd)) : 0;
    start += n;
    // the embedding on the first stage; the output layer (or, tied, a copy of the embedding) on the last
    const embedCopies = (i === 0 ? 1 : 0) + (i === pp - 1 && (pp > 1 || !m.tiedEmbeddings) ? 1 : 0);
    const embedding = embedCopies * vocabSlice;
    const dense = (n - moeN) * denseLayer + moeN * moeLayerDense + embedding;
    const expert = moeN * moeLayerExpert;
    const params = dense + expert;
    const weightsAtRest = (dense / d3 + expert / e3) * wBytes;
    // streamed weights: the device keeps two layers (the one computing and the one prefetched)
    const weightsBytes = p.offloadWeights ? Math.min(weightsAtRest, (2 * weightsAtRest) / Math.max(1, n)) : weightsAtRest;
    const gradsBytes = lora ? 0 : (dense / d2 + expert / e2) * gBytes;
    const optimizerAll = (dense / d1 + expert / e1) * oBytes;
    const optimizerBytes = p.offloadOptimizer ? 0 : optimizerAll;
    const rc = recomputedLayers(p, n);
    const stash = inFlightMicroBatches(i, pp, p.vp, mbs);
    // recomputation covers the first rc layers of the stage; the MoE layers are the stage's last moeN layers
    const moeKept = moeN - Math.max(0, rc - (n - moeN));
    const activationsAll = ((n - rc) * perLayerKept + rc * perLayerFull + moeKept * dispatch) * stash;
    // offloaded activations: the device keeps a double buffer of one layer's stash
    const activationsBytes = p.offloadActivations ? Math.min(activationsAll, 2 * perLayerKept) : activationsAll;
    const logits = i === layout.lossStage ? logitsBytes : 0;
    const gather = z === 3 && !p.offloadWeights ? (2 * params * wBytes) / Math.max(1, n) : 0;
    // FP8/FP4 weight caches: every GEMM weight (the output layer is a GEMM, the embedding lookup is not)
    const gemmParams = dense - embedding + (i === pp - 1 ? vocabSlice : 0) + expert;
    const fp8Cache = cacheBytes > 0 ? (cacheBytes * gemmParams) / d3 : 0;
    const buffersBytes = logits + gather + fp8Cache;
    const totalBytes = weightsBytes + gradsBytes + optimizerBytes + activationsBytes + buffersBytes;
    stages[i] = {
      stage: i,
      layers: n,
      paramsPerGpu: params,
      weightsBytes,
      gradsBytes,
      optimizerBytes,
      activationsBytes,
      buffersBytes,
      totalBytes,
    };
    if (totalBytes > worstTotal) {
      worst = i;
      worstTotal = totalBytes;
      worstDense = dense;
      worstExpert = expert;
      hostOpt = optimizerAll - optimizerBytes;
      hostW = weightsAtRest - weightsBytes;
      hostAct = activationsAll - activationsBytes;
      actPerMb = activationsAll / stash;
    }
  }
  const w = stages[worst]!;
  return {
    // fields listed one by one: an object spread here made the whole call ~10x slower (V8 clone IC) in the search loop
    stage: w.stage,
    layers: w.layers,
    paramsPerGpu: w.paramsPerGpu,
    weightsBytes: w.weightsBytes,
    gradsBytes: w.gradsBytes,
    optimizerBytes: w.optimizerBytes,
    activationsBytes: w.activationsBytes,
    buffersBytes: w.buffersBytes,
    totalBytes: w.totalBytes,
    stages,
    denseParamsPerGpu: worstDense,
    expertParamsPerGpu: worstExpert,
    hostOptimizerBytes: hostOpt,
    hostWeightsBytes: hostW,
    hostActivationsBytes: hostAct,
    activationBytesPerMicroBatch: actPerMb,
  };
}

/**
 * Device memory a training job can fill: capacity minus the fixed reserve (CUDA context, cuBLAS/NCCL workspaces and
 * communicator buffers) minus the share the caching allocator loses to fragmentation (see the two assumptions).
 */
export function usableMemoryBytes(hw: HardwareProfile, a: Pick<Assumptions, "memoryReserveGB" | "memoryFragmentation">): number {
  return hw.memoryBytes * (1 - a.memoryFragmentation) - a.memoryReserveGB * 1e9;
}

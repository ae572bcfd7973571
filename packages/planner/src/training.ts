import type { Assumptions } from "./assumptions.js";
import { allGatherS, allReduceS, allToAllS } from "./collectives.js";
import { peakFor, type HardwareProfile } from "./hardware.js";
import { activationBytesPerLayer, layersPerStage, trainingMemory, type MemoryBreakdown } from "./memory.js";
import { gpuCount, microBatchesPerStep, type ParallelConfig, type TrainingOptions } from "./parallel.js";
import type { ShapeCounts, TransformerShape } from "./shape.js";

/** Everything one estimate needs; `counts` is computed once per model (the search reuses it). */
export interface TrainingProblem {
  readonly shape: TransformerShape;
  readonly counts: ShapeCounts;
  readonly hw: HardwareProfile;
  readonly options: TrainingOptions;
  readonly assumptions: Assumptions;
}

export interface StepBreakdown {
  /** forward+backward(+recompute) math of the most loaded stage, all micro-batches */
  readonly computeS: number;
  readonly tensorParallelCommS: number;
  readonly contextParallelCommS: number;
  readonly expertAllToAllS: number;
  readonly pipelineP2pS: number;
  readonly pipelineBubbleS: number;
  readonly dataParallelCommS: number;
  readonly zeroGatherS: number;
  readonly optimizerS: number;
  readonly overheadS: number;
}

export interface TrainingEstimate {
  readonly gpus: number;
  readonly stepTimeS: number;
  readonly breakdown: StepBreakdown;
  readonly tokensPerStep: number;
  readonly tokensPerS: number;
  readonly tokensPerSPerGpu: number;
  readonly modelFlopsPerToken: number;
  readonly hardwareFlopsPerToken: number;
  readonly modelTflopsPerGpu: number;
  readonly hardwareTflopsPerGpu: number;
  /** model FLOPs / (16-bit dense peak), PaLM definition */
  readonly mfu: number;
  readonly hfu: number;
  readonly memory: MemoryBreakdown;
  readonly memoryCapacityBytes: number;
  readonly fits: boolean;
  /** GEMM efficiency the model used (fraction of peak) */
  readonly gemmEfficiency: number;
}

/** FLOPs per token of the model (no recompute), PaLM/Megatron convention (attention counted non-causally). */
export function modelFlopsPerToken(c: ShapeCounts, o: TrainingOptions): number {
  return (o.finetune === "lora" ? 2 : 3) * c.forwardFlops;
}

/** FLOPs per token actually executed, including recomputation. */
export function hardwareFlopsPerToken(c: ShapeCounts, p: ParallelConfig, o: TrainingOptions): number {
  const extra = p.recompute === "full" ? c.layerMatmulFlops + c.attnScoreFlops : p.recompute === "selective" ? c.attnScoreFlops : 0;
  return modelFlopsPerToken(c, o) + extra;
}

/** Achievable fraction of `peakTflops` for a GEMM whose smallest dimension is `size`, on a chip with HBM `memGBps`. */
export function gemmEfficiency(size: number, a: Assumptions, peakTflops: number, memGBps: number): number {
  const half = a.gemmHalfSizePerBalance * ((peakTflops * 1e12) / (memGBps * 1e9));
  return (a.gemmEfficiencyMax * size) / (size + half);
}

/** Bandwidth (GB/s, one direction) of a group of n ranks spaced `stride` apart in the rank order. */
function groupGBps(hw: HardwareProfile, a: Assumptions, n: number, stride: number): number {
  return n * stride <= hw.scaleUpDomain ? hw.scaleUpGBps * a.scaleUpEfficiency : hw.scaleOutGBps * a.scaleOutEfficiency;
}

export function estimateTraining(pr: TrainingProblem, p: ParallelConfig): TrainingEstimate {
  const { shape: m, counts: c, hw, options: o, assumptions: a } = pr;
  const gpus = gpuCount(p);
  const lora = o.finetune === "lora";
  const tokensMb = (p.microBatch * m.seqLen) / p.cp;
  const mbs = microBatchesPerStep(p);
  const layers = layersPerStage(m, p.pp);
  const moeShare = c.moeLayers / m.layers;

  // compute per layer and micro-batch
  const size = Math.min(tokensMb, m.hidden / p.tp);
  const lowPrecision = o.precision === "fp8" || o.precision === "fp4" || o.precision === "int8" || o.precision === "int4";
  const peak = lowPrecision ? peakFor(hw, o.precision) : hw.peak16Tflops;
  const eff = gemmEfficiency(size, a, peak, hw.memoryBandwidthGBps);
  const gemmRate = peak * eff * (lowPrecision ? a.lowPrecisionGemmRatio : 1);
  const layerMatmul = c.layerMatmulFlops / m.layers / p.tp;
  const attnScore = (c.attnScoreFlops / m.layers / p.tp) * (o.flashAttention ? 0.5 : 1);
  const gemmFwd = (layerMatmul * tokensMb) / (gemmRate * 1e12);
  const attnFwd = (attnScore * tokensMb) / (hw.peak16Tflops * a.attentionEfficiency * 1e12);
  const actBytes = activationBytesPerLayer(m, tokensMb, p.tp, "none", p.sequenceParallel, o.flashAttention);
  const elemFwd = (a.elementwiseTrafficRatio * actBytes) / (hw.memoryBandwidthGBps * a.memoryBandwidthEfficiency * 1e9);
  const bwdFactor = lora ? 1 : 2;
  let layerS = (1 + bwdFactor) * (gemmFwd + attnFwd) + 2 * elemFwd + (lora ? 0 : elemFwd);
  if (p.recompute === "full") layerS += gemmFwd + attnFwd + elemFwd;
  else if (p.recompute === "selective") layerS += attnFwd;
  const logitS = ((lora ? 2 : 3) * c.logitFlops * tokensMb) / p.tp / (gemmRate * 1e12);
  const stageComputeS = layers * (layerS + a.layerLaunchOverheadS) + logitS;

  // tensor-parallel collectives (all-reduce, or reduce-scatter + all-gather with SP: same volume)
  const tpGBps = groupGBps(hw, a, p.tp, 1);
  const actMsg = tokensMb * m.hidden * 2;
  const tpCalls = (lora ? 3 : 4) + (p.recompute === "full" ? 2 : 0);
  const tpLayerS = tpCalls * allReduceS(actMsg, p.tp, tpGBps, a.collectiveLatencyS);
  const cpGBps = groupGBps(hw, a, p.cp, p.tp);
  const kvMsg = ((tokensMb * p.cp * 2 * m.kvHeads * m.headDim * 2) / p.tp) * 3;
  const cpLayerS = allGatherS(kvMsg, p.cp, cpGBps, a.collectiveLatencyS);
  const epGBps = groupGBps(hw, a, p.ep, p.tp * p.cp);
  const k = m.moe ? m.moe.activeExperts : 0;
  const epLayerS = m.moe ? (lora ? 3 : 4) * allToAllS((actMsg * k) / p.tp, p.ep, epGBps, a.collectiveLatencyS) : 0;
  const commLayerS = (1 - a.tpOverlap) * tpLayerS + (1 - a.tpOverlap) * cpLayerS * 0.5 + moeShare * (1 - a.epOverlap) * epLayerS;

  // pipeline: p2p per micro-batch and stage boundary, bubble
  const ppGBps = groupGBps(hw, a, p.pp, p.tp * p.cp * p.dp);
  // Megatron scatters the boundary activation over the TP ranks before sending it (scatter-gather optimization)
  const p2pS = p.pp > 1 ? 2 * p.vp * (actMsg / p.tp / (ppGBps * 1e9) + a.collectiveLatencyS) : 0;
  const mbS = stageComputeS + layers * commLayerS + (1 - a.tpOverlap) * p2pS;
  const bubbleMbs = p.pp > 1 ? (p.pp - 1) / (p.vp > 1 ? p.vp : 1) : 0;

  // data parallel (gradients) and ZeRO-3 gathers
  const mem = trainingMemory(m, c, p, o);
  const dpGBps = groupGBps(hw, a, p.dp * p.cp, p.tp);
  const dpRanks = p.dp * p.cp;
  const gradBytes = (lora ? 0.01 : 1) * mem.paramsPerGpu * 2;
  const dpS =
    p.zeroStage >= 3
      ? allGatherS(gradBytes, dpRanks, dpGBps, a.collectiveLatencyS)
      : allReduceS(gradBytes, dpRanks, dpGBps, a.collectiveLatencyS);
  const dpExposed = (1 - a.dpOverlap) * dpS;
  const zeroS = p.zeroStage >= 3 ? mbs * (lora ? 1 : 2) * allGatherS(mem.paramsPerGpu * 2, dpRanks, dpGBps, a.collectiveLatencyS) : 0;
  const zeroExposed = (1 - a.zeroOverlap) * zeroS;
  const optBytes = lora ? 0 : (mem.paramsPerGpu / (p.zeroStage >= 1 ? dpRanks : 1)) * 32;
  const optimizerS = optBytes / (hw.memoryBandwidthGBps * a.memoryBandwidthEfficiency * 1e9);

  const computeS = mbs * stageComputeS;
  const stepTimeS = (mbs + bubbleMbs) * mbS + dpExposed + zeroExposed + optimizerS + a.stepOverheadS;
  const tokensPerStep = p.globalBatch * m.seqLen;
  const mft = modelFlopsPerToken(c, o);
  const hft = hardwareFlopsPerToken(c, p, o);
  const tokensPerS = tokensPerStep / stepTimeS;
  const modelTflopsPerGpu = (tokensPerS * mft) / gpus / 1e12;
  const hardwareTflopsPerGpu = (tokensPerS * hft) / gpus / 1e12;
  return {
    gpus,
    stepTimeS,
    breakdown: {
      computeS,
      tensorParallelCommS: mbs * layers * (1 - a.tpOverlap) * tpLayerS,
      contextParallelCommS: mbs * layers * (1 - a.tpOverlap) * cpLayerS * 0.5,
      expertAllToAllS: mbs * layers * moeShare * (1 - a.epOverlap) * epLayerS,
      pipelineP2pS: mbs * (1 - a.tpOverlap) * p2pS,
      pipelineBubbleS: bubbleMbs * mbS,
      dataParallelCommS: dpExposed,
      zeroGatherS: zeroExposed,
      optimizerS,
      overheadS: a.stepOverheadS,
    },
    tokensPerStep,
    tokensPerS,
    tokensPerSPerGpu: tokensPerS / gpus,
    modelFlopsPerToken: mft,
    hardwareFlopsPerToken: hft,
    modelTflopsPerGpu,
    hardwareTflopsPerGpu,
    mfu: modelTflopsPerGpu / hw.peak16Tflops,
    hfu: hardwareTflopsPerGpu / hw.peak16Tflops,
    memory: mem,
    memoryCapacityBytes: hw.memoryBytes,
    fits: mem.totalBytes <= hw.memoryBytes,
    gemmEfficiency: eff,
  };
}

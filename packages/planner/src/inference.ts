import type { Assumptions } from "./assumptions.js";
import { allReduceS } from "./collectives.js";
import { peakFor, type HardwareProfile, type Precision } from "./hardware.js";
import type { ShapeCounts, TransformerShape } from "./shape.js";

export interface InferenceProblem {
  readonly shape: TransformerShape;
  readonly counts: ShapeCounts;
  readonly hw: HardwareProfile;
  readonly assumptions: Assumptions;
  /** weight (and math) precision; fp8/int8 halve weight bytes, fp4/int4 quarter them */
  readonly precision: Precision;
  /** KV-cache element precision */
  readonly kvPrecision: Precision;
  readonly tp: number;
}

export function bytesPer(p: Precision): number {
  return p === "fp32" || p === "tf32" ? 4 : p === "fp8" || p === "int8" ? 1 : p === "fp4" || p === "int4" ? 0.5 : 2;
}

/** Math rate for prefill: weight-only int4 still multiplies in 16 bits. */
function mathTflops(pr: InferenceProblem): number {
  const low = pr.precision === "fp8" || pr.precision === "fp4" || pr.precision === "int8";
  return low ? peakFor(pr.hw, pr.precision) * pr.assumptions.lowPrecisionGemmRatio : pr.hw.peak16Tflops;
}

export function weightBytesPerGpu(pr: InferenceProblem): number {
  return (pr.counts.totalParams * bytesPer(pr.precision)) / pr.tp;
}

export function kvBytesPerToken(pr: InferenceProblem): number {
  return (pr.counts.kvElementsPerToken * bytesPer(pr.kvPrecision)) / Math.min(pr.tp, pr.shape.kvHeads);
}

function tpGBps(pr: InferenceProblem): number {
  const a = pr.assumptions;
  return pr.tp <= pr.hw.scaleUpDomain ? pr.hw.scaleUpGBps * a.scaleUpEfficiency : pr.hw.scaleOutGBps * a.scaleOutEfficiency;
}

function memS(pr: InferenceProblem, bytes: number): number {
  return bytes / (pr.hw.memoryBandwidthGBps * pr.assumptions.decodeBandwidthEfficiency * 1e9);
}

/** Time to process `batch` prompts of `inputLen` tokens (time to first token without queueing). */
export function prefillS(pr: InferenceProblem, batch: number, inputLen: number): number {
  const m = pr.shape;
  const c = pr.counts;
  const tokens = batch * inputLen;
  const qDim = m.heads * m.headDim;
  const attn = batch * 2 * m.layers * qDim * inputLen * inputLen; // causal: half of 4 s^2 d per layer
  const flops = (tokens * c.layerMatmulFlops + attn + batch * c.logitFlops) / pr.tp;
  const computeS = flops / (mathTflops(pr) * pr.assumptions.prefillEfficiency * 1e12);
  const weightS = memS(pr, weightBytesPerGpu(pr));
  const comm = 2 * m.layers * allReduceS(tokens * m.hidden * 2, pr.tp, tpGBps(pr), pr.assumptions.collectiveLatencyS);
  return Math.max(computeS, weightS) + comm + m.layers * pr.assumptions.decodeLayerOverheadS;
}

/** One decode iteration for `batch` sequences whose context is `context` tokens long (inter-token latency). */
export function decodeStepS(pr: InferenceProblem, batch: number, context: number): number {
  const m = pr.shape;
  const c = pr.counts;
  const bytes = weightBytesPerGpu(pr) + batch * context * kvBytesPerToken(pr);
  const qDim = m.heads * m.headDim;
  const flops = (batch * (c.layerMatmulFlops + c.logitFlops + 4 * m.layers * qDim * context)) / pr.tp;
  const computeS = flops / (mathTflops(pr) * pr.assumptions.prefillEfficiency * 1e12);
  const comm = 2 * m.layers * allReduceS(batch * m.hidden * 2, pr.tp, tpGBps(pr), pr.assumptions.collectiveLatencyS);
  return Math.max(memS(pr, bytes), computeS) + comm + m.layers * pr.assumptions.decodeLayerOverheadS;
}

/** Largest number of concurrent sequences of `context` tokens whose KV cache fits next to the weights. */
export function maxBatch(pr: InferenceProblem, context: number): number {
  const free = pr.hw.memoryBytes - weightBytesPerGpu(pr) - 2e9;
  if (free <= 0) return 0;
  return Math.floor((free * pr.assumptions.kvCacheMemoryFraction) / (context * kvBytesPerToken(pr)));
}

export interface InferenceEstimate {
  readonly batch: number;
  readonly ttftS: number;
  readonly interTokenLatencyS: number;
  /** output tokens per second of the whole TP group */
  readonly outputTokensPerS: number;
  readonly outputTokensPerSPerGpu: number;
  readonly requestLatencyS: number;
  readonly weightGBPerGpu: number;
  readonly kvCacheGBPerGpu: number;
  readonly maxBatch: number;
  readonly fits: boolean;
}

/** Static batching: `batch` requests prefilled together, then decoded together. */
export function estimateStatic(pr: InferenceProblem, batch: number, inputLen: number, outputLen: number): InferenceEstimate {
  const ttft = prefillS(pr, batch, inputLen);
  const itl = decodeStepS(pr, batch, inputLen + outputLen / 2);
  const total = ttft + Math.max(0, outputLen - 1) * itl;
  return summary(pr, batch, inputLen, outputLen, ttft, itl, total, (batch * outputLen) / total);
}

/**
 * In-flight (continuous) batching at `batch` concurrent requests: every iteration decodes the running batch and
 * prefills the requests that replace finished ones (batch / outputLen per iteration on average).
 */
export function estimateContinuous(pr: InferenceProblem, batch: number, inputLen: number, outputLen: number): InferenceEstimate {
  // requests beyond what the KV cache holds wait in a queue (closed loop of `batch` clients)
  const running = Math.max(1, Math.min(batch, maxBatch(pr, inputLen + outputLen) || 1));
  const queued = batch - running;
  const perIter = running / Math.max(1, outputLen);
  const decode = decodeStepS(pr, running, inputLen + outputLen / 2);
  const prefillPerReq = prefillS(pr, Math.max(1, perIter), inputLen) / Math.max(1, perIter);
  const iteration = decode + perIter * prefillPerReq;
  const prefillShare = Math.min(0.95, (perIter * prefillPerReq) / iteration);
  const completionsPerS = running / (outputLen * iteration);
  const waitS = queued > 0 ? queued / completionsPerS : 0;
  const ttft = waitS + prefillS(pr, 1, inputLen) / (1 - prefillShare);
  const total = ttft + Math.max(0, outputLen - 1) * iteration;
  return summary(pr, batch, inputLen, outputLen, ttft, iteration, total, running / iteration);
}

function summary(
  pr: InferenceProblem,
  batch: number,
  inputLen: number,
  outputLen: number,
  ttft: number,
  itl: number,
  total: number,
  tps: number,
): InferenceEstimate {
  const ctx = inputLen + outputLen;
  const mb = maxBatch(pr, ctx);
  return {
    batch,
    ttftS: ttft,
    interTokenLatencyS: itl,
    outputTokensPerS: tps,
    outputTokensPerSPerGpu: tps / pr.tp,
    requestLatencyS: total,
    weightGBPerGpu: weightBytesPerGpu(pr) / 1e9,
    kvCacheGBPerGpu: (batch * ctx * kvBytesPerToken(pr)) / 1e9,
    maxBatch: mb,
    fits: batch <= mb,
  };
}

/** The throughput-optimal continuous batch that fits memory (capped at `cap`). */
export function bestThroughput(pr: InferenceProblem, inputLen: number, outputLen: number, cap = 4096): InferenceEstimate {
  const mb = Math.max(1, Math.min(cap, maxBatch(pr, inputLen + outputLen)));
  return estimateContinuous(pr, mb, inputLen, outputLen);
}

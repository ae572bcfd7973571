/**
 * LLM serving model, per forward step of one tensor-parallel replica:
 *   step = weight GEMMs  max(weight bytes streamed / HBM, FLOPs / (peak · eff(gen, precision) · M/(M + decodeGemmHalfBatch)))
 *                        with eff from gemm.ts' per-generation tables
 *        + element-wise  norms, residuals, rotary, activation, FP8 casts: bytes per token / HBM (as compute.ts)
 *        + attention     prefill: causal score FLOPs in the KV type at FlashAttention's efficiency (attention.ts);
 *                        decode: KV bytes read (× heads/kvHeads for GQA-unaware kernels) / HBM at
 *                        decodeAttentionBandwidthEfficiency
 *        + 2 TP all-reduces per layer, each the link's small-message time + the two-shot bandwidth term
 *        + a fixed per-layer cost of the non-GEMM kernels (decodeLayerOverheadS).
 * TTFT adds ttftOverheadS per request; static batches decode at the mean context; continuous batching admits
 * requests whose whole KV is reserved and derives queueing from Little's law. Speculative decoding verifies k + 1
 * tokens per step and yields (1 − α^(k+1))/(1 − α); a prefix cache skips the cached share of the prompt's GEMMs.
 */
import type { Assumptions } from "./assumptions.js";
import { flashEfficiency } from "./attention.js";
import { groupLink } from "./collectives.js";
import { FP8_CAST_BYTES } from "./compute.js";
import { gemmCurve } from "./gemm.js";
import { peakFor, type HardwareProfile, type Precision } from "./hardware.js";
import { usableMemoryBytes } from "./memory.js";
import type { ShapeCounts, TransformerShape } from "./shape.js";

/**
 * Speculative decoding: a drafter proposes `draftTokens` (k) tokens, the target model verifies them in one step
 * with k + 1 query tokens per sequence and keeps the accepted prefix plus one token of its own.
 */
export interface SpeculativeDecoding {
  /** tokens proposed per step, k (typically 1–8) */
  readonly draftTokens: number;
  /** probability that a drafted token is accepted, α in [0, 1) (i.i.d. per token, Leviathan et al. 2023) */
  readonly acceptance: number;
  /**
   * time of one draft step relative to one target decode step at the same batch, c: ~0 for n-gram/prompt lookup,
   * ~1/layers for one MTP module (DeepSeek-V3), ~0.05–0.15 for a small draft model (Leviathan et al. 2023 §5).
   */
  readonly draftStepRatio: number;
}

export interface InferenceProblem {
  readonly shape: TransformerShape;
  readonly counts: ShapeCounts;
  readonly hw: HardwareProfile;
  readonly assumptions: Assumptions;
  /** weight (and math) precision; fp8/int8 halve weight bytes, fp4/int4 quarter them */
  readonly precision: Precision;
  /** KV-cache element precision: an input (serving stacks default to 16 bits), never derived from the weights */
  readonly kvPrecision: Precision;
  readonly tp: number;
  /**
   * Decode attention reads each KV head once for its whole query group (GQA-aware kernels: TensorRT-LLM XQA,
   * FlashInfer, FlashAttention). false: the older masked-MHA kernel reads the KV once per query head, so KV traffic
   * grows by heads / kvHeads (TensorRT-LLM's XQA blog: Llama-70B 128/2048 on H200, 1,227 → 2,941 tok/s/GPU). Default true.
   */
  readonly gqaDecodeKernel?: boolean;
  readonly speculative?: SpeculativeDecoding;
  /** fraction of prompt tokens whose KV comes from a prefix cache (prefill computes only the rest); default 0 */
  readonly prefixHitRate?: number;
}

export function bytesPer(p: Precision): number {
  return p === "fp32" || p === "tf32" ? 4 : p === "fp8" || p === "int8" ? 1 : p === "fp4" || p === "int4" ? 0.5 : 2;
}

/**
 * Large-M rate of the weight GEMMs, FLOP/s: the generation's best GEMM efficiency at the weights' math precision
 * (gemm.ts tables, cited there). Weight-only int4 still multiplies in 16 bits.
 */
function gemmRateFlops(pr: InferenceProblem): number {
  const math = pr.precision === "int4" ? (pr.hw.peaks.bf16 !== undefined ? "bf16" : "fp16") : pr.precision;
  const c = gemmCurve(pr.hw, math, pr.assumptions);
  return c.peakFlops * c.maxEff;
}

/**
 * Attention math rate, FLOP/s: the KV cache's type sets the peak (FP8 FMHA with an FP8 cache, else 16-bit) and the
 * generation's FlashAttention forward efficiency at this key length and head dim (attention.ts, cited there).
 */
function attentionRate(pr: InferenceProblem, keys: number, causal: boolean): number {
  const peak = pr.kvPrecision === "fp8" ? peakFor(pr.hw, "fp8") : pr.hw.peak16Tflops;
  const shape = { tokens: 1, seqLen: Math.max(1, keys), heads: pr.shape.heads / pr.tp, headDim: pr.shape.headDim, causal };
  return peak * 1e12 * flashEfficiency(pr.hw, pr.assumptions, shape).fwd;
}

export function weightBytesPerGpu(pr: InferenceProblem): number {
  return (pr.counts.totalParams * bytesPer(pr.precision)) / pr.tp;
}

/**
 * Weight bytes one rank streams in a forward pass over `tokens` tokens: every dense weight, and of the routed
 * experts only those the tokens' top-k routes touch — E·(1 − (1 − k/E)^tokens) per MoE layer in expectation under
 * uniform routing — so small-batch MoE decode reads about the active parameters and large batches read them all.
 */
export function weightReadBytesPerGpu(pr: InferenceProblem, tokens: number): number {
  const moe = pr.shape.moe;
  const all = weightBytesPerGpu(pr);
  if (!moe || moe.experts <= 0 || pr.counts.moeLayers <= 0) return all;
  const expertParams = pr.shape.ffnMatrices * pr.shape.hidden * moe.expertFfnHidden;
  const touched = moe.experts * (1 - (1 - Math.min(1, moe.activeExperts / moe.experts)) ** Math.max(1, tokens));
  const untouched = pr.counts.moeLayers * expertParams * (moe.experts - touched);
  return all - (untouched * bytesPer(pr.precision)) / pr.tp;
}

/** KV bytes one rank caches per token: heads split over TP (replicated past kvHeads); an MLA latent is replicated. */
export function kvBytesPerToken(pr: InferenceProblem): number {
  const split = pr.shape.kvLoraRank !== undefined ? 1 : Math.min(pr.tp, pr.shape.kvHeads);
  return (pr.counts.kvElementsPerToken * bytesPer(pr.kvPrecision)) / split;
}

/**
 * Attention FLOPs per (query, key) pair per layer on all heads: 4·d per head (QKᵀ and AV). MLA (DeepSeek-V2/V3):
 * prefill runs per-head with qk dim d + 64 (rope) and v dim d; decode absorbs the up-projections and works on the
 * latent, qk dim r + 64 and v dim r (DeepSeek-V2 §2.1.2–2.1.3), so its decode attention does ~4× the FLOPs.
 */
function attentionPairFlops(pr: InferenceProblem, decode: boolean): number {
  const m = pr.shape;
  const r = m.kvLoraRank;
  if (r === undefined) return 4 * m.heads * m.headDim;
  return decode ? m.heads * (2 * (r + 64) + 2 * r) : m.heads * (2 * (m.headDim + 64) + 2 * m.headDim);
}

/** KV bytes the decode attention kernel reads per cached byte (1 with a GQA-aware kernel or MLA). */
export function kvReadAmplification(pr: InferenceProblem): number {
  if (pr.gqaDecodeKernel !== false || pr.shape.kvLoraRank !== undefined) return 1;
  return Math.max(1, pr.shape.heads / Math.max(pr.tp, pr.shape.kvHeads));
}

/**
 * One all-reduce of `bytes` across the TP group: the link's small-message time (one-shot kernel, one hop) plus
 * the two-shot bandwidth term 2(n-1)/n · bytes / bandwidth.
 */
export function tpAllReduceS(pr: InferenceProblem, bytes: number): number {
  const n = pr.tp;
  if (n <= 1 || bytes <= 0) return 0;
  const a = pr.assumptions;
  const link = groupLink(pr.hw, a, n);
  const latency = link.scaleUp ? a.scaleUpSmallAllReduceS : a.scaleOutSmallAllReduceS;
  return latency + (2 * (n - 1) * bytes) / (n * link.gbps * 1e9);
}

/**
 * The weight GEMMs of one forward pass over `tokens` tokens (M = tokens on every rank; TP splits N and K): the
 * larger of streaming the weights from HBM and the math at an efficiency that falls for small M (padded tiles).
 */
export function gemmS(pr: InferenceProblem, tokens: number): number {
  const a = pr.assumptions;
  const flops = (tokens * (pr.counts.layerMatmulFlops + pr.counts.logitFlops)) / pr.tp;
  const computeS = flops / ((gemmRateFlops(pr) * tokens) / (tokens + a.decodeGemmHalfBatch));
  const weightS = weightReadBytesPerGpu(pr, tokens) / (pr.hw.memoryBandwidthGBps * a.decodeBandwidthEfficiency * 1e9);
  return Math.max(computeS, weightS);
}

/**
 * Memory-bound non-GEMM work of a forward pass over `tokens` tokens: per layer and token, 2 norms and 2 residual
 * adds over h values (read + write, replicated on every TP rank), rotary on q and k, the gated activation over the
 * FFN width, and — for FP8/FP4 weights — the cast of every GEMM input (`FP8_CAST_BYTES`), all at 16 bits and
 * scaled by `elementwiseTrafficRatio` (the same per-op count as the training model, compute.ts).
 */
export function elementwiseS(pr: InferenceProblem, tokens: number): number {
  const m = pr.shape;
  const moe = m.moe;
  const moeLayers = pr.counts.moeLayers;
  const ffnWidth = moe
    ? ((m.layers - moeLayers) * m.ffnHidden + moeLayers * (moe.activeExperts + moe.sharedExperts) * moe.expertFfnHidden) / m.layers
    : m.ffnHidden;
  const qDim = m.heads * m.headDim;
  const kvDim = m.kvHeads * m.headDim;
  let perToken = 2 * (5 * m.hidden + (2 * (qDim + kvDim)) / pr.tp + ((m.ffnMatrices + 1) * ffnWidth) / pr.tp);
  const low = pr.precision === "fp8" || pr.precision === "fp4" || pr.precision === "int8";
  if (low) perToken += FP8_CAST_BYTES.fwdPerInput * (2 * m.hidden + (qDim + ffnWidth) / pr.tp);
  const bytes = pr.assumptions.elementwiseTrafficRatio * tokens * m.layers * perToken;
  return bytes / (pr.hw.memoryBandwidthGBps * pr.assumptions.memoryBandwidthEfficiency * 1e9);
}

/** The TP all-reduces (two per layer) and per-layer launch cost of a forward pass over `tokens` tokens. */
export function commAndLaunchS(pr: InferenceProblem, tokens: number): number {
  const m = pr.shape;
  return 2 * m.layers * tpAllReduceS(pr, tokens * m.hidden * 2) + m.layers * pr.assumptions.decodeLayerOverheadS;
}

/**
 * Time to process `batch` prompts of `inputLen` tokens (prefill, without queueing or the per-request overhead).
 * With a prefix cache, only the uncached suffix is computed; it still attends to the whole prompt.
 */
export function prefillS(pr: InferenceProblem, batch: number, inputLen: number): number {
  const tokens = batch * freshTokens(pr, inputLen);
  return gemmS(pr, tokens) + elementwiseS(pr, tokens) + prefillAttentionS(pr, batch, inputLen) + commAndLaunchS(pr, tokens);
}

/** Prompt tokens prefill computes: those not served from the prefix cache. */
export function freshTokens(pr: InferenceProblem, inputLen: number): number {
  return Math.max(1, inputLen - Math.floor((pr.prefixHitRate ?? 0) * inputLen));
}

/** Attention of `batch` prompts' fresh tokens over the whole prompt: 4·d FLOPs per (query, key) pair per layer. */
export function prefillAttentionS(pr: InferenceProblem, batch: number, inputLen: number): number {
  const m = pr.shape;
  const fresh = freshTokens(pr, inputLen);
  const cached = inputLen - fresh;
  const attnFlops = (batch * attentionPairFlops(pr, false) * m.layers * fresh * (cached + fresh / 2)) / pr.tp;
  return attnFlops / attentionRate(pr, inputLen, true);
}

/** Decode attention of `batch` sequences of `context` cached tokens, `queries` new tokens each: KV-read bound. */
export function decodeAttentionS(pr: InferenceProblem, batch: number, context: number, queries = 1): number {
  const m = pr.shape;
  const bytes = batch * context * kvBytesPerToken(pr) * kvReadAmplification(pr);
  const memS = bytes / (pr.hw.memoryBandwidthGBps * pr.assumptions.decodeAttentionBandwidthEfficiency * 1e9);
  const flops = (batch * queries * attentionPairFlops(pr, true) * m.layers * context) / pr.tp;
  return Math.max(memS, flops / attentionRate(pr, context, false));
}

/**
 * One decode iteration for `batch` sequences whose context is `context` tokens long, `queries` new tokens per
 * sequence (1, or k + 1 when verifying a speculative draft): weight GEMMs, attention, TP all-reduces, launches.
 */
export function decodeStepS(pr: InferenceProblem, batch: number, context: number, queries = 1): number {
  const tokens = batch * queries;
  return gemmS(pr, tokens) + elementwiseS(pr, tokens) + decodeAttentionS(pr, batch, context, queries) + commAndLaunchS(pr, tokens);
}

/** Where one plain decode step's time goes (for reports): the four terms `decodeStepS` adds. */
export interface DecodeStepBreakdown {
  readonly gemmS: number;
  readonly elementwiseS: number;
  readonly attentionS: number;
  readonly commS: number;
  readonly launchS: number;
}

export function decodeStepBreakdown(pr: InferenceProblem, batch: number, context: number): DecodeStepBreakdown {
  const m = pr.shape;
  return {
    gemmS: gemmS(pr, batch),
    elementwiseS: elementwiseS(pr, batch),
    attentionS: decodeAttentionS(pr, batch, context),
    commS: 2 * m.layers * tpAllReduceS(pr, batch * m.hidden * 2),
    launchS: m.layers * pr.assumptions.decodeLayerOverheadS,
  };
}

/** Expected tokens per step with speculative decoding: (1 − α^(k+1)) / (1 − α) (Leviathan et al. 2023, eq. 1). */
export function tokensPerStep(pr: InferenceProblem): number {
  const s = pr.speculative;
  if (!s || s.draftTokens < 1) return 1;
  const a = Math.min(Math.max(s.acceptance, 0), 0.999);
  return (1 - a ** (s.draftTokens + 1)) / (1 - a);
}

/** Time per generated token of one sequence in a batch: a (verify) step divided by the tokens it yields. */
export function timePerTokenS(pr: InferenceProblem, batch: number, context: number): number {
  const s = pr.speculative;
  if (!s || s.draftTokens < 1) return decodeStepS(pr, batch, context);
  const verify = decodeStepS(pr, batch, context, s.draftTokens + 1);
  const draft = s.draftTokens * s.draftStepRatio * decodeStepS(pr, batch, context);
  return (verify + draft) / tokensPerStep(pr);
}

/**
 * Largest number of concurrent sequences of `context` tokens whose KV cache fits next to the weights: the serving
 * engine gives `kvCacheMemoryFraction` of the device's usable memory left after the weights to the KV cache.
 */
export function maxBatch(pr: InferenceProblem, context: number): number {
  const free = usableMemoryBytes(pr.hw, pr.assumptions) - weightBytesPerGpu(pr);
  if (free <= 0) return 0;
  return Math.floor((free * pr.assumptions.kvCacheMemoryFraction) / (context * kvBytesPerToken(pr)));
}

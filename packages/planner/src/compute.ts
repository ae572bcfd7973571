import type { Assumptions } from "./assumptions.js";
import { flashAttentionS, legacyAttentionS } from "./attention.js";
import { gemmCurve, gemmEff, isLowPrecision, linearS, type GemmCurve } from "./gemm.js";
import type { HardwareProfile } from "./hardware.js";
import type { TrainingOptions } from "./parallel.js";
import type { ShapeCounts, TransformerShape } from "./shape.js";

/**
 * Per-layer compute of one micro-batch on one rank, by operation: GEMMs at their own (M, N, K) shapes, the attention
 * kernel, memory-bound element-wise work (norms, residuals, rotary, activation function), FP8 cast/transpose traffic,
 * and for MoE layers the router, permutation and the expert GEMMs with load imbalance.
 */
export interface LayerCost {
  /** forward seconds of the whole layer */
  readonly fwd: number;
  /** backward seconds (data-gradient + weight-gradient GEMMs, attention backward, element-wise backward) */
  readonly bwd: number;
  /** forward GEMM seconds of the TP-sharded linear layers (what TP communication can hide behind) */
  readonly gemmFwd: number;
  /** backward data-gradient GEMM seconds */
  readonly gemmBwd: number;
  /** backward weight-gradient GEMM seconds (what Megatron's asynchronous TP all-reduce hides behind) */
  readonly wgrad: number;
  readonly attnFwd: number;
  readonly attnBwd: number;
  /** what selective recomputation re-runs in backward: 0 with FlashAttention (its backward recomputes P anyway) */
  readonly selectiveRecompute: number;
}

export interface ModelCost {
  readonly dense: LayerCost;
  /** MoE layers (equal to `dense` for a dense model) */
  readonly moe: LayerCost;
  /** output layer + loss on the last stage, forward + backward */
  readonly logits: number;
  /** embedding lookup + its gradient on the first stage */
  readonly embedding: number;
  /** efficiency of the layer's first MLP GEMM (forward shape), fraction of the recipe's GEMM peak */
  readonly gemmEfficiency: number;
}

/**
 * HBM bytes FP8 casting adds per element, beyond the GEMMs. Transformer Engine fuses the casts into the neighbouring
 * kernels (LayerNorm/activation forward emit the FP8 copy and its transpose for the weight-gradient GEMM; the
 * activation/bias backward emits the FP8 output gradient and its transpose: "cast-transpose" fusions, NVIDIA TE
 * documentation, FP8 primer), so what remains is writing two 1-byte copies: forward per GEMM input element, backward
 * per output-gradient element; amax reductions ride along (delayed scaling). Range 1–4 each (unfused: read 2 B more).
 */
export const FP8_CAST_BYTES = { fwdPerInput: 2, bwdPerOutputGrad: 2 } as const;

/**
 * HBM bytes per fp32 logit element for the output layer's cross-entropy: logits upcast, softmax statistics, loss and
 * the logit gradient (Megatron's fused vocab-parallel cross-entropy reads/writes the fp32 logits ~4 times). Range 8–24.
 */
export const LOSS_BYTES_PER_LOGIT = 16;

/**
 * MoE token permutation: each routed copy of a token is read and written once on dispatch and once on combine
 * (forward), and again in backward (Megatron-Core MoE token dispatcher, permute/unpermute kernels). Bytes per routed
 * token and hidden element at 16 bits: 2 (read + write) × 2 B × 2 (permute + unpermute).
 */
const PERMUTE_BYTES_PER_ELEMENT = 8;

const cache = new WeakMap<object, Map<number, ModelCost>>();

/**
 * Cost per layer for a problem and the per-rank split; cached per problem object (a new problem object — e.g. with
 * other assumptions — gets a new cache) and per (tokens, tp, ep, sp).
 */
export function modelCost(
  pr: { shape: TransformerShape; counts: ShapeCounts; hw: HardwareProfile; options: TrainingOptions; assumptions: Assumptions },
  tokens: number,
  tp: number,
  ep: number,
  sp: boolean,
): ModelCost {
  let byKey = cache.get(pr);
  if (!byKey) {
    byKey = new Map();
    cache.set(pr, byKey);
  }
  // numeric key (tokens < 2^32, tp < 2^7, ep < 2^12): exact below 2^53, no string building in the search loop
  const key = ((tokens * 128 + tp) * 4096 + ep) * 2 + (sp ? 1 : 0);
  const hit = byKey.get(key);
  if (hit) return hit;
  const cost = computeCost(pr.shape, pr.counts, pr.hw, pr.options, pr.assumptions, tokens, tp, ep, sp);
  byKey.set(key, cost);
  return cost;
}

interface Acc {
  gemmFwd: number;
  gemmBwd: number;
  wgrad: number;
  elemFwdBytes: number;
  elemBwdBytes: number;
}

function addLinear(acc: Acc, c: GemmCurve, tokens: number, k: number, n: number, count: number, lowPrecision: boolean): void {
  const t = linearS(c, tokens, k, n, count);
  acc.gemmFwd += t.fwd;
  acc.gemmBwd += t.bwd;
  acc.wgrad += t.wgrad;
  if (lowPrecision) {
    acc.elemFwdBytes += count * tokens * k * FP8_CAST_BYTES.fwdPerInput;
    acc.elemBwdBytes += count * tokens * n * FP8_CAST_BYTES.bwdPerOutputGrad;
  }
}

function computeCost(
  m: TransformerShape,
  c: ShapeCounts,
  hw: HardwareProfile,
  o: TrainingOptions,
  a: Assumptions,
  tokens: number,
  tp: number,
  ep: number,
  sp: boolean,
): ModelCost {
  const low = isLowPrecision(o.precision);
  const layerCurve = gemmCurve(hw, o.precision, a);
  const c16 = low ? gemmCurve(hw, "bf16", a) : layerCurve;
  const h = m.hidden;
  const qDim = m.heads * m.headDim;
  const bw = hw.memoryBandwidthGBps * 1e9 * a.memoryBandwidthEfficiency;
  const elemTokens = sp ? tokens / tp : tokens;
  const lora = o.finetune === "lora";

  // attention block: input projection (QKV, or MLA's down/up projections folded into one K=h GEMM) and output projection
  const attnBlock = (): Acc => {
    const acc: Acc = { gemmFwd: 0, gemmBwd: 0, wgrad: 0, elemFwdBytes: 0, elemBwdBytes: 0 };
    const inN = Math.max(1, (c.attnParamsPerLayer - qDim * h) / h / tp);
    addLinear(acc, layerCurve, tokens, h, inN, 1, low);
    addLinear(acc, layerCurve, tokens, qDim / tp, h, 1, low);
    // 2 norms (read + write h) and 2 residual adds (read 2h, write h) per token; rotary on q and k
    const kvDim = m.kvHeads * m.headDim;
    acc.elemFwdBytes += 2 * (elemTokens * 5 * h + (tokens * 2 * (qDim + kvDim)) / tp);
    // hidden dropout after attention and after the MLP (Megatron GPT default): read + write h values and a 1-byte mask
    if (o.dropout !== false) acc.elemFwdBytes += elemTokens * 2 * 5 * h;
    return acc;
  };
  const attnShape = { tokens, seqLen: m.seqLen, heads: m.heads / tp, headDim: m.headDim, causal: true };
  const attn = o.flashAttention
    ? flashAttentionS(hw, a, attnShape, o.flashAttentionVersion)
    : legacyAttentionS(c16, hw, a, { ...attnShape, causal: false });

  const finish = (acc: Acc, extraFwd: number, extraBwd: number): LayerCost => {
    const elemFwd = (a.elementwiseTrafficRatio * acc.elemFwdBytes) / bw;
    // element-wise backward reads the saved input and the incoming gradient and writes the gradient: ~2× forward
    const elemBwd = (a.elementwiseTrafficRatio * (2 * acc.elemFwdBytes + acc.elemBwdBytes)) / bw;
    const wgrad = lora ? 0 : acc.wgrad;
    return {
      fwd: acc.gemmFwd + attn.fwd + elemFwd + extraFwd,
      bwd: acc.gemmBwd + wgrad + attn.bwd + elemBwd + extraBwd,
      gemmFwd: acc.gemmFwd,
      gemmBwd: acc.gemmBwd,
      wgrad,
      attnFwd: attn.fwd,
      attnBwd: attn.bwd,
      selectiveRecompute: o.flashAttention ? 0 : attn.fwd,
    };
  };

  // dense FFN
  const denseAcc = attnBlock();
  const f = m.ffnHidden;
  addLinear(denseAcc, layerCurve, tokens, h, ((m.ffnMatrices - 1) * f) / tp, 1, low);
  addLinear(denseAcc, layerCurve, tokens, f / tp, h, 1, low);
  denseAcc.elemFwdBytes += 2 * ((tokens * (m.ffnMatrices + 1) * f) / tp);
  const dense = finish(denseAcc, 0, 0);

  let moe = dense;
  const mo = m.moe;
  if (mo) {
    const acc = attnBlock();
    const ef = mo.expertFfnHidden;
    // shared experts: one dense FFN of width sharedExperts × expertFfn
    if (mo.sharedExperts > 0) {
      addLinear(acc, layerCurve, tokens, h, ((m.ffnMatrices - 1) * mo.sharedExperts * ef) / tp, 1, low);
      addLinear(acc, layerCurve, tokens, (mo.sharedExperts * ef) / tp, h, 1, low);
    }
    // routed experts: this rank holds experts/ep of them; the busiest gets `moeLoadImbalance` × the mean load
    const localExperts = Math.max(1, mo.experts / Math.max(1, ep));
    const perExpert = ((tokens * mo.activeExperts * Math.max(1, ep)) / mo.experts) * a.moeLoadImbalance;
    addLinear(acc, layerCurve, perExpert, h, ((m.ffnMatrices - 1) * ef) / tp, localExperts, low);
    addLinear(acc, layerCurve, perExpert, ef / tp, h, localExperts, low);
    const routed = tokens * mo.activeExperts * a.moeLoadImbalance;
    acc.elemFwdBytes += 2 * ((routed * (m.ffnMatrices + 1) * ef) / tp);
    // router GEMM (16-bit, replicated over TP) + softmax/top-k over fp32 logits, permutation of the routed copies
    const router = linearS(c16, tokens, h, mo.experts);
    const routerElem = (tokens * mo.experts * 4 * 3) / bw;
    const permute = (routed * h * PERMUTE_BYTES_PER_ELEMENT) / (sp ? tp : 1) / bw;
    moe = finish(acc, router.fwd + routerElem + permute, router.bwd + router.wgrad + 2 * routerElem + permute);
  }

  // output layer in 16 bits (Transformer Engine / Megatron keep it out of FP8) + vocab-parallel cross-entropy
  const logit = linearS(c16, tokens, h, m.vocab / tp);
  const logits = logit.fwd + logit.bwd + (lora ? 0 : logit.wgrad) + (tokens * (m.vocab / tp) * LOSS_BYTES_PER_LOGIT) / bw;
  // embedding gather (write tokens × h) and its scatter-add gradient (read + write, fp32 accumulation)
  const embedding = (elemTokens * h * (2 + 8)) / bw;
  const ffn = mo ? mo.expertFfnHidden : m.ffnHidden;
  const gemmEfficiency = gemmEff(layerCurve, tokens, ((m.ffnMatrices - 1) * ffn) / tp, h);
  return { dense, moe, logits, embedding, gemmEfficiency };
}

import type { Assumptions } from "./assumptions.js";
import { gemmS, type GemmCurve } from "./gemm.js";
import type { HardwareProfile } from "./hardware.js";

/**
 * Attention core (QKᵀ, softmax, AV) as its own kernel.
 *
 * FlashAttention: score math is never materialised. Forward FLOPs per query token and head = 4·Lk·d (QKᵀ and AV);
 * causal masking skips the blocks above the diagonal, so the mean key length is ~L/2 (half the work). The backward
 * pass runs five matmuls (recompute S = QKᵀ, dV, dP, dQ, dK) = 2.5× the forward FLOPs (Dao 2023, FlashAttention-2
 * §3.2 / its FLOP accounting) at its own, lower efficiency. Efficiency = best(gen, pass) × Lk/(Lk + ATTN_HALF_KV) ×
 * head-dim factor; short (and causal) sequences lose to tile fill and the diagonal blocks.
 */
export interface AttentionMax {
  readonly fwd: number;
  readonly bwd: number;
}

/**
 * Best fraction of the 16-bit dense peak, forward / backward, long sequences, head dim 128, by generation:
 * - Ampere: FlashAttention-2 on A100 reaches up to 73 % forward and ~63 % backward (Dao 2023, FA2 §4.1, Fig. 4–6).
 *   Range fwd 0.55–0.75, bwd 0.45–0.65.
 * - Hopper: FlashAttention-3 / cuDNN fused attention on H100 BF16: forward up to ~740 TFLOPS (75 %), causal
 *   ~600+ TFLOPS; backward 1.5–1.75× FA2 ≈ 45–55 % (Shah et al. 2024, FA3 §4.1, Fig. 5–7). FA2 alone reaches
 *   only ~35–40 % on H100 (same figures). Range fwd 0.35–0.75, bwd 0.3–0.55.
 * - Blackwell: cuDNN / FA4 forward ~1.3–1.6 PFLOPS of 2.25 (NVIDIA cuDNN 9 release notes, B200). Range 0.45–0.7.
 * - Volta / Turing: no FlashAttention-2; xFormers' memory-efficient CUTLASS kernel (~35 % / 30 %, xFormers benchmarks).
 * - CDNA 3: Composable-Kernel FA2 on MI300X ~35–45 % forward, ~25–30 % backward (AMD ROCm FA2 blog). Range 0.25–0.5.
 * - TPU: Pallas splash/flash attention ~50 % / 40 % of the MXU peak (JAX Pallas TPU docs). Range 0.35–0.65.
 * Unknown generations use the `attentionEfficiency` assumption for both passes.
 */
const ATTN_MAX: Readonly<Record<string, AttentionMax>> = {
  volta: { fwd: 0.35, bwd: 0.3 },
  turing: { fwd: 0.35, bwd: 0.3 },
  "ada lovelace": { fwd: 0.6, bwd: 0.5 },
  ampere: { fwd: 0.7, bwd: 0.6 },
  hopper: { fwd: 0.62, bwd: 0.47 },
  blackwell: { fwd: 0.58, bwd: 0.45 },
  "cdna 2": { fwd: 0.35, bwd: 0.25 },
  "cdna 3": { fwd: 0.4, bwd: 0.28 },
  "cdna 4": { fwd: 0.45, bwd: 0.32 },
  tpu: { fwd: 0.5, bwd: 0.4 },
  gaudi: { fwd: 0.45, bwd: 0.35 },
};

/**
 * Mean key length (per query) at which FlashAttention's efficiency is half its long-sequence value. FA2 Fig. 4–6
 * (A100, hd 128): causal forward at 512 tokens (mean key length 256) runs at ~0.6–0.65 of its 16K figure, non-causal
 * at 512 at ~0.8 → ~150 keys. Range 64–400.
 */
export const ATTN_HALF_KV = 150;

/** Head dim at which the per-FLOP efficiency halves (hd 64 runs ~0.85× of hd 128: FA2 Fig. 4 vs 5). Range 16–48. */
export const ATTN_HALF_HEAD_DIM = 32;

/**
 * Non-flash attention: HBM bytes per score element outside the two batched GEMMs. Forward: fused scale-mask-softmax
 * reads the 16-bit scores and writes probabilities (4 B), dropout reads them and writes output + 1-byte mask (5 B) →
 * ~9 B; backward reads gradient, mask and probabilities and writes two gradients → ~12 B (Korthikanti et al. 2022,
 * §4.1: 5·a·s²·b bytes stashed per layer = 2 + 2 + 1 B per element). Range 6–20.
 */
export const LEGACY_SCORE_BYTES = { fwd: 9, bwd: 12 } as const;

/**
 * FlashAttention-2 on generations whose best kernel is newer: FA2 on H100 reaches ~35–40 % forward and ~30 %
 * backward (Shah et al. 2024, FA3 Fig. 5–7, the FA2 baselines); on B200 it runs without tcgen05 (~30 %/25 %).
 */
const FA2_ON_NEWER: Readonly<Record<string, AttentionMax>> = {
  hopper: { fwd: 0.37, bwd: 0.3 },
  blackwell: { fwd: 0.3, bwd: 0.25 },
};

function rowFor(generation: string, version: 2 | 3 = 3): AttentionMax | undefined {
  const g = generation.toLowerCase();
  if (version === 2) {
    const old = FA2_ON_NEWER[g.startsWith("blackwell") ? "blackwell" : g];
    if (old) return old;
  }
  if (g.startsWith("tpu")) return ATTN_MAX["tpu"];
  if (g.startsWith("gaudi")) return ATTN_MAX["gaudi"];
  if (g.startsWith("blackwell")) return ATTN_MAX["blackwell"];
  return ATTN_MAX[g];
}

export interface AttentionShape {
  /** query tokens this rank processes per micro-batch (sequence / cp × micro-batch) */
  readonly tokens: number;
  /** full sequence length (keys per query before masking) */
  readonly seqLen: number;
  /** query heads on this rank (heads / tp) */
  readonly heads: number;
  readonly headDim: number;
  readonly causal: boolean;
}

/** Forward score FLOPs of the attention core on this rank (QKᵀ and AV), with causal masking applied. */
export function attentionFwdFlops(s: AttentionShape): number {
  const keys = s.causal ? (s.seqLen + 1) / 2 : s.seqLen;
  return 4 * s.tokens * keys * s.heads * s.headDim;
}

/** Efficiency of the FlashAttention forward and backward kernels for a shape (fraction of the 16-bit peak). */
export function flashEfficiency(hw: HardwareProfile, a: Assumptions, s: AttentionShape, version?: 2 | 3): AttentionMax {
  const row = rowFor(hw.generation, version) ?? { fwd: a.attentionEfficiency, bwd: a.attentionEfficiency };
  const keys = s.causal ? (s.seqLen + 1) / 2 : s.seqLen;
  const seqF = keys / (keys + ATTN_HALF_KV);
  const ref = 128 / (128 + ATTN_HALF_HEAD_DIM);
  const hdF = Math.min(1, s.headDim / (s.headDim + ATTN_HALF_HEAD_DIM) / ref);
  return { fwd: row.fwd * seqF * hdF, bwd: row.bwd * seqF * hdF };
}

export interface AttentionTimes {
  readonly fwd: number;
  readonly bwd: number;
  /** forward FLOPs actually executed on this rank */
  readonly flops: number;
}

/** FlashAttention forward / backward seconds on this rank. */
export function flashAttentionS(hw: HardwareProfile, a: Assumptions, s: AttentionShape, version?: 2 | 3): AttentionTimes {
  const flops = attentionFwdFlops(s);
  const e = flashEfficiency(hw, a, s, version);
  const peak = hw.peak16Tflops * 1e12;
  return { fwd: flops / (peak * e.fwd), bwd: (2.5 * flops) / (peak * e.bwd), flops };
}

/**
 * Materialised attention (2021-era Megatron): QKᵀ and AV as batched GEMMs over the full square (masking does not save
 * work), plus memory-bound softmax/dropout over the score matrix. Backward: two GEMMs per forward GEMM plus the
 * element-wise backward.
 */
export function legacyAttentionS(c16: GemmCurve, hw: HardwareProfile, a: Assumptions, s: AttentionShape): AttentionTimes {
  const seqs = s.tokens / s.seqLen;
  const count = seqs * s.heads;
  const L = s.seqLen;
  const d = s.headDim;
  const qk = count * gemmS(c16, L, L, d);
  const av = count * gemmS(c16, L, d, L);
  const bwdGemm = count * (gemmS(c16, L, d, L) + gemmS(c16, d, L, L) + gemmS(c16, L, L, d) + gemmS(c16, L, d, L));
  const elements = count * L * L;
  const bw = hw.memoryBandwidthGBps * 1e9 * a.memoryBandwidthEfficiency;
  return {
    fwd: qk + av + (elements * LEGACY_SCORE_BYTES.fwd) / bw,
    bwd: bwdGemm + (elements * LEGACY_SCORE_BYTES.bwd) / bw,
    flops: 4 * s.tokens * L * s.heads * d,
  };
}

import type { Assumptions } from "./assumptions.js";
import { peakFor, type HardwareProfile, type Precision } from "./hardware.js";

/**
 * GEMM efficiency by accelerator generation and math precision.
 *
 * Model: a GEMM of shape (M, N, K) with b-byte operands has arithmetic intensity
 *   I = 2MNK / (b (MK + KN + MN))  FLOP/byte
 * and reaches  eff = max(gen, precision) × I / (I + k × balance),  where balance = peak FLOP/s / HBM byte/s is the
 * chip's machine balance and k = `gemmHalfSizePerBalance`. This is the additive roofline (math time + operand
 * streaming time, partly overlapped: k < 1) and it captures every small dimension — few tokens per rank, a narrow
 * TP shard, a short expert batch — instead of one "size". `max` is the best large-GEMM fraction of the dense peak the
 * vendor library reaches (cited per row below); an unknown generation uses the `gemmEfficiencyMax` assumption. Both are
 * scaled by `gemmEfficiencyScale` (sustained clocks inside a training step vs the microbenchmark).
 */
export interface GemmMax {
  /** 16-bit (BF16/FP16) large-GEMM efficiency, fraction of the 16-bit dense peak */
  readonly b16: number;
  /** FP8 large-GEMM efficiency, fraction of the FP8 dense peak (undefined: no FP8 tensor path) */
  readonly fp8?: number;
  /** FP4 large-GEMM efficiency, fraction of the FP4 dense peak */
  readonly fp4?: number;
}

/**
 * Best large-GEMM efficiency per generation. Sources (each a measured fraction of the vendor's dense peak):
 * - Volta: cuBLAS HGEMM ~95–105 of 125 TFLOPS on V100 SXM2 (Jia et al. 2018, "Dissecting the NVIDIA Volta GPU
 *   Architecture via Microbenchmarking", §4.2; NVIDIA Volta whitepaper GEMM figure). Range 0.7–0.85.
 * - Turing / Ada: cuBLAS on T4/L4/L40S sustains ~70–80 % (power-capped boards; NVIDIA Ada whitepaper). Range 0.6–0.85.
 * - Ampere: A100 SXM max achievable matmul ~86 % of 312 TFLOPS BF16 (Bekman, "Machine Learning Engineering",
 *   mamf-finder table). Range 0.8–0.9.
 * - Hopper: H100 SXM ~80 % of 989 TFLOPS BF16 (same table); FP8 cuBLASLt large GEMMs ~1.4–1.5 PFLOPS of 1,979
 *   (~0.74; NVIDIA Transformer Engine / cuBLASLt FP8 GEMM benchmarks: FP8 ≈ 1.8–1.9× BF16 on large shapes, and
 *   Megatron-Bridge's Llama 3 70B FP8 rows reach ~730 model TFLOPS per H100, which needs FP8 GEMMs above ~1.2 PFLOPS).
 *   Range 0.7–0.85 (BF16), 0.6–0.8 (FP8).
 * - Blackwell: B200 BF16 ~1.6–1.75 of 2.25 PFLOPS (~0.75; SemiAnalysis/NVIDIA B200 GEMM measurements), FP8 ~0.7,
 *   FP4 ~0.6 of their peaks. Range 0.65–0.85.
 * - CDNA 2 / 3 / 4: MI250X ~55 %, MI300X ~60 % BF16 and ~50 % FP8 of the dense peak (AMD ROCm blog "Measuring
 *   Max-Achievable FLOPs", part 2; Bekman mamf table MI300X ~60 %). Range 0.45–0.7.
 * - TPU: large XLA matmuls keep the MXUs ~85 % busy (Google Cloud TPU v4/v5p performance guide; PaLM Table 3 reaches
 *   57.8 % whole-model HFU). Range 0.75–0.92.
 * - Gaudi: Gaudi 2/3 MME large BF16 GEMMs ~75–85 % (Intel Gaudi performance tables). Range 0.65–0.9.
 */
const GEMM_MAX: Readonly<Record<string, GemmMax>> = {
  volta: { b16: 0.8 },
  turing: { b16: 0.75 },
  "ada lovelace": { b16: 0.75, fp8: 0.65 },
  ampere: { b16: 0.86 },
  hopper: { b16: 0.8, fp8: 0.74 },
  blackwell: { b16: 0.75, fp8: 0.7, fp4: 0.6 },
  "cdna 2": { b16: 0.55 },
  "cdna 3": { b16: 0.6, fp8: 0.5 },
  "cdna 4": { b16: 0.62, fp8: 0.55, fp4: 0.5 },
  tpu: { b16: 0.85, fp8: 0.75 },
  gaudi: { b16: 0.8, fp8: 0.7 },
};

/** The table row of a catalog generation string ("Hopper", "CDNA 3", "TPU v5p", "Gaudi 2"…), undefined when unknown. */
export function gemmMaxFor(generation: string): GemmMax | undefined {
  const g = generation.toLowerCase();
  if (g.startsWith("tpu")) return GEMM_MAX["tpu"];
  if (g.startsWith("gaudi")) return GEMM_MAX["gaudi"];
  if (g.startsWith("blackwell")) return GEMM_MAX["blackwell"];
  return GEMM_MAX[g];
}

/** Precisions whose GEMMs run on the low-precision tensor path (everything else runs at 16 bits). */
export function isLowPrecision(p: Precision): boolean {
  return p === "fp8" || p === "fp4" || p === "int8" || p === "int4";
}

/** One accelerator's GEMM rate curve at one precision: peak and best efficiency, and the operand width. */
export interface GemmCurve {
  /** dense peak of this precision, FLOP/s */
  readonly peakFlops: number;
  /** best large-GEMM fraction of `peakFlops` */
  readonly maxEff: number;
  /** intensity (FLOP/byte) at which efficiency is half of maxEff */
  readonly halfIntensity: number;
  /** operand bytes per element */
  readonly bytes: number;
}

/** The GEMM curve of `hw` at `precision` (16-bit for anything not low precision; fp32/tf32 keep their own peaks). */
export function gemmCurve(hw: HardwareProfile, precision: Precision, a: Assumptions): GemmCurve {
  const row = gemmMaxFor(hw.generation);
  const low = isLowPrecision(precision);
  const peakT = low || precision === "fp32" || precision === "tf32" ? peakFor(hw, precision) : hw.peak16Tflops;
  const fallback = a.gemmEfficiencyMax;
  let maxEff = row ? row.b16 : fallback;
  let bytes = precision === "fp32" || precision === "tf32" ? 4 : 2;
  if (low) {
    const lowRow = precision === "fp4" || precision === "int4" ? (row?.fp4 ?? row?.fp8) : row?.fp8;
    // no low-precision tensor path for this generation: peakFor already fell back to the 16-bit peak
    maxEff = lowRow ?? maxEff;
    bytes = precision === "fp4" || precision === "int4" ? 0.5 : 1;
  }
  maxEff *= a.gemmEfficiencyScale;
  const peakFlops = peakT * 1e12;
  const balance = peakFlops / (hw.memoryBandwidthGBps * 1e9);
  return { peakFlops, maxEff, halfIntensity: a.gemmHalfSizePerBalance * balance, bytes };
}

/** Arithmetic intensity of an (M, N, K) GEMM with b-byte operands and output, FLOP/byte. */
export function gemmIntensity(m: number, n: number, k: number, bytes: number): number {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  return 2 / (bytes * (1 / n + 1 / m + 1 / k));
}

/** Fraction of the curve's peak an (M, N, K) GEMM reaches. */
export function gemmEff(c: GemmCurve, m: number, n: number, k: number): number {
  const i = gemmIntensity(m, n, k, c.bytes);
  return (c.maxEff * i) / (i + c.halfIntensity);
}

/** Seconds of one (M, N, K) GEMM on the curve. */
export function gemmS(c: GemmCurve, m: number, n: number, k: number): number {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  return (2 * m * n * k) / (c.peakFlops * gemmEff(c, m, n, k));
}

/**
 * Forward + backward seconds of a linear layer y = x W with x: (tokens × k), W: (k × n): forward (M=tokens, N=n,
 * K=k), data-gradient (M=tokens, N=k, K=n) and weight-gradient (M=k, N=n, K=tokens) GEMMs, each at its own shape.
 * `count` identical GEMMs (experts, batched heads) multiply the time.
 */
export function linearS(c: GemmCurve, tokens: number, k: number, n: number, count = 1): { fwd: number; bwd: number; wgrad: number } {
  return { fwd: count * gemmS(c, tokens, n, k), bwd: count * gemmS(c, tokens, k, n), wgrad: count * gemmS(c, k, n, tokens) };
}

import type { Precision } from "./hardware.js";

export const RECOMPUTE_MODES = ["none", "selective", "full"] as const;
export type Recompute = (typeof RECOMPUTE_MODES)[number];
export const ZERO_STAGES = [0, 1, 2, 3] as const;
export type ZeroStage = (typeof ZERO_STAGES)[number];
export const FINETUNE_MODES = ["full", "lora"] as const;
export type FinetuneMode = (typeof FINETUNE_MODES)[number];
/**
 * How tensor-parallel communication meets the GEMMs around it: "none" (bulk collectives between GEMMs),
 * "pipelined" (the GEMM is split into chunks and each chunk's collective runs under the next chunk's math,
 * Megatron `--tp-comm-overlap`), "ring" (p2p ring exchange interleaved with partial GEMMs, collective-matmul).
 */
export const TP_OVERLAP_MODES = ["none", "pipelined", "ring"] as const;
export type TpOverlap = (typeof TP_OVERLAP_MODES)[number];
/** Tensor-parallel collective algorithm: one all-reduce per block, or reduce-scatter + all-gather (needed by SP). */
export const TP_COMM_ALGORITHMS = ["allreduce", "rs-ag"] as const;
export type TpComm = (typeof TP_COMM_ALGORITHMS)[number];
/** Parallel dimensions that are laid out over the ranks (innermost first decides who gets the scale-up link). */
export const RANK_DIMS = ["tp", "cp", "dp", "pp"] as const;
export type RankDim = (typeof RANK_DIMS)[number];
/** Rank layout, innermost dimension first. Megatron's default order is tp, cp, (ep), dp, pp. */
export const DEFAULT_RANK_ORDER: readonly RankDim[] = ["tp", "cp", "dp", "pp"];

/** How one training job is parallelized. GPUs = tp x cp x pp x dp; ep divides dp x tp (experts only). */
export interface ParallelConfig {
  readonly tp: number;
  readonly pp: number;
  readonly dp: number;
  /** context parallel: sequence split across ranks (ring attention) */
  readonly cp: number;
  /** expert parallel (MoE only) */
  readonly ep: number;
  /** virtual pipeline stages per rank (interleaved 1F1B when > 1) */
  readonly vp: number;
  /** sequences per micro-batch */
  readonly microBatch: number;
  /** sequences per optimizer step (all data-parallel ranks) */
  readonly globalBatch: number;
  readonly recompute: Recompute;
  readonly sequenceParallel: boolean;
  readonly zeroStage: ZeroStage;
  /**
   * With recompute "full": how many layers of each pipeline stage are recomputed (Megatron
   * `--recompute-method block --recompute-num-layers`); undefined = every layer of the stage.
   */
  readonly recomputeLayers?: number;
  /** uneven pipeline: layers on the first / last stage (Megatron `--decoder-first/last-pipeline-num-layers`); undefined = even split */
  readonly firstStageLayers?: number;
  readonly lastStageLayers?: number;
  /** default "none" */
  readonly tpOverlap?: TpOverlap;
  /** default "rs-ag" with sequence parallelism, "allreduce" without */
  readonly tpComm?: TpComm;
  /** gradient reduce-scatter / parameter all-gather overlapped with backward / forward (bucketed); default true */
  readonly dpOverlap?: boolean;
  /** expert all-to-all overlapped with compute of another micro-batch (DualPipe / batch-level overlap); default false */
  readonly epOverlap?: boolean;
  /** optimizer state (and master weights) in host memory, optimizer step on the CPU (ZeRO-Offload); default false */
  readonly offloadOptimizer?: boolean;
  /** weights in host memory, streamed over the host link layer by layer (ZeRO-Infinity style); default false */
  readonly offloadWeights?: boolean;
  /** stashed activations copied to host memory during forward and back during backward; default false */
  readonly offloadActivations?: boolean;
  /** rank layout, innermost first; default DEFAULT_RANK_ORDER */
  readonly rankOrder?: readonly RankDim[];
}

/**
 * How the FLOPs of a reported throughput are counted (a convention of the source, not of the run):
 * attention score math counted in full or causally halved, and the recomputation pass included (hardware FLOPs) or not.
 */
export interface FlopConvention {
  readonly causalAttention: boolean;
  readonly includeRecompute: boolean;
}
/** PaLM / Megatron model FLOPs: attention counted in full, no recomputation. */
export const MODEL_FLOPS: FlopConvention = { causalAttention: false, includeRecompute: false };

export interface TrainingOptions {
  readonly precision: Precision;
  readonly finetune: FinetuneMode;
  /** attention without materialized score matrices (FlashAttention); false for 2021-era Megatron */
  readonly flashAttention: boolean;
  /** gradients accumulated in fp32 (Megatron fp16 and older stacks); false: 16-bit gradient buffers */
  readonly fp32Grads: boolean;
  /**
   * dropout after attention and MLP (Megatron GPT default 0.1: two 1-byte masks per token and hidden unit stashed per
   * layer, Korthikanti et al. Table 2); Llama 3 and DeepSeek-V3 pre-train without dropout. Default true.
   */
  readonly dropout?: boolean;
  /**
   * FlashAttention generation of the stack: 2 = FlashAttention-2 (Dao 2023; ~35 % of peak on H100 because it does not
   * use Hopper's wgmma/TMA), 3 = FlashAttention-3 / cuDNN fused attention (Shah et al. 2024). Default 3 (what
   * Megatron-Core/Transformer Engine run on Hopper and newer); older generations run FA2 either way.
   */
  readonly flashAttentionVersion?: 2 | 3;
}

export function gpuCount(p: ParallelConfig): number {
  return p.tp * p.cp * p.pp * p.dp;
}

/** Micro-batches each pipeline processes per step. */
export function microBatchesPerStep(p: ParallelConfig): number {
  return p.globalBatch / (p.dp * p.microBatch);
}

import type { Precision } from "./hardware.js";

export const RECOMPUTE_MODES = ["none", "selective", "full"] as const;
export type Recompute = (typeof RECOMPUTE_MODES)[number];
export const ZERO_STAGES = [0, 1, 2, 3] as const;
export type ZeroStage = (typeof ZERO_STAGES)[number];
export const FINETUNE_MODES = ["full", "lora"] as const;
export type FinetuneMode = (typeof FINETUNE_MODES)[number];

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
}

export interface TrainingOptions {
  readonly precision: Precision;
  readonly finetune: FinetuneMode;
  /** attention without materialized score matrices (FlashAttention); false for 2021-era Megatron */
  readonly flashAttention: boolean;
  /** gradients accumulated in fp32 (Megatron fp16 and older stacks); false: 16-bit gradient buffers */
  readonly fp32Grads: boolean;
}

export function gpuCount(p: ParallelConfig): number {
  return p.tp * p.cp * p.pp * p.dp;
}

/** Micro-batches each pipeline processes per step. */
export function microBatchesPerStep(p: ParallelConfig): number {
  return p.globalBatch / (p.dp * p.microBatch);
}

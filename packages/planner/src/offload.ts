import type { Assumptions } from "./assumptions.js";
import type { HardwareProfile } from "./hardware.js";
import { BYTES, type MemoryBreakdown } from "./memory.js";
import { microBatchesPerStep, type ParallelConfig, type TrainingOptions } from "./parallel.js";

/**
 * Host link per accelerator when the catalog names none: PCIe Gen4 x16, 31.5 GB/s per direction (PCI-SIG 4.0 base
 * specification: 16 GT/s × 16 lanes, 128b/130b) — the A100/MI250X generation's link and the slowest still in service.
 * Range 15.75 (Gen3) to 450 (NVLink-C2C).
 */
export const DEFAULT_HOST_LINK_GBPS = 31.5;

/**
 * Host DRAM bandwidth per accelerator when the system names none: a DGX H100 (2 × Xeon 8480C, 8 channels of DDR5-4800
 * each = 614 GB/s) shared by 8 GPUs = 77 GB/s. Range 25 (DDR4 host, 8 GPUs) to 256 (a Grace's 512 GB/s LPDDR5X shared by
 * the two GPUs of a superchip).
 */
export const DEFAULT_HOST_MEMORY_GBPS_PER_ACCELERATOR = 76.8;

/**
 * Fraction of peak DRAM bandwidth a streaming CPU kernel reaches: STREAM triad on 2-socket Sapphire Rapids / EPYC hosts
 * reaches ~70–80 % of the channels' peak (McCalpin's STREAM results; vendor STREAM disclosures). Range 0.5–0.9.
 */
export const HOST_MEMORY_EFFICIENCY = 0.75;

/**
 * Host DRAM bytes the CPU Adam step moves per parameter: read fp32 master, gradient, two moments (16 B), write master and
 * moments back (12 B) and the 16-bit copy sent to the device (2 B). ZeRO-Offload's CPU-Adam (Ren et al., USENIX ATC
 * 2021, §4.2) is vectorised and memory-bound, so its time is these bytes over the host's memory bandwidth. Range 26–34.
 */
export const CPU_ADAM_BYTES_PER_PARAM = 30;

/** Host-link traffic of one training step on the most loaded stage, and how much of it the step waits for. */
export interface OffloadTime {
  /** effective one-direction host link bandwidth used, GB/s */
  readonly hostLinkGBps: number;
  readonly bytesToHost: number;
  readonly bytesToDevice: number;
  /** gradients down, updated 16-bit weights up, over the link, s */
  readonly optimizerLinkS: number;
  /** the CPU Adam step, s */
  readonly optimizerCpuS: number;
  /** weights streamed to the device per micro-batch pass, s */
  readonly weightLinkS: number;
  /** activations down in forward and back up in backward, s (the larger direction) */
  readonly activationLinkS: number;
  /** time the step waits for offload traffic and the CPU step, s */
  readonly exposedS: number;
  /** bytes the offloads keep in host memory per accelerator */
  readonly hostBytes: number;
  /** whether those bytes fit in the host memory share of one accelerator (true when the catalog does not say) */
  readonly hostFits: boolean;
}

/**
 * Offload cost of a step. `computeS` is the stage's compute time for the whole step (forward + backward over every
 * micro-batch): traffic that runs beside compute (weight prefetch, activation copies, gradient copies during backward)
 * is hidden up to the time of the compute it overlaps — forward ≈ 1/3 and backward ≈ 2/3 of `computeS` — and only the
 * excess is exposed. The CPU optimizer step and the upload of the updated weights happen after the last backward and
 * are exposed in full (no delayed parameter update).
 */
export function offloadTime(
  hw: HardwareProfile,
  a: Pick<Assumptions, "hostLinkEfficiency">,
  p: ParallelConfig,
  o: TrainingOptions,
  mem: MemoryBreakdown,
  computeS: number,
): OffloadTime {
  const link = (hw.hostLinkGBps ?? DEFAULT_HOST_LINK_GBPS) * a.hostLinkEfficiency * 1e9;
  const hostMem = (hw.hostMemoryBandwidthGBps ?? DEFAULT_HOST_MEMORY_GBPS_PER_ACCELERATOR) * HOST_MEMORY_EFFICIENCY * 1e9;
  const mbs = Math.max(1, microBatchesPerStep(p));
  const fwdS = computeS / 3;
  const bwdS = computeS - fwdS;

  // optimizer: this rank's shard of the gradients goes down during backward, the CPU updates, new weights come up
  const optParams = p.offloadOptimizer ? mem.hostOptimizerBytes / (BYTES.master + BYTES.adam) : 0;
  const gradDown = optParams * (o.fp32Grads ? BYTES.grad : 2);
  const weightUp = optParams * BYTES.weight;
  const optimizerLinkS = (gradDown + weightUp) / link;
  const optimizerCpuS = (optParams * CPU_ADAM_BYTES_PER_PARAM) / hostMem;

  // weights: the whole stage streams up for every forward and backward pass (and the recompute forward)
  const passes = 2 + (p.recompute === "full" ? 1 : 0);
  const weightsAtRest = mem.hostWeightsBytes + mem.weightsBytes;
  const weightUpStream = p.offloadWeights ? mbs * passes * weightsAtRest : 0;
  const weightLinkS = weightUpStream / link;

  // activations: every micro-batch's stash goes down in forward and comes back in backward
  const actBytes = p.offloadActivations ? mbs * mem.activationBytesPerMicroBatch : 0;
  const activationLinkS = actBytes / link;

  // host → device in forward: weight prefetch (1 of `passes`); device → host in forward: activations
  const fwdUp = weightLinkS / passes;
  const fwdDown = activationLinkS;
  const bwdUp = weightLinkS - fwdUp + activationLinkS;
  const bwdDown = gradDown / link;
  const exposedS =
    Math.max(0, Math.max(fwdUp, fwdDown) - fwdS) + Math.max(0, Math.max(bwdUp, bwdDown) - bwdS) + optimizerCpuS + weightUp / link;
  const hostBytes = mem.hostOptimizerBytes + mem.hostWeightsBytes + mem.hostActivationsBytes;
  return {
    hostLinkGBps: link / 1e9,
    bytesToHost: gradDown + actBytes,
    bytesToDevice: weightUp + weightUpStream + actBytes,
    optimizerLinkS,
    optimizerCpuS,
    weightLinkS,
    activationLinkS,
    exposedS,
    hostBytes,
    hostFits: hw.hostMemoryBytes === undefined || hostBytes <= hw.hostMemoryBytes,
  };
}

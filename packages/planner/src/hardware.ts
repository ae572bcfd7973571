import type { Accelerator, Catalog, System } from "@aidc/core";

export const PRECISIONS = ["fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp4", "int4"] as const;
export type Precision = (typeof PRECISIONS)[number];

/** What the performance model needs to know about one accelerator and how it is wired. */
export interface HardwareProfile {
  readonly accelerator: string;
  /** architecture generation from the catalog (Volta, Ampere, Hopper, Blackwell, CDNA3, TPU v5p…); "" when unknown */
  readonly generation: string;
  readonly memoryGB: number;
  /** usable memory in bytes (vendor GB; TPU capacities are stated in GiB) */
  readonly memoryBytes: number;
  readonly memoryBandwidthGBps: number;
  readonly tdpW: number;
  /** dense peak of the 16-bit tensor path (bf16, else fp16), TFLOP/s */
  readonly peak16Tflops: number;
  readonly peaks: Readonly<Partial<Record<Precision, number>>>;
  /** one direction of the per-accelerator scale-up link (NVLink...), GB/s; catalogs state bidirectional figures */
  readonly scaleUpGBps: number;
  /** accelerators that share the scale-up fabric (a node for HGX, a rack for NVL72, a pod for TPUs) */
  readonly scaleUpDomain: number;
  /** one direction of the scale-out network per accelerator, GB/s */
  readonly scaleOutGBps: number;
  readonly gpusPerNode: number;
  readonly system?: string;
}

/** Dense peak in TFLOP/s for a math precision; falls back to the 16-bit peak where the type is missing. */
export function peakFor(hw: HardwareProfile, precision: Precision): number {
  return hw.peaks[precision] ?? hw.peak16Tflops;
}

/** Default scale-out bandwidth per accelerator when no system says otherwise: 400 Gb/s (one NDR/400GbE NIC). */
export const DEFAULT_SCALE_OUT_GBPS_PER_GPU = 400;

export function systemFor(catalog: Catalog, acc: Accelerator): System | undefined {
  return catalog.systems.find((s) => s.accelerator === acc.id);
}

export interface ProfileOverrides {
  readonly gpusPerNode?: number;
  readonly scaleOutGbpsPerGpu?: number;
  readonly system?: System;
}

export function hardwareProfile(acc: Accelerator, catalog: Catalog, o: ProfileOverrides = {}): HardwareProfile {
  const system = o.system ?? systemFor(catalog, acc);
  const d = acc.dense;
  const peak16 = d.bf16Tflops ?? d.fp16Tflops ?? 0;
  const peaks: Partial<Record<Precision, number>> = {
    fp32: d.fp32Tflops ?? peak16 / 16,
    tf32: d.tf32Tflops ?? d.fp32Tflops ?? peak16 / 2,
    fp16: d.fp16Tflops ?? peak16,
    bf16: d.bf16Tflops ?? peak16,
    fp8: d.fp8Tflops ?? peak16,
    int8: d.int8Tops ?? d.fp8Tflops ?? peak16,
    fp4: d.fp4Tflops ?? d.fp8Tflops ?? peak16,
    int4: d.fp4Tflops ?? d.int8Tops ?? peak16,
  };
  const domain = acc.scaleUp?.domainSize ?? 1;
  const gpusPerNode = o.gpusPerNode ?? system?.acceleratorCount ?? Math.min(8, domain);
  const nicGbps = system?.nics.filter((n) => n.role === "compute").reduce((s, n) => s + n.count * n.gbps, 0) ?? 0;
  const perGpuGbps = o.scaleOutGbpsPerGpu ?? (nicGbps > 0 ? nicGbps / (system?.acceleratorCount ?? 1) : DEFAULT_SCALE_OUT_GBPS_PER_GPU);
  return {
    accelerator: acc.id,
    generation: acc.generation ?? "",
    memoryGB: acc.memoryGB,
    memoryBytes: acc.memoryGB * (acc.formFactor === "tpu" ? 2 ** 30 : 1e9),
    memoryBandwidthGBps: acc.memoryBandwidthGBps,
    tdpW: acc.tdpW,
    peak16Tflops: peak16,
    peaks,
    scaleUpGBps: acc.scaleUp ? acc.scaleUp.bidirGBps / 2 : perGpuGbps / 8,
    scaleUpDomain: Math.max(domain, 1),
    scaleOutGBps: perGpuGbps / 8,
    gpusPerNode,
    ...(system ? { system: system.id } : {}),
  };
}

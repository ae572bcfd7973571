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
  /**
   * one direction of the accelerator-to-host link (PCIe x16, NVLink-C2C) per accelerator, GB/s, divided among the
   * accelerators that share a PCIe switch uplink; absent when the catalog does not say
   */
  readonly hostLinkGBps?: number;
  /** host (CPU) memory per accelerator, bytes (system memory / accelerators per system) */
  readonly hostMemoryBytes?: number;
  /** peak host DRAM bandwidth per accelerator (system bandwidth / accelerators per system), GB/s */
  readonly hostMemoryBandwidthGBps?: number;
}

/**
 * One direction of a host link named in the catalog's `hostInterface`, GB/s. PCI-SIG base specifications: x16 at
 * 8 / 16 / 32 / 64 GT/s per lane (Gen3 / 4 / 5 / 6) with 128b/130b coding (Gen6: FLIT, ~242/256) = 15.75 / 31.5 / 63 /
 * 121 GB/s; narrower links scale with the lane count. NVLink-C2C: 900 GB/s bidirectional = 450 per direction
 * (NVIDIA Grace Hopper / Grace Blackwell superchip datasheets). Undefined for an interface it does not know.
 */
export function hostLinkGBpsOf(hostInterface: string | undefined): number | undefined {
  if (!hostInterface) return undefined;
  const s = hostInterface.toLowerCase();
  const c2c = /nvlink-c2c[^0-9]*([0-9.]+)\s*gb\/s/.exec(s);
  if (s.includes("c2c")) return c2c ? Number(c2c[1]) / 2 : 450;
  const gen = /pcie\s*gen\s*([3-6])/.exec(s);
  if (!gen) return undefined;
  const perX16: Record<string, number> = { "3": 15.75, "4": 31.5, "5": 63, "6": 121 };
  const lanes = /x\s*(1|2|4|8|16)\b/.exec(s);
  return (perX16[gen[1]!]! * (lanes ? Number(lanes[1]) : 16)) / 16;
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
    memoryBytes: memoryBytesOf(acc),
    memoryBandwidthGBps: acc.memoryBandwidthGBps,
    tdpW: acc.tdpW,
    peak16Tflops: peak16,
    peaks,
    scaleUpGBps: acc.scaleUp ? acc.scaleUp.bidirGBps / 2 : perGpuGbps / 8,
    scaleUpDomain: Math.max(domain, 1),
    scaleOutGBps: perGpuGbps / 8,
    gpusPerNode,
    ...(system ? { system: system.id } : {}),
    ...hostFields(acc, system),
  };
}

function hostFields(acc: Accelerator, system: System | undefined): Partial<HardwareProfile> {
  const own = acc.hostLinkBidirGBps !== undefined ? acc.hostLinkBidirGBps / 2 : hostLinkGBpsOf(acc.hostInterface);
  // accelerators behind one PCIe switch uplink share it: in data-parallel training they all stream at once
  const link = own !== undefined ? own / (system?.acceleratorsPerHostLink ?? 1) : undefined;
  const per = system ? system.acceleratorCount : 0;
  return {
    ...(link !== undefined ? { hostLinkGBps: link } : {}),
    ...(system && per > 0 ? { hostMemoryBytes: (system.memoryGiB * 2 ** 30) / per } : {}),
    ...(system?.hostMemoryBandwidthGBps !== undefined && per > 0 ? { hostMemoryBandwidthGBps: system.hostMemoryBandwidthGBps / per } : {}),
  };
}

/**
 * Device memory in bytes. HBM capacities are sold in binary units: stacks are built from power-of-two dies, so an
 * "80 GB" A100 or H100 holds 80 GiB (nvidia-smi: 81920 MiB and 81559 MiB), an H200 "141 GB" shows 143771 MiB, an
 * MI300X "192 GB" is eight 24 GiB stacks, and Google states TPU memory in GiB. Reading them as 10^9 bytes under-counts
 * by 7 %, enough to reject layouts that ran in production (Llama 3.1 405B at TP8 PP16 with interleaving). GDDR cards
 * reserve part of their binary capacity for ECC (L4 "24 GB": 23034 MiB; T4 "16 GB": 15360 MiB), which lands close to
 * the decimal figure, so those are read as 10^9 bytes.
 */
export function memoryBytesOf(acc: { readonly memoryGB: number; readonly memoryType?: string; readonly formFactor?: string }): number {
  const hbm = acc.formFactor === "tpu" || /^hbm/i.test(acc.memoryType ?? "");
  return acc.memoryGB * (hbm ? 2 ** 30 : 1e9);
}

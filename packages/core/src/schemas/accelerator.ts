import { z } from "zod";
import { catalogItemBase, positive, positiveCount } from "./common.js";

export const ACCELERATOR_VENDORS = ["nvidia", "amd", "google", "intel"] as const;
export const FORM_FACTORS = ["sxm", "pcie", "oam", "superchip", "tpu", "mezzanine"] as const;

/** Dense (no 2:4 sparsity) peak throughput per data type; absent where the hardware lacks the type. */
export const DensePeak = z
  .strictObject({
  fp64Tflops: positive.optional().describe("FP64 peak, using tensor/matrix cores where the vendor quotes them"),
  fp32Tflops: positive.optional(),
  tf32Tflops: positive.optional(),
  fp16Tflops: positive.optional(),
  bf16Tflops: positive.optional().describe("absent on parts without BF16 (V100, T4)"),
  fp8Tflops: positive.optional(),
  fp4Tflops: positive.optional(),
  int8Tops: positive.optional(),
  })
  .refine((d) => d.bf16Tflops !== undefined || d.fp16Tflops !== undefined, { message: "needs bf16Tflops or fp16Tflops" });
export type DensePeak = z.infer<typeof DensePeak>;

export const ScaleUpLink = z.strictObject({
  name: z.string().min(1).describe("e.g. NVLink 4, Infinity Fabric, ICI"),
  bidirGBps: positive.describe("aggregate bidirectional bandwidth per accelerator, GB/s"),
  links: positiveCount,
  domainSize: positiveCount.optional().describe("accelerators reachable over the scale-up fabric in one hop domain"),
});
export type ScaleUpLink = z.infer<typeof ScaleUpLink>;

export const Accelerator = z.strictObject({
  ...catalogItemBase,
  kind: z.literal("Accelerator"),
  vendor: z.enum(ACCELERATOR_VENDORS),
  generation: z.string().optional(),
  formFactor: z.enum(FORM_FACTORS),
  memoryGB: positive.describe("on-package memory as the vendor states it (GB, or GiB for TPUs)"),
  memoryType: z.string().min(1),
  memoryBandwidthGBps: positive,
  dense: DensePeak,
  tdpW: positive,
  scaleUp: ScaleUpLink.optional(),
  hostInterface: z.string().optional(),
  hostLinkBidirGBps: positive
    .optional()
    .describe("bidirectional accelerator-to-host link bandwidth, GB/s (PCIe x16, NVLink-C2C); derived from hostInterface when absent"),
});
export type Accelerator = z.infer<typeof Accelerator>;

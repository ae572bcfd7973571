import { z } from "zod";
import { catalogId, catalogItemBase, positive, positiveCount } from "./common.js";

export const NicGroup = z.strictObject({
  nic: catalogId.describe("catalog id of the NIC"),
  count: positiveCount,
  gbps: positive.describe("line rate of one NIC"),
  role: z.enum(["compute", "storage", "management"]),
});

export const System = z.strictObject({
  ...catalogItemBase,
  kind: z.literal("System"),
  vendor: z.string().min(1),
  accelerator: catalogId,
  acceleratorCount: positiveCount,
  cpu: z.strictObject({ model: z.string().min(1), count: positiveCount, coresPerCpu: positiveCount }),
  memoryGiB: positive.describe("host (CPU) memory"),
  hostMemoryBandwidthGBps: positive.optional().describe("peak host DRAM bandwidth of the whole system (all CPUs), GB/s"),
  acceleratorsPerHostLink: positiveCount
    .optional()
    .describe("accelerators behind one host uplink (a PCIe switch's x16 to the CPU); they share it when all stream at once"),
  nics: z.array(NicGroup).default([]),
  localStorageTB: positive.optional(),
  rackUnits: positiveCount.describe("rack units occupied (a whole rack for rack-scale systems)"),
  maxPowerKw: positive,
  cooling: z.enum(["air", "liquid", "hybrid"]).default("air"),
});
export type System = z.infer<typeof System>;

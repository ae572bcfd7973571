import { z } from "zod";
import { catalogItemBase, positive, positiveCount } from "./common.js";

export const NETWORK_TECHNOLOGIES = ["infiniband", "ethernet"] as const;

export const Switch = z.strictObject({
  ...catalogItemBase,
  kind: z.literal("Switch"),
  vendor: z.string().min(1),
  technology: z.enum(NETWORK_TECHNOLOGIES),
  ports: positiveCount.describe("ports at full speed"),
  portGbps: positive,
  radix: positiveCount.describe("largest port count when ports are split (e.g. 2x200G per 400G port)"),
  switchingTbps: positive.describe("aggregate bidirectional switching capacity"),
  inNetworkReduction: z.string().optional().describe("e.g. SHARPv3; absent when unsupported"),
  rackUnits: positiveCount,
  maxPowerW: positive.optional(),
});
export type Switch = z.infer<typeof Switch>;

export const Nic = z.strictObject({
  ...catalogItemBase,
  kind: z.literal("Nic"),
  vendor: z.string().min(1),
  technology: z.array(z.enum(NETWORK_TECHNOLOGIES)).min(1),
  portGbps: positive,
  ports: positiveCount,
  hostInterface: z.string().min(1),
  maxPowerW: positive.optional(),
});
export type Nic = z.infer<typeof Nic>;

import { z } from "zod";
import { apiVersion, catalogId, count, labels, nonNegative, objectName, positive, positiveCount } from "./common.js";
import { Limits, QueueLimits } from "./limits.js";

export const TOPOLOGIES = ["single-switch", "rail-optimized", "fat-tree", "torus"] as const;

export const Fabric = z.strictObject({
  topology: z.enum(TOPOLOGIES),
  switch: z.string().min(1).optional().describe("catalog id or alias of the leaf/spine switch"),
  nic: z.string().min(1).optional().describe("catalog id or alias of the compute NIC"),
  oversubscription: z.number().min(1).default(1).describe("leaf downlink:uplink ratio; 1 = non-blocking"),
  tiers: positiveCount.optional(),
  torusDims: z.array(positiveCount).min(1).max(3).optional(),
});
export type Fabric = z.infer<typeof Fabric>;

export const NodeGroup = z
  .strictObject({
    name: objectName.describe("node name, or the prefix of numbered names when count > 1"),
    count: positiveCount.default(1),
    system: z.string().min(1).optional().describe("catalog id or alias of the server model"),
    accelerator: z.string().min(1).optional().describe("catalog id or alias; overrides the system's"),
    gpus: count.optional().describe("accelerators per node; defaults to the system's"),
    cpus: positiveCount.optional(),
    memoryGiB: positive.optional(),
    labels: labels.default({}),
  })
  .superRefine((g, ctx) => {
    if (g.system === undefined && g.accelerator === undefined && g.gpus !== undefined && g.gpus > 0) {
      ctx.addIssue({ code: "custom", path: ["accelerator"], message: "is required when gpus > 0 and no system is given" });
    }
    if (g.system === undefined && (g.cpus === undefined || g.memoryGiB === undefined)) {
      ctx.addIssue({ code: "custom", path: ["system"], message: "is required unless cpus and memoryGiB are given" });
    }
  });
export type NodeGroup = z.infer<typeof NodeGroup>;

export const RackSpec = z.strictObject({
  name: objectName,
  pod: objectName.optional(),
  powerKw: positive.optional().describe("power budget of the rack"),
  rackUnits: positiveCount.default(42),
  nodes: z.array(NodeGroup).min(1),
});
export type RackSpec = z.infer<typeof RackSpec>;

export const ResourceQuota = z.strictObject({
  gpus: nonNegative.optional(),
  cpus: nonNegative.optional(),
  memoryGiB: nonNegative.optional(),
});
export type ResourceQuota = z.infer<typeof ResourceQuota>;

export const Partition = z.strictObject({
  name: objectName,
  racks: z.array(objectName).optional().describe("racks in this partition; all racks when absent"),
  nodeLabels: labels.optional().describe("only nodes carrying all these labels"),
  default: z.boolean().default(false),
});
export type Partition = z.infer<typeof Partition>;

export const Queue = z.strictObject({
  name: objectName,
  partition: objectName.optional(),
  priority: z.number().int().default(0),
  weight: positive.default(1).describe("fair-share weight"),
  quota: ResourceQuota.default({}).describe("guaranteed (nominal) resources; absent = unlimited"),
  borrowingLimit: ResourceQuota.optional().describe("how much above quota this queue may borrow from its cohort"),
  cohort: objectName.optional(),
  limits: QueueLimits.optional().describe("this queue's own job limits, overriding the cluster's"),
});
export type Queue = z.infer<typeof Queue>;

export const Cluster = z.strictObject({
  apiVersion,
  kind: z.literal("Cluster"),
  name: objectName,
  description: z.string().optional(),
  fabric: Fabric.default({ topology: "single-switch", oversubscription: 1 }),
  racks: z.array(RackSpec).min(1),
  partitions: z.array(Partition).default([]),
  queues: z.array(Queue).default([]),
  limits: Limits.prefault({}).describe("what one job and one user may ask of the server; defaults fit a real cluster"),
});
export type Cluster = z.infer<typeof Cluster>;

/** A node after a cluster file has been expanded against the catalog. */
export const Node = z.strictObject({
  name: objectName,
  rack: objectName,
  pod: objectName,
  system: catalogId.optional(),
  accelerator: catalogId.optional(),
  gpus: count,
  gpuMemoryGB: nonNegative,
  cpus: positiveCount,
  memoryGiB: positive,
  labels,
  partitions: z.array(objectName),
});
export type Node = z.infer<typeof Node>;

export const Rack = z.strictObject({
  name: objectName,
  pod: objectName,
  powerKw: positive.optional(),
  rackUnits: positiveCount,
  nodes: z.array(objectName),
});
export type Rack = z.infer<typeof Rack>;

import { z } from "zod";
import { Accelerator } from "./schemas/accelerator.js";
import { Cluster } from "./schemas/cluster.js";
import { JobSpec } from "./schemas/job.js";
import { ModelArch } from "./schemas/model.js";
import { Nic, Switch } from "./schemas/network.js";
import { System } from "./schemas/system.js";

/** Every external input with its schema; the build writes their JSON Schemas to schemas/. */
export const DOCUMENT_SCHEMAS = { Cluster, Job: JobSpec, Accelerator, System, Switch, Nic, ModelArch } as const;

export function jsonSchemaFor(kind: keyof typeof DOCUMENT_SCHEMAS): Record<string, unknown> {
  return z.toJSONSchema(DOCUMENT_SCHEMAS[kind], { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

import { z } from "zod";
import { Accelerator } from "./schemas/accelerator.js";
import { Cluster, Fabric, Node, Queue, Rack } from "./schemas/cluster.js";
import { JobSpec } from "./schemas/job.js";
import { ModelArch } from "./schemas/model.js";
import { Nic, Switch } from "./schemas/network.js";
import { System } from "./schemas/system.js";

/** Every external input with its schema; the build writes their JSON Schemas to schemas/. */
export const DOCUMENT_SCHEMAS = { Cluster, Job: JobSpec, Accelerator, System, Switch, Nic, ModelArch } as const;

/** Parts of the domain model that are not files of their own but appear in the API (expanded clusters). */
export const MODEL_SCHEMAS = { Node, Rack, Fabric, Queue } as const;

export type SchemaName = keyof typeof DOCUMENT_SCHEMAS | keyof typeof MODEL_SCHEMAS;

export function jsonSchemaFor(name: SchemaName): Record<string, unknown> {
  const schema =
    name in DOCUMENT_SCHEMAS ? DOCUMENT_SCHEMAS[name as keyof typeof DOCUMENT_SCHEMAS] : MODEL_SCHEMAS[name as keyof typeof MODEL_SCHEMAS];
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

import { z } from "zod";
import { API_VERSION, issue, issuesFromZod, type Issue } from "@aidc/core";
import { parsePrecision, type EntryAccounting, type EntryConventions, type EntryStack, type ValidationEntry } from "./entry.js";

/**
 * Per-source conventions: what a reader of each source wrote down about how it counts (FLOPs, attention, per-GPU
 * or per-group throughput), the stack it ran (FlashAttention, overlap, recomputation modes…) and its accounting
 * (PUE, grid intensity, goodput), each with the reason. It is data, loaded by `plan check` (`--conventions`); the
 * model code never names a source. An entry's own `conventions:`/`stack:`/`accounting:` fields win over the file.
 */
const conventionsSchema = z.strictObject({
  flops: z.enum(["model", "hardware"]).optional(),
  attention: z.enum(["causal", "full"]).optional(),
  throughput_per: z.enum(["gpu", "group"]).optional(),
});
const stackSchema = z.strictObject({
  flash_attention: z.boolean().optional(),
  flash_attention_version: z.union([z.literal(2), z.literal(3)]).optional(),
  tp_overlap: z.enum(["none", "pipelined", "ring"]).optional(),
  dp_overlap: z.boolean().optional(),
  ep_overlap: z.boolean().optional(),
  selective_recompute: z.boolean().optional(),
  recompute: z.enum(["none", "selective", "full"]).optional(),
  sequence_parallel: z.boolean().optional(),
  distributed_optimizer: z.boolean().optional(),
  fp32_grads: z.boolean().optional(),
  dropout: z.boolean().optional(),
  kv_cache_precision: z.enum(["fp32", "fp16", "bf16", "fp8", "int8", "fp4", "int4"]).optional(),
  gqa_decode_kernel: z.boolean().optional(),
});
const accountingSchema = z.strictObject({
  pue: z.number().min(1).max(3).optional(),
  grid_kg_co2_per_kwh: z.number().min(0).max(2).optional(),
  goodput: z.number().gt(0).max(1).optional(),
  power_w: z.number().positive().optional(),
});
const blockSchema = z.strictObject({
  conventions: conventionsSchema.optional(),
  stack: stackSchema.optional(),
  accounting: accountingSchema.optional(),
});
const sourceSchema = blockSchema.extend({
  /** why: where in the source the convention is stated (section, table, file) */
  reason: z.string().min(10),
  /** overrides for entries of one precision (e.g. the FP8 rows of a table ran an FP8 KV cache) */
  by_precision: z.record(z.string(), blockSchema.extend({ reason: z.string().min(10) })).optional(),
});
export const conventionsFileSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("PlannerConventions"),
  sources: z.record(z.string(), sourceSchema),
});

export type SourceConventions = z.infer<typeof sourceSchema>;
/** Conventions by source name (the validation file's `source.ref` / `source.also`). */
export type ConventionsTable = Readonly<Record<string, SourceConventions>>;

/** Check already-parsed YAML of a conventions file; every problem as an Issue naming its path. */
export function parseConventions(data: unknown): { table?: ConventionsTable; issues: Issue[] } {
  if (data === null || typeof data !== "object" || Array.isArray(data))
    return { issues: [issue("invalid_type", "(document)", "expected a mapping with apiVersion, kind and sources")] };
  const r = conventionsFileSchema.safeParse(data);
  if (!r.success) return { issues: issuesFromZod(r.error, data) };
  return { table: r.data.sources, issues: [] };
}

interface Block {
  readonly conventions?: EntryConventions;
  readonly stack?: EntryStack;
  readonly accounting?: EntryAccounting;
}

function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function merge(into: { conventions: EntryConventions; stack: EntryStack; accounting: EntryAccounting }, b: Block | undefined): void {
  if (!b) return;
  into.conventions = { ...into.conventions, ...defined(b.conventions) };
  into.stack = { ...into.stack, ...defined(b.stack) };
  into.accounting = { ...into.accounting, ...defined(b.accounting) };
}

/**
 * The entry with its conventions filled in: the sources' file blocks (`source.also` first, then `source.ref`, each
 * followed by its `by_precision` block for the entry's precision), then the entry's own fields on top. Sources
 * the table does not list contribute nothing (the model's defaults apply).
 */
export function applyConventions(e: ValidationEntry, table: ConventionsTable | undefined): ValidationEntry {
  const out = { conventions: {} as EntryConventions, stack: {} as EntryStack, accounting: {} as EntryAccounting };
  const precision = e.precision !== undefined ? parsePrecision(e.precision) : undefined;
  for (const name of [e.source?.also, e.source?.ref]) {
    const s = name !== undefined ? table?.[name] : undefined;
    if (!s) continue;
    merge(out, s);
    if (precision !== undefined) merge(out, s.by_precision?.[precision]);
  }
  merge(out, e);
  return { ...e, conventions: out.conventions, stack: out.stack, accounting: out.accounting };
}

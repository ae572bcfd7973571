import { z } from "zod";
import { apiVersion, objectName } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS, type Assumptions } from "../assumptions.js";
import { PRECISIONS } from "../hardware.js";
import { FINETUNE_MODES, RANK_DIMS, RECOMPUTE_MODES, TP_COMM_ALGORITHMS, TP_OVERLAP_MODES } from "../parallel.js";

const pos = z.number().positive();
const posInt = z.number().int().positive();

/** Any named efficiency factor of the model may be overridden per scenario. */
export const AssumptionOverrides = z
  .strictObject(
    Object.fromEntries(Object.keys(DEFAULT_ASSUMPTIONS).map((k) => [k, z.number().nonnegative().optional()])) as Record<
      keyof Assumptions,
      z.ZodOptional<z.ZodNumber>
    >,
  )
  .describe("overrides of the named efficiency factors (see `aidc plan train --json` assumptions)");

export const HardwareSpec = z.strictObject({
  accelerator: z.string().min(1).describe("catalog id or alias, e.g. h100-sxm5-80gb"),
  count: posInt.describe("accelerators available"),
  system: z.string().min(1).optional().describe("catalog system (sets GPUs per node and NICs)"),
  gpusPerNode: posInt.optional(),
  scaleOutGbpsPerGpu: pos.optional().describe("scale-out NIC bandwidth per accelerator, Gb/s"),
});

export const ParallelismSpec = z.strictObject({
  tp: posInt.default(1),
  pp: posInt.default(1),
  dp: posInt.optional().describe("defaults to count / (tp x pp x cp)"),
  cp: posInt.default(1),
  ep: posInt.default(1),
  vp: posInt.default(1).describe("virtual pipeline stages (interleaved 1F1B when > 1)"),
  microBatch: posInt.default(1),
  recompute: z.enum(RECOMPUTE_MODES).default("selective"),
  sequenceParallel: z.boolean().optional().describe("defaults to tp > 1"),
  zeroStage: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).default(1),
  recomputeLayers: posInt.optional().describe("with recompute full: layers of each stage recomputed (default all)"),
  firstStageLayers: posInt.optional().describe("layers on the first pipeline stage (uneven split; default: even)"),
  lastStageLayers: posInt.optional().describe("layers on the last pipeline stage (uneven split; default: even)"),
  tpOverlap: z.enum(TP_OVERLAP_MODES).optional().describe("TP communication overlap: none, pipelined (chunked GEMMs), ring"),
  tpComm: z.enum(TP_COMM_ALGORITHMS).optional().describe("TP collectives: allreduce, or rs-ag (required with SP)"),
  dpOverlap: z.boolean().optional().describe("gradient reduction overlapped with backward (default true)"),
  epOverlap: z.boolean().optional().describe("expert all-to-all overlapped with other compute (default false)"),
  offloadOptimizer: z.boolean().optional().describe("optimizer state in host memory, CPU optimizer step"),
  offloadWeights: z.boolean().optional().describe("weights in host memory, streamed per layer"),
  offloadActivations: z.boolean().optional().describe("stashed activations copied to host memory"),
  rankOrder: z
    .array(z.enum(RANK_DIMS))
    .length(RANK_DIMS.length)
    .refine((o) => new Set(o).size === o.length, "must name each of tp, cp, dp, pp once")
    .optional()
    .describe("rank layout, innermost first (default tp, cp, dp, pp): the innermost dimensions share the scale-up link"),
});

/** How the reported TFLOPS count FLOPs (default: model FLOPs, attention in full, no recompute, as PaLM/Megatron). */
export const FlopConventionSpec = z.strictObject({
  causalAttention: z.boolean().default(false).describe("count only the causal half of the attention scores"),
  includeRecompute: z.boolean().default(false).describe("count recomputed FLOPs (hardware FLOPs)"),
});

export const SearchSpec = z.strictObject({
  topK: posInt.max(50).default(5),
  objective: z.enum(["time", "cost"]).default("time"),
  gpuCounts: z.array(posInt).min(1).max(16).optional().describe("candidate cluster sizes; default: hardware.count only"),
  space: z
    .enum(["wide", "narrow"])
    .optional()
    .describe(
      "wide: uneven stages, per-layer recompute, ZeRO 0-3, overlap modes, TP algorithm, offloads, rank orders; narrow: the pre-2026 axes. Default: wide for dense models, narrow for mixture-of-experts (the wide MoE search takes minutes)",
    ),
});

export const TrainingScenario = z.strictObject({
  apiVersion,
  kind: z.literal("TrainingScenario"),
  name: objectName,
  description: z.string().optional(),
  model: z.string().min(1).describe("catalog model id or alias"),
  seqLen: posInt.optional().describe("training sequence length; default min(model context, 8192)"),
  precision: z.enum(PRECISIONS).default("bf16"),
  hardware: HardwareSpec,
  training: z.strictObject({
    tokens: pos.optional().describe("tokens to train on (transformers)"),
    samples: pos.optional().describe("samples x epochs (LSTM/CNN models)"),
    globalBatch: posInt.optional().describe("sequences per step"),
    globalBatchTokens: posInt.optional(),
    finetune: z.enum(FINETUNE_MODES).default("full"),
  }),
  parallelism: ParallelismSpec.optional(),
  search: SearchSpec.optional(),
  flopConvention: FlopConventionSpec.optional().describe("FLOP convention of the reported TFLOPS (reportedTflopsPerGpu)"),
  assumptions: AssumptionOverrides.optional(),
});
export type TrainingScenario = z.infer<typeof TrainingScenario>;

export const InferenceScenario = z.strictObject({
  apiVersion,
  kind: z.literal("InferenceScenario"),
  name: objectName,
  description: z.string().optional(),
  model: z.string().min(1),
  precision: z.enum(PRECISIONS).default("bf16").describe("weight precision (fp8/int8 halve weight bytes, fp4/int4 quarter them)"),
  kvPrecision: z
    .enum(PRECISIONS)
    .default("bf16")
    .describe("KV-cache element type (serving stacks default to 16 bits whatever the weights; fp8 halves KV bytes)"),
  hardware: z.strictObject({ accelerator: z.string().min(1), system: z.string().min(1).optional() }),
  tp: z.array(posInt).min(1).default([1, 2, 4, 8]).describe("tensor-parallel degrees to consider per replica"),
  speculative: z
    .strictObject({
      draftTokens: posInt.max(16).default(4).describe("tokens the drafter proposes per step (k)"),
      acceptance: z.number().min(0).lt(1).describe("probability a drafted token is accepted (alpha)"),
      draftModel: z.string().min(1).optional().describe("catalog model used as the drafter (its step time is modelled)"),
      draftStepRatio: z
        .number()
        .min(0)
        .max(1)
        .optional()
        .describe("draft step time / target step time when no draftModel: ~0 n-gram lookup, ~1/layers MTP"),
    })
    .optional()
    .describe("speculative decoding: tokens per verify step (1 - a^(k+1)) / (1 - a)"),
  prefixCache: z
    .strictObject({ hitRate: z.number().min(0).lt(1).describe("fraction of prompt tokens found in the prefix cache") })
    .optional(),
  workload: z.strictObject({
    inputTokens: posInt.describe("mean prompt length"),
    outputTokens: posInt.describe("mean generated length"),
    requestsPerS: pos.optional().describe("offered load for capacity planning"),
    batch: posInt.optional().describe("evaluate one batch size instead of the best one"),
  }),
  slo: z.strictObject({ ttftMs: pos.optional(), itlMs: pos.optional() }).default({}),
  assumptions: AssumptionOverrides.optional(),
});
export type InferenceScenario = z.infer<typeof InferenceScenario>;

export const SiteSpec = z.strictObject({
  name: objectName,
  usdPerKwh: pos,
  gridKgCo2PerKwh: z.number().nonnegative(),
  pue: z.number().min(1),
  latencyMsToUsers: z.number().nonnegative().default(0),
  tier: z.number().int().min(1).max(4).default(3).describe("Uptime Institute tier"),
});

export const DatacenterScenario = z.strictObject({
  apiVersion,
  kind: z.literal("DatacenterScenario"),
  name: objectName,
  description: z.string().optional(),
  system: z.string().min(1).describe("catalog system the accelerators come in, e.g. dgx-h100"),
  demand: z
    .array(
      z.strictObject({
        name: objectName,
        kind: z.enum(["training", "inference"]),
        gpus: posInt,
        model: z.string().min(1).optional().describe("sizes checkpoints and model storage"),
        datasetTB: z.number().nonnegative().default(0),
      }),
    )
    .min(1),
  rack: z.strictObject({ powerKw: pos.default(40), rackUnits: posInt.default(42) }).default({ powerKw: 40, rackUnits: 42 }),
  network: z
    .strictObject({
      topology: z.enum(["rail-optimized", "fat-tree"]).default("rail-optimized"),
      switch: z.string().min(1).default("quantum-2-qm9700"),
      oversubscription: z.number().min(1).default(1),
    })
    .default({ topology: "rail-optimized", switch: "quantum-2-qm9700", oversubscription: 1 }),
  storage: z
    .strictObject({
      checkpointWriteTargetS: pos.default(300),
      checkpointsKept: posInt.default(5),
      hotFraction: z.number().min(0).max(1).default(0.3),
    })
    .default({ checkpointWriteTargetS: 300, checkpointsKept: 5, hotFraction: 0.3 }),
  finance: z
    .strictObject({
      years: z.number().int().min(1).max(10).default(4),
      systemUsd: pos.optional().describe("price of one system; default from the accelerator class"),
      utilization: z.number().min(0).max(1).default(0.8),
    })
    .default({ years: 4, utilization: 0.8 }),
  sites: z.array(SiteSpec).min(1),
});
export type DatacenterScenario = z.infer<typeof DatacenterScenario>;

export const SCENARIO_SCHEMAS = { TrainingScenario, InferenceScenario, DatacenterScenario } as const;
export type ScenarioKind = keyof typeof SCENARIO_SCHEMAS;

/** JSON Schemas of the scenario kinds (for `schemas/` and editors), generated from the same zod schemas. */
export function scenarioJsonSchemas(): Record<ScenarioKind, unknown> {
  return {
    TrainingScenario: z.toJSONSchema(TrainingScenario, { io: "input" }),
    InferenceScenario: z.toJSONSchema(InferenceScenario, { io: "input" }),
    DatacenterScenario: z.toJSONSchema(DatacenterScenario, { io: "input" }),
  };
}

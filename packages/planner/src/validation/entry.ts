import type { Accelerator, Catalog } from "@aidc/core";
import type { Precision } from "../hardware.js";
import type { FinetuneMode, Recompute, ZeroStage } from "../parallel.js";
import { shapeFromModel, type TransformerShape } from "../shape.js";
import { resolveName } from "./resolve.js";

/**
 * How a source counts and reports (not how the run was done): FLOPs behind a "TFLOP/s" figure (model FLOPs or
 * hardware FLOPs that include the recomputation pass), attention counted in full or causally halved, and whether a
 * throughput is per GPU or for the whole serving group.
 */
export interface EntryConventions {
  readonly flops?: "model" | "hardware";
  readonly attention?: "causal" | "full";
  readonly throughput_per?: "gpu" | "group";
}

/** The software stack a source ran, where the entry does not state it in `parallelism`. */
export interface EntryStack {
  /** attention without materialised score matrices (FlashAttention); false for 2021-22 stacks */
  readonly flash_attention?: boolean;
  /** FlashAttention generation: 2 (FlashAttention-2 kernels) or 3 (FA3 / cuDNN fused attention, the default) */
  readonly flash_attention_version?: 2 | 3;
  /** tensor-parallel communication overlap mode (Megatron tp-comm-overlap = "pipelined") */
  readonly tp_overlap?: "none" | "pipelined" | "ring";
  /** data-parallel gradient reduction overlapped with backward */
  readonly dp_overlap?: boolean;
  /** expert all-to-all overlapped with another micro-batch's compute (DualPipe / batch-level overlap) */
  readonly ep_overlap?: boolean;
  /** the stack offers selective recomputation (Korthikanti et al. 2022); false for older stacks */
  readonly selective_recompute?: boolean;
  /** recomputation the source ran when its entries do not say (e.g. "full": every layer, counted in its FLOPs) */
  readonly recompute?: "none" | "selective" | "full";
  /** Megatron sequence parallelism used with TP when the entry does not say */
  readonly sequence_parallel?: boolean;
  /** distributed optimizer / ZeRO-1 used when the entry does not say */
  readonly distributed_optimizer?: boolean;
  /** gradients accumulated in fp32 */
  readonly fp32_grads?: boolean;
  /** dropout layers present (Megatron GPT default 0.1); Llama-family and MPT recipes train without */
  readonly dropout?: boolean;
  /** inference: KV-cache element type */
  readonly kv_cache_precision?: string;
  /** inference: decode attention reads each KV head once (GQA-aware kernel); false = one read per query head */
  readonly gqa_decode_kernel?: boolean;
}

/** Accounting a source states for GPU-hours, energy and carbon (its own figures, not our defaults). */
export interface EntryAccounting {
  readonly pue?: number;
  readonly grid_kg_co2_per_kwh?: number;
  /** fraction of wall time the run made progress; 1 = the source's figure is pure throughput arithmetic */
  readonly goodput?: number;
  /** average power per accelerator, W */
  readonly power_w?: number;
}

/** One entry of a planner-validation file, as parsed YAML (only the fields the planner reads). */
export interface ValidationEntry {
  readonly id: string;
  readonly kind: string;
  readonly source?: { readonly ref?: string; readonly also?: string };
  readonly model?: Record<string, unknown>;
  readonly hardware?: Record<string, unknown>;
  readonly parallelism?: Record<string, unknown>;
  readonly precision?: string;
  readonly workload?: Record<string, unknown>;
  readonly measured?: Record<string, unknown>;
  readonly notes?: string;
  /** the entry's own conventions; unstated ones come from the per-source conventions file (conventions.ts) */
  readonly conventions?: EntryConventions;
  readonly stack?: EntryStack;
  readonly accounting?: EntryAccounting;
}

export function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") {
    const m = /^\s*([\d.]+)\s*([kKmMbBtT]?)\b/.exec(v);
    if (m) {
      const scale = { "": 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[(m[2] ?? "").toLowerCase()] ?? 1;
      return Number(m[1]) * scale;
    }
  }
  return undefined;
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v);
}

export function parsePrecision(text: string | undefined): Precision {
  const t = (text ?? "").toLowerCase();
  if (/fp4|nvfp4|int4/.test(t)) return t.includes("int4") ? "int4" : "fp4";
  if (/fp8/.test(t)) return "fp8";
  if (/int8/.test(t)) return "int8";
  if (/bf16/.test(t)) return "bf16";
  if (/fp16|half/.test(t)) return "fp16";
  if (/fp32|tf32/.test(t)) return "tf32";
  return "bf16";
}

export function resolveAccelerator(catalog: Catalog, e: ValidationEntry): Accelerator | undefined {
  const text = str(e.hardware?.["accelerator"]);
  return text === "" ? undefined : resolveName(catalog, text, "Accelerator");
}

const GATED = /llama|swiglu|geglu|mistral|mixtral|qwen|deepseek/i;

/**
 * The transformer shape an entry describes. Missing sizes are filled by rule: params from `params_b`,
 * hidden from the GPT-3 aspect ratio (hidden = 128 x layers), FFN solved from the parameter count.
 */
export function entryShape(e: ValidationEntry, catalog: Catalog): TransformerShape | undefined {
  const m = e.model ?? {};
  const params =
    num(m["params_b"]) !== undefined
      ? (num(m["params_b"]) ?? 0) * 1e9
      : num(m["params_b_total"]) !== undefined
        ? (num(m["params_b_total"]) ?? 0) * 1e9
        : num(m["params_label"]);
  if (num(m["layers"]) === undefined || num(m["hidden"]) === undefined || m["routed_experts"] !== undefined) {
    const known = catalogShape(e, catalog, params);
    if (known) return known;
  }
  const gated = GATED.test(`${str(m["family"])} ${str(m["ffn"])}`);
  const vocab = num(m["vocab"]) ?? (/llama 3|llama3/i.test(str(m["family"])) ? 128256 : /llama/i.test(str(m["family"])) ? 32000 : 51200);
  const seqLen = num(m["seq_len"]) ?? num(e.workload?.["context_len"]) ?? 2048;
  let layers = num(m["layers"]);
  let hidden = num(m["hidden"]);
  if (hidden === undefined || layers === undefined) {
    if (params === undefined) return undefined;
    // params ~ 12 x layers x hidden^2; GPT-3 family aspect ratio hidden = 128 x layers when neither is given
    if (layers !== undefined) hidden = Math.max(256, Math.round(Math.sqrt(params / (12 * layers)) / 128) * 128);
    else if (hidden !== undefined) layers = Math.max(1, Math.round(params / (12 * hidden * hidden)));
    else {
      hidden = Math.max(1024, Math.round(Math.cbrt((params * 128) / 12) / 1024) * 1024);
      layers = Math.max(1, Math.round(hidden / 128));
    }
  }
  const heads = num(m["heads"]) ?? Math.max(1, Math.round(hidden / 128));
  const kvHeads = num(m["kv_heads"]) ?? (/multi-query|mqa/i.test(str(m["attention"])) ? 1 : heads);
  const headDim = num(m["head_dim"]) ?? hidden / heads;
  const ffnMatrices: 2 | 3 = gated ? 3 : 2;
  let ffnHidden = num(m["ffn_hidden"]);
  if (ffnHidden === undefined) {
    const emb = vocab * hidden * 2;
    const attn = 2 * hidden * heads * headDim + 2 * hidden * kvHeads * headDim;
    const solved = params !== undefined ? ((params - emb) / layers - attn) / (ffnMatrices * hidden) : NaN;
    ffnHidden = Number.isFinite(solved) && solved > 1.5 * hidden && solved < 8 * hidden ? solved : gated ? (8 / 3) * hidden : 4 * hidden;
  }
  return {
    name: e.id,
    layers,
    hidden,
    heads,
    kvHeads,
    headDim,
    ffnHidden,
    ffnMatrices,
    vocab,
    seqLen,
    tiedEmbeddings: false,
  };
}

/** A catalog model named by the entry's family/benchmark and size, when its parameter count agrees (10 %). */
function catalogShape(e: ValidationEntry, catalog: Catalog, params: number | undefined): TransformerShape | undefined {
  const m = e.model ?? {};
  const family = str(m["family"] ?? m["benchmark"])
    .replace(/\([^)]*\)/g, "")
    .trim();
  const names = [family];
  if (params !== undefined) {
    const b = params / 1e9;
    const label = b >= 10 ? String(Math.round(b)) : String(Math.round(b * 10) / 10);
    names.unshift(`${family} ${label}B`, `${family}-${label}b`, `${family} ${Math.round(b)}B`);
  }
  for (const n of names) {
    const model = resolveName(catalog, n.replace(/ LoRA$/i, ""), "ModelArch");
    if (!model) continue;
    if (params !== undefined && Math.abs(model.params - params) > 0.1 * params) continue;
    const seq = num(m["seq_len"]);
    const shape = shapeFromModel(model, seq ?? ("seqLen" in model ? Math.min(model.seqLen, 8192) : 2048));
    if (shape) return { ...shape, name: e.id };
  }
  return undefined;
}

export interface EntryParallel {
  readonly tp: number;
  readonly pp: number;
  readonly cp: number;
  readonly ep: number;
  readonly vp: number;
  readonly dp?: number;
  readonly microBatch?: number;
  readonly globalBatch?: number;
  readonly recompute?: Recompute;
  readonly sequenceParallel?: boolean;
  readonly zeroStage?: ZeroStage;
  readonly finetune: FinetuneMode;
}

export function parseRecompute(p: Record<string, unknown>): Recompute | undefined {
  const r = p["recompute"] ?? p["activation_checkpointing"];
  if (r === true) return "full";
  if (r === false) return "none";
  const t = str(r).toLowerCase();
  if (t === "") return undefined;
  if (/^none|^no\b/.test(t)) return "none";
  if (t.includes("selective")) return "selective";
  if (t.includes("full") || t.includes("checkpoint")) return "full";
  return undefined;
}

export function entryParallel(e: ValidationEntry, shape: TransformerShape | undefined): EntryParallel {
  const p = e.parallelism ?? {};
  const tp = num(p["tp"]) ?? 1;
  const pp = num(p["pp"]) ?? 1;
  const cp = num(p["cp"]) ?? 1;
  const ep = num(p["ep"]) ?? 1;
  const vp = num(p["vp"]) ?? num(p["virtual_pipeline"]) ?? 1;
  const dpText = `${str(p["dp_type"])} ${str(p["dp"])}`;
  const fsdp = num(p["fsdp"]);
  const zero =
    num(p["zero_stage"]) ??
    (/FULL_SHARD|FSDP/i.test(dpText) && !/no reshard/i.test(dpText)
      ? 3
      : /no reshard/i.test(dpText)
        ? 2
        : fsdp !== undefined && fsdp > 0
          ? 3
          : /ZeRO-(\d)/i.exec(dpText)
            ? Number(/ZeRO-(\d)/i.exec(dpText)?.[1])
            : undefined);
  const seq = shape?.seqLen ?? 2048;
  const dp = typeof p["dp"] === "number" ? (p["dp"] as number) : undefined;
  const global =
    num(p["global_batch_seqs"]) ??
    (num(p["tokens_per_batch"]) !== undefined ? (num(p["tokens_per_batch"]) ?? 0) / seq : undefined) ??
    (num(e.model?.["global_batch_tokens"]) !== undefined ? Math.round((num(e.model?.["global_batch_tokens"]) ?? 0) / seq) : undefined) ??
    (num(p["batch_seqs_per_dp"]) !== undefined && dp !== undefined ? (num(p["batch_seqs_per_dp"]) ?? 0) * dp : undefined);
  const sp = p["sequence_parallel"];
  const ft = str(p["finetune"]).toLowerCase();
  const recompute = parseRecompute(p);
  return {
    tp,
    pp,
    cp,
    ep,
    vp,
    ...(dp !== undefined ? { dp } : {}),
    ...(num(p["micro_batch"]) !== undefined ? { microBatch: num(p["micro_batch"]) as number } : {}),
    ...(global !== undefined ? { globalBatch: global } : {}),
    ...(recompute !== undefined ? { recompute } : {}),
    ...(typeof sp === "boolean" ? { sequenceParallel: sp } : {}),
    ...(zero !== undefined ? { zeroStage: Math.min(3, Math.max(0, zero)) as ZeroStage } : {}),
    finetune: ft.includes("lora") ? "lora" : "full",
  };
}

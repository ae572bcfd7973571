import type { Catalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS, type Assumptions } from "../assumptions.js";
import { applyConventions, type ConventionsTable } from "./conventions.js";
import type { ValidationEntry } from "./entry.js";
import { prepareEntry, type PreparedEntry, type Predictions } from "./predict.js";

/** Kinds whose numeric measured keys count toward coverage (the acceptance criteria). */
export const SCORED_KINDS = [
  "training_throughput",
  "training_step_time",
  "training_memory",
  "time_to_train",
  "gpu_hours_energy",
  "mlperf_training",
  "inference_throughput",
  "inference_latency",
  "hardware_spec",
] as const;

export interface CheckedEntry {
  readonly id: string;
  readonly kind: string;
  readonly predicted: Predictions;
  readonly measured: Record<string, unknown>;
  readonly errorPct: Record<string, number>;
  /** training entries: false when the configuration (as stated) does not fit by the memory model; predicted anyway */
  readonly fits?: boolean;
}

export interface KindSummary {
  /** numeric keys listed under measured (or, when values are absent, listed at all) */
  readonly n: number;
  readonly predicted: number;
  readonly medianAbsErrorPct: number | null;
  readonly meanAbsErrorPct: number | null;
}

export interface CheckReport {
  readonly entries: readonly CheckedEntry[];
  readonly summary: {
    readonly byKind: Record<string, KindSummary>;
    readonly coverage: number;
    /** ids of the entries predicted for a configuration that does not fit */
    readonly notFitting: readonly string[];
  };
}

/** Keys predicted for an entry that lists no `measured` block at all. */
export const DEFAULT_KEYS: Readonly<Record<string, readonly string[]>> = {
  training_throughput: [
    "tflops_per_gpu",
    "model_tflops_per_gpu",
    "hardware_tflops_per_gpu",
    "mfu",
    "hfu",
    "tokens_per_sec",
    "tokens_per_sec_per_gpu",
    "step_time_s",
  ],
  training_step_time: ["step_time_s", "tflops_per_gpu", "mfu"],
  training_memory: [
    "params_and_optimizer_gib_per_gpu",
    "activations_gib_per_gpu_no_recompute_no_sp",
    "activations_gib_per_gpu_seqpar_selective",
  ],
  time_to_train: ["estimated_days"],
  gpu_hours_energy: ["gpu_hours", "energy_mwh", "tco2eq"],
  mlperf_training: ["time_to_train_min"],
  inference_throughput: ["output_tokens_per_sec_per_gpu", "total_output_tokens_per_sec"],
  inference_latency: ["ttft_ms", "itl_ms", "output_tokens_per_sec"],
  hardware_spec: ["bf16_dense_tflops", "fp8_dense_tflops", "hbm_gb", "hbm_bw_gb_s", "nvlink_bidir_gb_s", "tdp_w"],
};

/** Measured keys as flat names: nested mappings become `a.b`; lists and text are not numeric keys. */
export function measuredKeys(measured: Record<string, unknown> | undefined): { key: string; value: number | null; numeric: boolean }[] {
  const out: { key: string; value: number | null; numeric: boolean }[] = [];
  for (const [k, v] of Object.entries(measured ?? {})) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) {
        out.push({
          key: `${k}.${k2}`,
          value: typeof v2 === "number" ? v2 : null,
          numeric: typeof v2 === "number" || v2 === null || v2 === undefined,
        });
      }
    } else out.push({ key: k, value: typeof v === "number" ? v : null, numeric: typeof v === "number" || v === null || v === undefined });
  }
  return out;
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** One entry ready to score: its keys with the measured values (read only for the error) and its prepared model. */
export interface CheckCase {
  readonly id: string;
  readonly kind: string;
  /** the source (`source.ref`) a leave-one-source-out fold holds out */
  readonly source: string;
  readonly measured: Record<string, unknown>;
  readonly keys: readonly { readonly key: string; readonly value: number | null }[];
  readonly prepared: PreparedEntry;
}

export interface CheckOptions {
  /** per-source conventions (planner-conventions.yaml); without them every source gets the defaults */
  readonly conventions?: ConventionsTable;
  /** assumption values to predict with (default DEFAULT_ASSUMPTIONS) */
  readonly assumptions?: Assumptions;
  /** called after each entry is prepared, with the number done */
  readonly onEntry?: (done: number) => void;
}

/** Build every entry's case once: conventions applied, shape/hardware/parallel configuration fixed. */
export function prepareChecks(entries: readonly ValidationEntry[], catalog: Catalog, o: CheckOptions = {}): CheckCase[] {
  return entries.map((raw, i) => {
    const e = applyConventions(raw, o.conventions);
    const keys =
      e.measured === undefined || e.measured === null
        ? (DEFAULT_KEYS[e.kind] ?? []).map((key) => ({ key, value: null }))
        : measuredKeys(e.measured)
            .filter((k) => k.numeric)
            .map(({ key, value }) => ({ key, value }));
    const prepared = prepareEntry(
      catalog,
      e,
      keys.map((k) => k.key),
    );
    o.onEntry?.(i + 1);
    return { id: e.id, kind: e.kind, source: e.source?.ref ?? "", measured: e.measured ?? {}, keys, prepared };
  });
}

/** Signed error in percent of the measured value, or undefined when there is nothing to compare. */
export function errorPctOf(p: number | null | undefined, measured: number | null): number | undefined {
  if (p === null || p === undefined || !Number.isFinite(p) || measured === null || measured === 0) return undefined;
  return (100 * (p - measured)) / Math.abs(measured);
}

/** Evaluate prepared cases under `a` and summarise per kind (the report `plan check` prints). */
export function scoreChecks(cases: readonly CheckCase[], a: Assumptions = DEFAULT_ASSUMPTIONS): CheckReport {
  const checked: CheckedEntry[] = [];
  const acc = new Map<string, { n: number; predicted: number; errors: number[] }>();
  let n = 0;
  let predictedCount = 0;
  const notFitting: string[] = [];
  for (const c of cases) {
    const { predicted, fits } = c.prepared.evaluate(a);
    const out: Predictions = { ...predicted };
    const errorPct: Record<string, number> = {};
    const kind = acc.get(c.kind) ?? { n: 0, predicted: 0, errors: [] };
    let got = 0;
    for (const k of c.keys) {
      const p = out[k.key];
      kind.n++;
      if (p === null || p === undefined || !Number.isFinite(p)) {
        out[k.key] = null;
        continue;
      }
      kind.predicted++;
      got++;
      const err = errorPctOf(p, k.value);
      if (err !== undefined) {
        errorPct[k.key] = Math.round(err * 100) / 100;
        kind.errors.push(Math.abs(err));
      }
    }
    acc.set(c.kind, kind);
    if ((SCORED_KINDS as readonly string[]).includes(c.kind)) {
      n += c.keys.length;
      predictedCount += got;
    }
    if (fits === false) notFitting.push(c.id);
    checked.push({ id: c.id, kind: c.kind, predicted: out, measured: c.measured, errorPct, ...(fits !== undefined ? { fits } : {}) });
  }
  const byKind: Record<string, KindSummary> = {};
  for (const [kind, v] of acc) {
    const med = median(v.errors);
    byKind[kind] = {
      n: v.n,
      predicted: v.predicted,
      medianAbsErrorPct: med === null ? null : Math.round(med * 100) / 100,
      meanAbsErrorPct: v.errors.length === 0 ? null : Math.round((v.errors.reduce((s, x) => s + x, 0) / v.errors.length) * 100) / 100,
    };
  }
  return {
    entries: checked,
    summary: { byKind, coverage: n === 0 ? 0 : Math.round((predictedCount / n) * 10000) / 10000, notFitting },
  };
}

/**
 * Predict every measured key of every entry; measured values are read only to report the error. The third
 * argument may be a progress callback (older callers) or the options.
 */
export function checkValidation(
  entries: readonly ValidationEntry[],
  catalog: Catalog,
  options?: CheckOptions | ((done: number) => void),
): CheckReport {
  const o: CheckOptions = typeof options === "function" ? { onEntry: options } : (options ?? {});
  return scoreChecks(prepareChecks(entries, catalog, o), o.assumptions);
}

import type { DetectorFactory } from "../types.js";
import type { LabeledSeries } from "./corpus.js";
import {
  PROFILES,
  PROFILE_NAMES,
  makeSweep,
  normalise,
  optimiseThreshold,
  probationRows,
  scoreFile,
  windowF1,
  type ProfileName,
  type Sweep,
} from "./scoring.js";

/** Run a detector over one series, one point at a time (it never sees the labels). */
export function runDetector(factory: DetectorFactory, series: Pick<LabeledSeries, "timesMs" | "values">): Float64Array {
  const n = series.values.length;
  const det = factory({ probationRows: probationRows(n) });
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = det.update(series.timesMs[i] ?? 0, series.values[i] ?? 0);
    out[i] = Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : 0;
  }
  return out;
}

export type Thresholds = Record<ProfileName, number>;

export interface FileResult {
  readonly file: string;
  readonly nabStandard: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly windows: number;
  readonly tp: number;
  readonly fpRows: number;
}

export interface EvalResult {
  readonly files: FileResult[];
  readonly overall: { nabStandard: number; nabLowFp: number; nabLowFn: number; precision: number; recall: number; f1: number };
  readonly thresholds: Thresholds;
  /** "tuned": one global threshold per profile optimised over this corpus (as NAB does); "fixed": given. */
  readonly thresholdMode: "tuned" | "fixed";
}

const KEY: Record<ProfileName, "nabStandard" | "nabLowFp" | "nabLowFn"> = { standard: "nabStandard", lowFp: "nabLowFp", lowFn: "nabLowFn" };

/**
 * Score precomputed detector outputs. With `thresholds` undefined, one threshold per profile is tuned
 * over the whole corpus (never per file). F1 and per-file figures use the standard-profile threshold;
 * FP counts every flagged row outside the windows.
 */
export function scoreCorpus(series: readonly LabeledSeries[], scores: readonly Float64Array[], thresholds?: Thresholds): EvalResult {
  const sweeps: Sweep[] = series.map((s) => makeSweep(s.values.length, s.windows));
  const pairs = sweeps.map((sweep, i) => ({ sweep, scores: scores[i] ?? new Float64Array(0) }));
  const chosen = {} as Thresholds;
  for (const p of PROFILE_NAMES) chosen[p] = thresholds?.[p] ?? optimiseThreshold(pairs, PROFILES[p]).threshold;
  const totalWindows = sweeps.reduce((s, w) => s + w.windows.length, 0);
  const overall = { nabStandard: 0, nabLowFp: 0, nabLowFn: 0, precision: 0, recall: 0, f1: 0 };
  for (const p of PROFILE_NAMES) {
    const raw = pairs.reduce((s, f) => s + scoreFile(f.sweep, f.scores, chosen[p], PROFILES[p]).raw, 0);
    overall[KEY[p]] = normalise(raw, totalWindows, PROFILES[p]);
  }
  const counts = { tp: 0, fn: 0, fp: 0 };
  const files = pairs.map((f, i): FileResult => {
    const r = scoreFile(f.sweep, f.scores, chosen.standard, PROFILES.standard);
    counts.tp += r.tp;
    counts.fn += r.fn;
    counts.fp += r.fpRows;
    return {
      file: series[i]?.file ?? "",
      nabStandard: normalise(r.raw, f.sweep.windows.length, PROFILES.standard),
      ...windowF1({ tp: r.tp, fn: r.fn, fp: r.fpRows }),
      windows: f.sweep.windows.length,
      tp: r.tp,
      fpRows: r.fpRows,
    };
  });
  Object.assign(overall, windowF1(counts));
  return { files, overall, thresholds: chosen, thresholdMode: thresholds === undefined ? "tuned" : "fixed" };
}

export function evaluate(series: readonly LabeledSeries[], factory: DetectorFactory, thresholds?: Thresholds): EvalResult {
  return scoreCorpus(
    series,
    series.map((s) => runDetector(factory, s)),
    thresholds,
  );
}

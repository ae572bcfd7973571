import { ASSUMPTION_META, DEFAULT_ASSUMPTIONS, type Assumptions } from "../assumptions.js";
import { errorPctOf, median, type CheckCase } from "./check.js";

/**
 * Calibration: a chosen subset of the factors is moved within their documented ranges (ASSUMPTION_META) to
 * minimise the error on a set of prepared entries. Entries are prepared once (shape, hardware, parallel
 * configuration); a candidate only re-evaluates the estimates, so a fit costs a few hundred cheap passes and no
 * re-run of `plan check`. The search is a deterministic coordinate search: each factor in turn over a grid of its
 * range, then a finer grid around the best, twice over.
 */
export interface FitGroup {
  readonly name: string;
  /** entry kinds whose errors the group's factors are fitted to */
  readonly kinds: readonly string[];
  /** factors the group may move (names not in Assumptions are ignored, so the list survives model changes) */
  readonly factors: readonly string[];
}

/**
 * Factors a fit may move, per group, each with a physical meaning and a cited range (ASSUMPTION_META). `plan check
 * --cv` does not refit a fixed set: it chooses per group the one candidate (or none) with the lowest inner
 * leave-one-source-out loss, inside every outer fold (select.ts). `--cv --fit a,b` fits a named set instead.
 */
export const CANDIDATE_FACTORS: Readonly<Record<string, readonly string[]>> = {
  training: [
    "gemmEfficiencyScale",
    "gemmHalfSizePerBalance",
    "elementwiseTrafficRatio",
    "tpOverlapSlowdown",
    "scaleOutEfficiency",
    "stepOverheadS",
    "layerLaunchOverheadS",
  ],
  energy: ["runGoodput"],
  inference: ["decodeBandwidthEfficiency", "decodeAttentionBandwidthEfficiency", "decodeLayerOverheadS", "ttftOverheadS"],
};

/** Kinds of each group. */
export const GROUP_KINDS: Readonly<Record<string, readonly string[]>> = {
  training: ["training_throughput", "training_step_time", "time_to_train", "mlperf_training"],
  energy: ["gpu_hours_energy"],
  inference: ["inference_throughput", "inference_latency"],
};

/**
 * Groups for a chosen factor list: each factor goes to the group whose candidates name it (training, energy,
 * inference); a factor no group names is fitted on every fitted kind. Unknown names come back in `unknown`.
 */
export function groupsFor(factors: readonly string[]): { groups: FitGroup[]; unknown: string[] } {
  const unknown = factors.filter((f) => !(f in ASSUMPTION_META));
  const groups: FitGroup[] = [];
  for (const [name, candidates] of Object.entries(CANDIDATE_FACTORS)) {
    const mine = factors.filter((f) => candidates.includes(f));
    if (mine.length > 0) groups.push({ name, kinds: GROUP_KINDS[name] ?? [], factors: mine });
  }
  const other = factors.filter((f) => f in ASSUMPTION_META && !Object.values(CANDIDATE_FACTORS).some((c) => c.includes(f)));
  if (other.length > 0) groups.push({ name: "other", kinds: Object.values(GROUP_KINDS).flat(), factors: other });
  return { groups, unknown };
}

/** Absolute errors above this count as this much in the loss (one wild entry must not steer a factor). */
export const ERROR_CAP_PCT = 60;

export interface FitOptions {
  /** grid intervals per factor and pass (default 8: 9 values) */
  readonly steps?: number;
  /** coordinate passes (default 2) */
  readonly passes?: number;
}

export interface FitResult {
  readonly assumptions: Assumptions;
  /** fitted value per moved factor */
  readonly fitted: Readonly<Record<string, number>>;
  readonly loss: number;
  /** candidate evaluations made (each = one pass over the group's entries) */
  readonly evaluations: number;
}

/** Factor names of a group that exist in the current Assumptions. */
export function activeFactors(g: FitGroup): (keyof Assumptions)[] {
  return g.factors.filter((f): f is keyof Assumptions => f in DEFAULT_ASSUMPTIONS && f in ASSUMPTION_META);
}

/**
 * Loss of `a` on the cases of the given kinds: 0.5 x median + 0.5 x mean over ENTRIES of the entry's mean |error|
 * (each key capped). Per entry, so a source that lists one quantity three ways (TFLOP/s, MFU, aggregate) does not
 * weigh three times, and pooled over the kinds so one single-entry kind cannot steer a factor.
 */
export function lossOf(cases: readonly CheckCase[], a: Assumptions, kinds: readonly string[]): number {
  const perEntry: number[] = [];
  for (const c of cases) {
    if (!kinds.includes(c.kind)) continue;
    const { predicted } = c.prepared.evaluate(a);
    let sum = 0;
    let n = 0;
    for (const k of c.keys) {
      const err = errorPctOf(predicted[k.key], k.value);
      if (err === undefined) continue;
      sum += Math.min(Math.abs(err), ERROR_CAP_PCT);
      n++;
    }
    if (n > 0) perEntry.push(sum / n);
  }
  if (perEntry.length === 0) return 0;
  return 0.5 * (median(perEntry) ?? 0) + (0.5 * perEntry.reduce((s, x) => s + x, 0)) / perEntry.length;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** Fit one group's factors on `cases`, starting from `base`. */
export function fitGroup(cases: readonly CheckCase[], g: FitGroup, base: Assumptions = DEFAULT_ASSUMPTIONS, o: FitOptions = {}): FitResult {
  const steps = o.steps ?? 8;
  const passes = o.passes ?? 2;
  const relevant = cases.filter((c) => g.kinds.includes(c.kind));
  const factors = activeFactors(g);
  let current: Assumptions = { ...base };
  let best = lossOf(relevant, current, g.kinds);
  let evaluations = 1;
  for (let pass = 0; pass < passes; pass++) {
    for (const f of factors) {
      const [lo, hi] = ASSUMPTION_META[f].range;
      // pass 0 spans the range; later passes a finer grid of one coarse step either side of the current value
      const width = pass === 0 ? hi - lo : (2 * (hi - lo)) / steps / pass;
      const from = pass === 0 ? lo : Math.max(lo, current[f] - width / 2);
      const to = pass === 0 ? hi : Math.min(hi, current[f] + width / 2);
      for (let i = 0; i <= steps; i++) {
        const v = round(from + ((to - from) * i) / steps);
        if (v === current[f]) continue;
        const candidate = { ...current, [f]: v };
        const loss = lossOf(relevant, candidate, g.kinds);
        evaluations++;
        if (loss < best - 1e-9) {
          best = loss;
          current = candidate;
        }
      }
    }
  }
  const fitted = Object.fromEntries(factors.map((f) => [f, current[f]]));
  return { assumptions: current, fitted, loss: best, evaluations };
}

/** Fit every group in order (each starting from the previous group's result). */
export function fitAll(
  cases: readonly CheckCase[],
  groups: readonly FitGroup[],
  base: Assumptions = DEFAULT_ASSUMPTIONS,
  o: FitOptions = {},
  /** per group: reuse this result instead of fitting (same cases of its kinds and same starting point) */
  reuse?: (g: FitGroup, index: number, start: Assumptions) => FitResult | undefined,
): FitResult & { readonly groups: readonly FitResult[] } {
  let a = base;
  const fitted: Record<string, number> = {};
  const results: FitResult[] = [];
  let evaluations = 0;
  let loss = 0;
  groups.forEach((g, i) => {
    const r = reuse?.(g, i, a) ?? fitGroup(cases, g, a, o);
    results.push(r);
    a = { ...a, ...r.fitted };
    Object.assign(fitted, r.fitted);
    evaluations += r.evaluations;
    loss += r.loss;
  });
  return { assumptions: a, fitted, loss, evaluations, groups: results };
}

import { DEFAULT_ASSUMPTIONS, type Assumptions } from "../assumptions.js";
import { fitAll, FIT_GROUPS, lossOf, type FitGroup, type FitOptions } from "./calibrate.js";
import { scoreChecks, type CheckCase, type CheckReport } from "./check.js";

/** One kind's error three ways: shipped defaults, fitted on every entry, and leave-one-source-out. */
export interface CvKind {
  readonly n: number;
  readonly predicted: number;
  readonly defaultMedianPct: number | null;
  readonly fittedMedianPct: number | null;
  readonly cvMedianPct: number | null;
  readonly defaultMeanPct: number | null;
  readonly fittedMeanPct: number | null;
  readonly cvMeanPct: number | null;
}

export interface CvFold {
  /** the source held out */
  readonly source: string;
  /** entries of that source, predicted with this fold's factors */
  readonly entries: number;
  /** sources the fold's factors were fitted on (never the held-out one) */
  readonly trainedOn: readonly string[];
  readonly fitted: Readonly<Record<string, number>>;
}

export interface CvReport {
  /** the factors moved (within ASSUMPTION_META ranges) */
  readonly factors: readonly string[];
  readonly defaults: Readonly<Record<string, number>>;
  /** factors fitted on every entry */
  readonly fitted: Readonly<Record<string, number>>;
  readonly byKind: Readonly<Record<string, CvKind>>;
  readonly coverage: { readonly default: number; readonly fitted: number; readonly cv: number };
  /** the fit's objective (calibrate.ts lossOf) per group: defaults, fitted on all, cross-validated */
  readonly loss: Readonly<Record<string, { readonly default: number; readonly fitted: number; readonly cv: number }>>;
  readonly folds: readonly CvFold[];
}

/** The cases with their evaluation pinned to `a` (so one report can mix the folds' factors). */
function pinned(cases: readonly CheckCase[], a: Assumptions): CheckCase[] {
  return cases.map((c) => ({ ...c, prepared: { entry: c.prepared.entry, evaluate: () => c.prepared.evaluate(a) } }));
}

/**
 * Leave-one-source-out cross-validation. For every source that has entries of a fitted kind: fit the factors on
 * all other sources' entries (from the defaults), then predict all of the held-out source's entries with them.
 * A source without entries of a fitted kind never entered any fit: its entries are predicted with the
 * all-entries fit (a shared factor, e.g. the GEMM scale, also moves inference when fitted on training).
 */
export function crossValidate(
  cases: readonly CheckCase[],
  groups: readonly FitGroup[] = FIT_GROUPS,
  o: FitOptions = {},
  base: Assumptions = DEFAULT_ASSUMPTIONS,
): CvReport {
  const fittedKinds = new Set(groups.flatMap((g) => g.kinds));
  const all = fitAll(cases, groups, base, o);
  const sources = [...new Set(cases.filter((c) => fittedKinds.has(c.kind)).map((c) => c.source))].sort();
  const folds: CvFold[] = [];
  // a source with no fitted-kind entry was never seen by the all-entries fit: predict it with that fit
  const cvCases: CheckCase[] = pinned(
    cases.filter((c) => !sources.includes(c.source)),
    all.assumptions,
  );
  for (const source of sources) {
    const train = cases.filter((c) => c.source !== source);
    const held = cases.filter((c) => c.source === source);
    // a group whose kinds the held-out source lacks, started from the same point, fits exactly as on all entries
    // (every entry of the held-out source is predicted with the fold's factors: shared factors move other kinds too)
    let same = true;
    const r = fitAll(train, groups, base, o, (g, i) => {
      same = same && !held.some((c) => g.kinds.includes(c.kind));
      return same ? all.groups[i] : undefined;
    });
    folds.push({ source, entries: held.length, trainedOn: [...new Set(train.map((c) => c.source))].sort(), fitted: r.fitted });
    cvCases.push(...pinned(held, r.assumptions));
  }
  const order = new Map(cases.map((c, i) => [c.id, i]));
  cvCases.sort((x, y) => (order.get(x.id) ?? 0) - (order.get(y.id) ?? 0));
  const d = scoreChecks(cases, base);
  const f = scoreChecks(cases, all.assumptions);
  const cv = scoreChecks(cvCases, base);
  const factors = Object.keys(all.fitted);
  return {
    factors,
    defaults: Object.fromEntries(factors.map((k) => [k, base[k as keyof Assumptions]])),
    fitted: all.fitted,
    byKind: mergeKinds(d, f, cv),
    coverage: { default: d.summary.coverage, fitted: f.summary.coverage, cv: cv.summary.coverage },
    loss: Object.fromEntries(
      groups.map((g) => [
        g.name,
        { default: lossOf(cases, base, g.kinds), fitted: lossOf(cases, all.assumptions, g.kinds), cv: lossOf(cvCases, base, g.kinds) },
      ]),
    ),
    folds,
  };
}

function mergeKinds(d: CheckReport, f: CheckReport, cv: CheckReport): Record<string, CvKind> {
  const out: Record<string, CvKind> = {};
  for (const [kind, k] of Object.entries(d.summary.byKind)) {
    const fk = f.summary.byKind[kind];
    const ck = cv.summary.byKind[kind];
    out[kind] = {
      n: k.n,
      predicted: k.predicted,
      defaultMedianPct: k.medianAbsErrorPct,
      fittedMedianPct: fk?.medianAbsErrorPct ?? null,
      cvMedianPct: ck?.medianAbsErrorPct ?? null,
      defaultMeanPct: k.meanAbsErrorPct,
      fittedMeanPct: fk?.meanAbsErrorPct ?? null,
      cvMeanPct: ck?.meanAbsErrorPct ?? null,
    };
  }
  return out;
}

import { DEFAULT_ASSUMPTIONS, type Assumptions } from "../assumptions.js";
import { fitAll, GROUP_KINDS, lossOf, type FitGroup, type FitOptions } from "./calibrate.js";
import { scoreChecks, type CheckCase, type CheckReport } from "./check.js";
import { memoized, pinned, selectGroups, type GroupChoice } from "./select.js";

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
  /** with selection: the factor each group chose from the training sources alone (null: kept the defaults) */
  readonly chosen?: Readonly<Record<string, string | null>>;
}

export interface CvReport {
  /** "inner-cv": the factors were chosen per fold by inner cross-validation; "fixed": the caller named them */
  readonly selection: "inner-cv" | "fixed";
  /** with selection on every entry: each group's candidates and their inner cross-validated loss */
  readonly choices?: readonly GroupChoice[];
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

/**
 * Leave-one-source-out cross-validation. For every source that has entries of a fitted kind: fit the factors on
 * all other sources' entries (from the defaults), then predict all of the held-out source's entries with them.
 * A source without entries of a fitted kind never entered any fit: its entries are predicted with the
 * all-entries fit (a shared factor, e.g. the GEMM scale, also moves inference when fitted on training).
 *
 * Without `groups` the factors are not given but chosen (select.ts): every fold chooses from its training sources
 * alone, by an inner leave-one-source-out loop, so the reported CV error is that of the whole procedure.
 */
export function crossValidate(
  input: readonly CheckCase[],
  fixedGroups?: readonly FitGroup[],
  o: FitOptions = {},
  base: Assumptions = DEFAULT_ASSUMPTIONS,
  /** with selection: the candidate factors per group (default CANDIDATE_FACTORS) */
  candidates?: Readonly<Record<string, readonly string[]>>,
): CvReport {
  const cases = memoized(input);
  const selecting = fixedGroups === undefined;
  const choose = (on: readonly CheckCase[]): { groups: readonly FitGroup[]; choices?: GroupChoice[] } =>
    selecting ? selectGroups(on, base, o, candidates) : { groups: fixedGroups };
  const top = choose(cases);
  const groups = top.groups;
  const fittedKinds = new Set((selecting ? Object.values(GROUP_KINDS).flat() : groups.flatMap((g) => g.kinds)) as string[]);
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
    const mine = selecting ? choose(train) : top;
    const r = fitAll(train, mine.groups, base, o, (g, i) => {
      same = same && !selecting && !held.some((c) => g.kinds.includes(c.kind));
      return same ? all.groups[i] : undefined;
    });
    const chosen = mine.choices ? Object.fromEntries(mine.choices.map((c) => [c.group, c.factor])) : undefined;
    folds.push({
      source,
      entries: held.length,
      trainedOn: [...new Set(train.map((c) => c.source))].sort(),
      fitted: r.fitted,
      ...(chosen ? { chosen } : {}),
    });
    cvCases.push(...pinned(held, r.assumptions));
  }
  const order = new Map(cases.map((c, i) => [c.id, i]));
  cvCases.sort((x, y) => (order.get(x.id) ?? 0) - (order.get(y.id) ?? 0));
  const d = scoreChecks(cases, base);
  const f = scoreChecks(cases, all.assumptions);
  const cv = scoreChecks(cvCases, base);
  const factors = Object.keys(all.fitted);
  return {
    selection: selecting ? "inner-cv" : "fixed",
    ...(top.choices ? { choices: top.choices } : {}),
    factors,
    defaults: Object.fromEntries(factors.map((k) => [k, base[k as keyof Assumptions]])),
    fitted: all.fitted,
    byKind: mergeKinds(d, f, cv),
    coverage: { default: d.summary.coverage, fitted: f.summary.coverage, cv: cv.summary.coverage },
    loss: Object.fromEntries(
      lossGroups(selecting, groups).map((g) => [
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

/** Groups whose loss the report shows: with selection every candidate group (chosen or not), else the given ones. */
function lossGroups(selecting: boolean, groups: readonly FitGroup[]): readonly FitGroup[] {
  if (!selecting) return groups;
  return Object.entries(GROUP_KINDS).map(([name, kinds]) => ({ name, kinds, factors: [] }));
}

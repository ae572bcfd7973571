import type { Assumptions } from "../assumptions.js";
import { CANDIDATE_FACTORS, fitGroup, GROUP_KINDS, lossOf, type FitGroup, type FitOptions } from "./calibrate.js";
import type { CheckCase } from "./check.js";

/**
 * Choosing which factor to calibrate is itself fitted to data, so it has to happen inside cross-validation or the
 * cross-validated error is optimistic (the previous default, the per-step overhead, was picked after looking at
 * leave-one-source-out results). `selectGroups` makes the choice from the cases it is given alone: per group
 * (training, energy, inference) every candidate factor is fitted by an inner leave-one-source-out loop, and the
 * candidate whose inner cross-validated loss is lowest wins; keeping the cited defaults is a candidate too, and
 * it wins ties. `crossValidate` runs the whole procedure (choice, then fit) once per held-out source.
 */
export interface GroupChoice {
  readonly group: string;
  /** the chosen factor, or null when no candidate beat the defaults */
  readonly factor: string | null;
  /** inner cross-validated loss of each candidate ("defaults" = no fit) */
  readonly innerLoss: Readonly<Record<string, number>>;
}

export function selectGroups(
  cases: readonly CheckCase[],
  base: Assumptions,
  o: FitOptions = {},
  candidatesByGroup: Readonly<Record<string, readonly string[]>> = CANDIDATE_FACTORS,
): { groups: FitGroup[]; choices: GroupChoice[] } {
  const groups: FitGroup[] = [];
  const choices: GroupChoice[] = [];
  for (const [name, candidates] of Object.entries(candidatesByGroup)) {
    const kinds = GROUP_KINDS[name] ?? [];
    const sources = [...new Set(cases.filter((c) => kinds.includes(c.kind)).map((c) => c.source))].sort();
    // with fewer than two sources there is no inner fold to choose with
    if (sources.length < 2) continue;
    const innerLoss: Record<string, number> = { defaults: lossOf(cases, base, kinds) };
    let factor: string | null = null;
    let best = innerLoss["defaults"]!;
    for (const f of candidates) {
      const g: FitGroup = { name, kinds, factors: [f] };
      const loss = innerCvLoss(cases, g, sources, base, o);
      innerLoss[f] = loss;
      if (loss < best - 1e-9) {
        best = loss;
        factor = f;
      }
    }
    choices.push({ group: name, factor, innerLoss });
    if (factor !== null) groups.push({ name, kinds, factors: [factor] });
  }
  return { groups, choices };
}

/** The group's loss when each source's entries are predicted with the factor fitted on the other sources. */
function innerCvLoss(cases: readonly CheckCase[], g: FitGroup, sources: readonly string[], base: Assumptions, o: FitOptions): number {
  const predicted: CheckCase[] = [];
  for (const source of sources) {
    const a = fitGroup(
      cases.filter((c) => c.source !== source),
      g,
      base,
      o,
    ).assumptions;
    predicted.push(
      ...pinned(
        cases.filter((c) => c.source === source && g.kinds.includes(c.kind)),
        a,
      ),
    );
  }
  return lossOf(predicted, base, g.kinds);
}

/** The cases with their evaluation pinned to `a` (so one report can mix the folds' factors). */
export function pinned(cases: readonly CheckCase[], a: Assumptions): CheckCase[] {
  return cases.map((c) => ({ ...c, prepared: { entry: c.prepared.entry, evaluate: () => c.prepared.evaluate(a) } }));
}

/**
 * The cases with each evaluation remembered by the assumption values it was given. A fit re-visits the same grid
 * points across folds (every fold's coarse pass is the same grid), so nested cross-validation costs a few hundred
 * distinct evaluations instead of tens of thousands. Keys are the full assumption values, so two objects with the
 * same values share an entry and no stale result can be returned.
 */
export function memoized(cases: readonly CheckCase[]): CheckCase[] {
  const keys = new WeakMap<Assumptions, string>();
  const keyOf = (a: Assumptions): string => {
    let k = keys.get(a);
    if (k === undefined) {
      k = JSON.stringify(a);
      keys.set(a, k);
    }
    return k;
  };
  return cases.map((c) => {
    const seen = new Map<string, ReturnType<CheckCase["prepared"]["evaluate"]>>();
    return {
      ...c,
      prepared: {
        entry: c.prepared.entry,
        evaluate: (a: Assumptions) => {
          const k = keyOf(a);
          let r = seen.get(k);
          if (r === undefined) {
            r = c.prepared.evaluate(a);
            seen.set(k, r);
          }
          return r;
        },
      },
    };
  });
}

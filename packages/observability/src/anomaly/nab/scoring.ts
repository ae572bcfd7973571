/**
 * NAB's window-based scoring (Lavin & Ahmad 2015, numenta/NAB `nab/sweeper.py`), re-implemented:
 * probationary period, sigmoid-weighted reward for the earliest detection in each window, a penalty
 * per flagged row outside windows (softened just after a window), normalisation between the null
 * detector (0) and the perfect detector (100), and one threshold per profile tuned over a corpus.
 * Pure: no I/O.
 */

export interface Profile {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

export const PROFILES = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  lowFp: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  lowFn: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
} as const satisfies Record<string, Profile>;
export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

/** Inclusive row range of one labeled anomaly window. */
export interface Window {
  readonly startRow: number;
  readonly endRow: number;
}

/** NAB: the first 15% of the rows, at most 750 (15% of 5000), are not scored. */
export function probationRows(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/** NAB's scaled sigmoid: +0.987 at the left edge of a window, 0 at its right edge, −1 far after it. */
export function scaledSigmoid(position: number): number {
  if (position >= 3) return -1;
  return 2 / (1 + Math.exp(5 * position)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/** Per-row weights of a file, independent of the detector (NAB's "sweep"). */
export interface Sweep {
  readonly rows: number;
  readonly probation: number;
  readonly windows: readonly Window[];
  /** Window index for each row, or −1 outside windows. */
  readonly windowOf: Int32Array;
  /** Unweighted sigmoid value per row (positive inside windows, negative outside). */
  readonly unweighted: Float64Array;
}

export function makeSweep(rows: number, windows: readonly Window[]): Sweep {
  const windowOf = new Int32Array(rows).fill(-1);
  const unweighted = new Float64Array(rows);
  const sorted = [...windows].sort((a, b) => a.startRow - b.startRow);
  let w = 0;
  let prevEnd = -1;
  let prevWidth = 0;
  for (let i = 0; i < rows; i++) {
    const cur = sorted[w];
    if (cur !== undefined && i >= cur.startRow && i <= cur.endRow) {
      const width = cur.endRow - cur.startRow + 1;
      windowOf[i] = w;
      unweighted[i] = scaledSigmoid(-(cur.endRow - i + 1) / width);
      if (i === cur.endRow) {
        prevEnd = cur.endRow;
        prevWidth = width;
        w++;
      }
    } else {
      const position = prevEnd < 0 ? 3 : Math.abs(prevEnd - i) / (prevWidth - 1);
      unweighted[i] = scaledSigmoid(position);
    }
  }
  return { rows, probation: probationRows(rows), windows: sorted, windowOf, unweighted };
}

/** The weighted contribution of a detection at row i. */
function weighted(sweep: Sweep, i: number, p: Profile): number {
  const u = sweep.unweighted[i] ?? 0;
  return (sweep.windowOf[i] ?? -1) >= 0 ? (u * p.tpWeight) / MAX_TP : u * p.fpWeight;
}

export interface FileScore {
  /** Raw NAB score for this file under the profile. */
  readonly raw: number;
  /** Windows with at least one detection. */
  readonly tp: number;
  readonly fn: number;
  /** Flagged rows outside every window (after the probationary period). */
  readonly fpRows: number;
}

/** Score one file: a detection is a scored row whose score is ≥ threshold. */
export function scoreFile(sweep: Sweep, scores: ArrayLike<number>, threshold: number, p: Profile): FileScore {
  const best = new Array<number | undefined>(sweep.windows.length).fill(undefined);
  let fp = 0;
  let fpRows = 0;
  for (let i = sweep.probation; i < sweep.rows; i++) {
    if ((scores[i] ?? 0) < threshold) continue;
    const w = sweep.windowOf[i] ?? -1;
    const s = weighted(sweep, i, p);
    if (w < 0) {
      fp += s;
      fpRows++;
    } else best[w] = Math.max(best[w] ?? -Infinity, s);
  }
  let raw = fp;
  let tp = 0;
  for (const b of best) {
    if (b === undefined) raw -= p.fnWeight;
    else {
      raw += b;
      tp++;
    }
  }
  return { raw, tp, fn: sweep.windows.length - tp, fpRows };
}

/** Raw scores of the null (never fires) and perfect (fires once at each window start) detectors. */
export function nullAndPerfect(windowCount: number, p: Profile): { nullRaw: number; perfectRaw: number } {
  return { nullRaw: -p.fnWeight * windowCount, perfectRaw: p.tpWeight * windowCount };
}

/** 100 · (S − S_null) / (S_perfect − S_null). */
export function normalise(raw: number, windowCount: number, p: Profile): number {
  const { nullRaw, perfectRaw } = nullAndPerfect(windowCount, p);
  if (perfectRaw === nullRaw) return 100 + (100 * raw) / (p.tpWeight + p.fnWeight);
  return (100 * (raw - nullRaw)) / (perfectRaw - nullRaw);
}

/**
 * NAB's threshold optimisation: the one threshold (over the whole corpus) that maximises the summed
 * raw score, scanning every distinct score from the highest down, exactly like `calcScoreByThreshold`
 * run on the concatenated corpus. Returns the threshold and the raw score it gives.
 */
export function optimiseThreshold(
  files: readonly { sweep: Sweep; scores: ArrayLike<number> }[],
  p: Profile,
): { threshold: number; raw: number } {
  const score: number[] = [];
  const sweepVal: number[] = [];
  const windowId: number[] = [];
  let windowBase = 0;
  for (const f of files) {
    for (let i = f.sweep.probation; i < f.sweep.rows; i++) {
      score.push(f.scores[i] ?? 0);
      sweepVal.push(weighted(f.sweep, i, p));
      const w = f.sweep.windowOf[i] ?? -1;
      windowId.push(w < 0 ? -1 : windowBase + w);
    }
    windowBase += f.sweep.windows.length;
  }
  const order = Array.from(score.keys()).sort((a, b) => (score[b] ?? 0) - (score[a] ?? 0) || a - b);
  const windowBest = new Array<number>(windowBase).fill(-p.fnWeight);
  let total = -p.fnWeight * windowBase;
  let best = { threshold: 1.1, raw: total };
  for (let k = 0; k < order.length; k++) {
    const idx = order[k] ?? 0;
    const w = windowId[idx] ?? -1;
    const s = sweepVal[idx] ?? 0;
    if (w < 0) total += s;
    else if (s > (windowBest[w] ?? 0)) {
      total += s - (windowBest[w] ?? 0);
      windowBest[w] = s;
    }
    const t = score[idx] ?? 0;
    const next = order[k + 1];
    const lastOfLevel = next === undefined || (score[next] ?? 0) !== t;
    if (lastOfLevel && total > best.raw) best = { threshold: t, raw: total };
  }
  return best;
}

export interface WindowCounts {
  readonly tp: number;
  readonly fn: number;
  readonly fp: number;
}

/** Window precision/recall/F1 from summed counts (FP = flagged rows outside windows). */
export function windowF1(c: WindowCounts): { precision: number; recall: number; f1: number } {
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/**
 * Sample sets that turn a point prediction into a calibrated band: a predictor records, for every
 * finished job, the ratio actual / point it would have predicted; its band is the point times the
 * 10th, 50th and 90th percentile of those ratios (optionally only over ratios that are consistent with
 * the time the job has already run).
 */

/** A bounded window of the latest samples, with a sorted copy rebuilt lazily. */
export class SampleWindow {
  private readonly ring: Float64Array;
  private size = 0;
  private head = 0;
  private sorted: Float64Array | undefined;

  constructor(readonly capacity = 2000) {
    this.ring = new Float64Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  add(value: number): void {
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    this.sorted = undefined;
  }

  /** The samples in ascending order (do not mutate). */
  ascending(): Float64Array {
    if (!this.sorted) this.sorted = this.ring.slice(0, this.size).sort();
    return this.sorted;
  }
}

/** Linear-interpolated quantile of an ascending array's slice [from, length). */
export function quantileFrom(sorted: Float64Array, from: number, q: number): number {
  const n = sorted.length - from;
  if (n <= 0) return NaN;
  const pos = from + q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  const a = sorted[lo] ?? 0;
  return a + ((sorted[hi] ?? a) - a) * (pos - lo);
}

/** First index whose value exceeds `x` (ascending array). */
export function firstAbove(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface Band {
  readonly p10S: number;
  readonly p50S: number;
  readonly p90S: number;
}

/** Samples needed before a band is read from them (below: the caller's default). */
export const MIN_SAMPLES = 20;
/** Samples that must remain above the elapsed time to condition on it. */
export const MIN_TAIL = 8;
/** Shortest run time any band reports (seconds). */
export const FLOOR_S = 1;

/**
 * Band of `scale × sample` over the samples (run times with scale 1, or ratios to a point prediction),
 * conditioned on the job having run `elapsedS` already. With too few samples above the elapsed time it
 * answers like a heavy (Pareto, α = 1) tail: a job that has run t seconds runs 2t in the median.
 */
export function bandOf(samples: Float64Array, scale: number, elapsedS = 0): Band {
  const from = elapsedS > 0 ? firstAbove(samples, elapsedS / scale) : 0;
  if (samples.length - from < (elapsedS > 0 ? MIN_TAIL : 1)) return lindy(elapsedS);
  const at = (q: number): number => Math.max(FLOOR_S, elapsedS, quantileFrom(samples, from, q) * scale);
  return { p10S: at(0.1), p50S: at(0.5), p90S: at(0.9) };
}

/** Pareto (α = 1) continuation of a job that has run elapsedS: P(T > x | T > t) = t / x. */
export function lindy(elapsedS: number): Band {
  const t = Math.max(FLOOR_S, elapsedS);
  return { p10S: t / 0.9, p50S: 2 * t, p90S: 10 * t };
}

/** A fixed ratio band (before a predictor has seen enough finished jobs), conditioned like bandOf. */
export function defaultBand(point: number, ratios: readonly [number, number, number], elapsedS = 0): Band {
  const [a, b, c] = ratios;
  const band = { p10S: Math.max(FLOOR_S, point * a), p50S: Math.max(FLOOR_S, point * b), p90S: Math.max(FLOOR_S, point * c) };
  if (elapsedS <= 0) return band;
  if (band.p90S <= elapsedS) return lindy(elapsedS);
  return { p10S: Math.max(band.p10S, elapsedS), p50S: Math.max(band.p50S, elapsedS), p90S: band.p90S };
}

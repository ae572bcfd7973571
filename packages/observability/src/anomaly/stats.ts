/** Small numeric helpers shared by the detectors (pure). */

/** Complementary error function (Numerical Recipes erfcc, |error| < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of the standard normal: P(Z > z). */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Map a |z|-like surprise to [0, 1]: 1 − two-sided tail probability. */
export function surprise(z: number): number {
  if (!Number.isFinite(z)) return 1;
  return 1 - 2 * normalTail(Math.abs(z));
}

/** Map |z| to [0, 1) without saturating in floating point: |z| / (|z| + scale). */
export function squash(z: number, scale = 3): number {
  const a = Math.abs(z);
  if (!Number.isFinite(a)) return 1;
  return a / (a + scale);
}

/** Fixed-capacity ring buffer of numbers. */
export class Ring {
  private readonly buf: Float64Array;
  private start = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
  }
  /** Push a value; returns the value that fell out, or undefined. */
  push(v: number): number | undefined {
    if (this.size < this.capacity) {
      this.buf[(this.start + this.size) % this.capacity] = v;
      this.size++;
      return undefined;
    }
    const old = this.buf[this.start] ?? 0;
    this.buf[this.start] = v;
    this.start = (this.start + 1) % this.capacity;
    return old;
  }
  values(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.buf[(this.start + i) % this.capacity] ?? 0);
    return out;
  }
}

/** Median of a copy of the values (0 for an empty list). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** Exponentially weighted mean and variance (West's update). */
export class Ewm {
  mean = 0;
  variance = 0;
  n = 0;
  constructor(readonly alpha: number) {}
  update(x: number): void {
    if (this.n === 0) {
      this.mean = x;
      this.variance = 0;
    } else {
      const a = Math.max(this.alpha, 1 / (this.n + 1));
      const d = x - this.mean;
      this.mean += a * d;
      this.variance = (1 - a) * (this.variance + a * d * d);
    }
    this.n++;
  }
  get std(): number {
    return Math.sqrt(this.variance);
  }
}

/** The last `capacity` values kept both in arrival order and sorted, for O(capacity) median/MAD updates. */
export class SortedWindow {
  private readonly ring: Ring;
  private readonly sorted: Float64Array;
  private n = 0;
  constructor(capacity: number) {
    this.ring = new Ring(capacity);
    this.sorted = new Float64Array(capacity);
  }
  get size(): number {
    return this.n;
  }
  /** Values in arrival order. */
  values(): number[] {
    return this.ring.values();
  }
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.sorted[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  push(v: number): void {
    const old = this.ring.push(v);
    if (old !== undefined) {
      const i = this.lowerBound(old);
      this.sorted.copyWithin(i, i + 1, this.n);
      this.n--;
    }
    const j = this.lowerBound(v);
    this.sorted.copyWithin(j + 1, j, this.n);
    this.sorted[j] = v;
    this.n++;
  }
  median(): number {
    if (this.n === 0) return 0;
    const m = this.n >> 1;
    return this.n % 2 === 1 ? (this.sorted[m] ?? 0) : ((this.sorted[m - 1] ?? 0) + (this.sorted[m] ?? 0)) / 2;
  }
  /** Median of |x − center| over the window, by merging the distances outward from the center. */
  medianAbsDeviation(center: number): number {
    if (this.n === 0) return 0;
    const want = this.n % 2 === 1 ? [this.n >> 1] : [(this.n >> 1) - 1, this.n >> 1];
    const last = want[want.length - 1] ?? 0;
    let left = this.lowerBound(center) - 1;
    let right = left + 1;
    let sum = 0;
    for (let k = 0; k <= last; k++) {
      const dl = left >= 0 ? center - (this.sorted[left] ?? 0) : Infinity;
      const dr = right < this.n ? (this.sorted[right] ?? 0) - center : Infinity;
      let d: number;
      if (dl <= dr) {
        d = dl;
        left--;
      } else {
        d = dr;
        right++;
      }
      if (want.includes(k)) sum += d;
    }
    return sum / want.length;
  }
}

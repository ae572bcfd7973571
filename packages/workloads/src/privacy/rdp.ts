import { logAdd, logBinomial, logErfc, logSub } from "./special.js";

/**
 * Rényi-DP accountant for the sampled Gaussian mechanism (one DP-SGD step: every example joins the batch
 * independently with probability q — Poisson sampling — and Gaussian noise of standard deviation σ·C is added
 * to the sum of gradients clipped to norm C).
 *
 * RDP of one step at order α (Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism", arXiv:1908.10530): for integer α exactly, Section 3.2,
 *   A_α = Σ_{k=0}^{α} C(α,k) (1−q)^{α−k} q^k exp((k²−k)/(2σ²)),
 * and for fractional α by the convergent series of Section 3.3 (two tails, with erfc terms around
 * z₀ = σ² log(1/q − 1) + 1/2). RDP(α) = log(A_α)/(α − 1); T steps compose by adding, T·RDP(α).
 *
 * Conversion to (ε, δ): `improved` (the default) is Canonne, Kamath, Steinke 2020 (Proposition 12; also
 * Balle et al. 2020, Theorem 21): ε = RDP + log(1 − 1/α) − (log δ + log α)/(α − 1); `classic` is Mironov 2017,
 * Proposition 3: ε = RDP − log δ/(α − 1) — the one TF Privacy's and Abadi et al.'s published figures used.
 * The reported ε is the minimum over the orders.
 */
export type RdpConversion = "improved" | "classic";

/**
 * 1.25 … 4 in quarters, 4.5, 5 … 63, 128, 256, 512: fine near 1 (where large ε is reached) and far out (tiny ε).
 * Kept short because a fractional order costs a slowly converging series (thousands of terms when q is large).
 */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 12 }, (_, i) => 1.25 + i / 4), // 1.25 … 4
  4.5,
  ...Array.from({ length: 59 }, (_, i) => 5 + i),
  128,
  256,
  512,
];

export interface RdpEpsilonInput {
  /** Probability that one example is in a step's batch (expected batch / dataset size), in [0, 1]. */
  readonly samplingRate: number;
  /** σ: noise standard deviation divided by the clipping norm. */
  readonly noiseMultiplier: number;
  readonly steps: number;
  readonly delta: number;
  readonly orders?: readonly number[];
  readonly conversion?: RdpConversion;
}

export interface RdpEpsilon {
  readonly epsilon: number;
  /** The order α at which the minimum was reached (at an end of `orders` means a wider list could help). */
  readonly order: number;
  /** Total RDP at that order. */
  readonly rdp: number;
  readonly delta: number;
  readonly samplingRate: number;
  readonly noiseMultiplier: number;
  readonly steps: number;
  readonly conversion: RdpConversion;
}

function checkRange(name: string, v: number, lo: number, hi: number, openLo = false): void {
  if (!Number.isFinite(v) || v < lo || v > hi || (openLo && v === lo))
    throw new RangeError(`${name} must be in ${openLo ? "(" : "["}${lo}, ${hi}], got ${v}`);
}

/** log A_α for integer α ≥ 2: the finite binomial sum, in log space. */
function logAInt(q: number, sigma: number, alpha: number): number {
  let acc = -Infinity;
  for (let k = 0; k <= alpha; k++) {
    const { log: lb } = logBinomial(alpha, k);
    const term = lb + k * Math.log(q) + (alpha - k) * Math.log1p(-q) + (k * k - k) / (2 * sigma * sigma);
    acc = logAdd(acc, term);
  }
  return acc;
}

/** log A_α for fractional α > 1: the two-tailed series of Mironov et al. 2019, Section 3.3. */
function logAFrac(q: number, sigma: number, alpha: number): number {
  let a0 = -Infinity;
  let a1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const s2 = Math.SQRT2 * sigma;
  // C(α, i) by the running product C(α, i+1) = C(α, i)·(α − i)/(i + 1): one step per term, not i
  let lc = 0;
  let sign = 1;
  for (let i = 0; i < 1_000_000; i++) {
    if (i > 0) {
      const f = alpha - (i - 1);
      if (f < 0) sign = -sign;
      lc += Math.log(Math.abs(f)) - Math.log(i);
    }
    const j = alpha - i;
    const t0 = lc + i * Math.log(q) + j * Math.log1p(-q);
    const t1 = lc + j * Math.log(q) + i * Math.log1p(-q);
    const e0 = Math.log(0.5) + logErfc((i - z0) / s2);
    const e1 = Math.log(0.5) + logErfc((z0 - j) / s2);
    const s0 = t0 + (i * i - i) / (2 * sigma * sigma) + e0;
    const s1 = t1 + (j * j - j) / (2 * sigma * sigma) + e1;
    if (sign > 0) {
      a0 = logAdd(a0, s0);
      a1 = logAdd(a1, s1);
    } else if (sign < 0) {
      a0 = logSub(a0, s0);
      a1 = logSub(a1, s1);
    }
    // past α the terms alternate and shrink: stop once they no longer move A (A ≥ 1, so −30 is ~1e-13 relative)
    if (i > alpha && Math.max(s0, s1) < -30) break;
  }
  return logAdd(a0, a1);
}

/** RDP of ONE step of the sampled Gaussian mechanism at order α > 1. */
export function sampledGaussianRdp(samplingRate: number, noiseMultiplier: number, order: number): number {
  checkRange("samplingRate", samplingRate, 0, 1);
  checkRange("noiseMultiplier", noiseMultiplier, 0, Infinity);
  if (!(order > 1)) throw new RangeError(`order must be > 1, got ${order}`);
  if (samplingRate === 0) return 0;
  if (noiseMultiplier === 0) return Infinity;
  if (noiseMultiplier === Infinity) return 0;
  if (samplingRate === 1) return order / (2 * noiseMultiplier * noiseMultiplier);
  const logA = Number.isInteger(order) ? logAInt(samplingRate, noiseMultiplier, order) : logAFrac(samplingRate, noiseMultiplier, order);
  return Math.max(0, logA) / (order - 1);
}

/** ε at δ from total RDP values per order (the minimum over orders). */
export function epsilonFromRdp(
  orders: readonly number[],
  rdp: readonly number[],
  delta: number,
  conversion: RdpConversion = "improved",
): { epsilon: number; order: number; rdp: number } {
  checkRange("delta", delta, 0, 1, true);
  let best = { epsilon: Infinity, order: orders[0] ?? NaN, rdp: rdp[0] ?? NaN };
  orders.forEach((a, i) => {
    const r = rdp[i] as number;
    if (!Number.isFinite(r)) return;
    let eps: number;
    if (conversion === "classic") eps = r - Math.log(delta) / (a - 1);
    else if (delta * delta + Math.expm1(-r) > 0)
      eps = 0; // RDP so small that δ alone covers it
    else eps = r + Math.log1p(-1 / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    eps = Math.max(0, eps);
    if (eps < best.epsilon) best = { epsilon: eps, order: a, rdp: r };
  });
  return best;
}

/** ε after `steps` DP-SGD steps with Poisson sampling rate q and noise multiplier σ, at δ. */
export function rdpEpsilon(input: RdpEpsilonInput): RdpEpsilon {
  const { samplingRate, noiseMultiplier, steps, delta } = input;
  checkRange("samplingRate", samplingRate, 0, 1);
  checkRange("noiseMultiplier", noiseMultiplier, 0, Infinity);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be a whole number ≥ 0, got ${steps}`);
  checkRange("delta", delta, 0, 1, true);
  const orders = input.orders ?? DEFAULT_ORDERS;
  if (orders.length === 0 || orders.some((a) => !(a > 1) || !Number.isFinite(a))) throw new RangeError("orders must be finite numbers > 1");
  const conversion = input.conversion ?? "improved";
  const rdp = orders.map((a) => (steps === 0 ? 0 : steps * sampledGaussianRdp(samplingRate, noiseMultiplier, a)));
  const best = epsilonFromRdp(orders, rdp, delta, conversion);
  return { ...best, delta, samplingRate, noiseMultiplier, steps, conversion };
}

export interface NoiseForEpsilonInput {
  readonly samplingRate: number;
  readonly steps: number;
  readonly delta: number;
  readonly epsilon: number;
  readonly orders?: readonly number[];
  readonly conversion?: RdpConversion;
  /** Relative precision of the answer (default 1e-4). */
  readonly tolerance?: number;
}

/**
 * The smallest noise multiplier σ (to within `tolerance`, always rounded up) whose ε after `steps` steps is at
 * most the target: ε decreases monotonically in σ, so bisection on log σ.
 */
export function noiseForEpsilon(input: NoiseForEpsilonInput): number {
  const { epsilon, tolerance = 1e-4 } = input;
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  if (epsilon === Infinity) return 0;
  const eps = (sigma: number): number => rdpEpsilon({ ...input, noiseMultiplier: sigma }).epsilon;
  if (input.steps === 0 || input.samplingRate === 0) return 0;
  let hi = 1;
  while (eps(hi) > epsilon) {
    hi *= 2;
    if (hi > 1e6) throw new RangeError(`no noise multiplier ≤ 1e6 reaches epsilon ${epsilon}`);
  }
  let lo = hi / 2;
  while (lo > 1e-3 && eps(lo) <= epsilon) {
    hi = lo;
    lo /= 2;
  }
  while (hi / lo - 1 > tolerance) {
    const mid = Math.sqrt(lo * hi);
    if (eps(mid) <= epsilon) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Running account over steps that may differ (a changed batch size or σ mid-training, federated rounds):
 * RDP adds per order, ε is derived on demand.
 */
export class RdpAccountant {
  readonly orders: readonly number[];
  private readonly total: number[];
  constructor(orders: readonly number[] = DEFAULT_ORDERS) {
    this.orders = orders;
    this.total = orders.map(() => 0);
  }
  /** Account for `count` steps of the sampled Gaussian mechanism with rate q and multiplier σ. */
  step(samplingRate: number, noiseMultiplier: number, count = 1): void {
    this.orders.forEach((a, i) => {
      this.total[i] = (this.total[i] as number) + count * sampledGaussianRdp(samplingRate, noiseMultiplier, a);
    });
  }
  epsilon(delta: number, conversion: RdpConversion = "improved"): { epsilon: number; order: number } {
    const { epsilon, order } = epsilonFromRdp(this.orders, this.total, delta, conversion);
    return { epsilon, order };
  }
}

/**
 * Special functions the accountant needs in log space, written out so they are accurate in the far tails
 * (the sampled Gaussian's series multiplies huge exponentials by tiny tail probabilities).
 */

/** log(exp(a) + exp(b)) without overflow; -Infinity is the log of 0. */
export function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

/** log(exp(a) - exp(b)) for a ≥ b; -Infinity when they are equal. */
export function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b > a) throw new RangeError(`logSub: ${b} > ${a}`);
  if (a === b) return -Infinity;
  const d = b - a;
  // log(1 - e^d): expm1 near 0, log1p far from it (both keep full precision)
  return a + (d > -Math.LN2 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d)));
}

const LOG_GAMMA_G = 7;
// Lanczos coefficients for g = 7, n = 9 (the standard published set; ~15 significant digits).
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log|Γ(x)| for real x that is not a non-positive integer (reflection below 1/2). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + LOG_GAMMA_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * log|C(alpha, k)| and its sign for real alpha and integer k ≥ 0 (the generalized binomial coefficient,
 * Π_{i<k} (alpha − i) / k!). Computed by the product for exactness when k is small, which is where the
 * series' terms that matter live.
 */
export function logBinomial(alpha: number, k: number): { log: number; sign: number } {
  let log = 0;
  let sign = 1;
  for (let i = 0; i < k; i++) {
    const f = alpha - i;
    if (f === 0) return { log: -Infinity, sign: 0 };
    if (f < 0) sign = -sign;
    log += Math.log(Math.abs(f)) - Math.log(i + 1);
  }
  return { log, sign };
}

/**
 * log(erfc(x)). For x < 2 from erf's all-positive series erf(x) = 2/√π·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1))
 * (no cancellation; erfc ≥ 4.7e-3 there, so 1 − erf keeps ~13 digits); for x ≥ 2 from the continued fraction
 * erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) evaluated by the modified Lentz method,
 * which stays accurate however far out x is (log erfc(40) ≈ −1604 is representable, erfc(40) is not).
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 2) {
    if (x < -6) return Math.log(2 - Math.exp(logErfc(-x)));
    const ax = Math.abs(x);
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (2 * ax * ax) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    const erf = (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
    return Math.log(x >= 0 ? 1 - erf : 1 + erf);
  }
  // continued fraction K = 1/(x + a1/(x + a2/(x + …))) with a_n = n/2
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x * x - 0.5 * Math.log(Math.PI) - Math.log(f);
}

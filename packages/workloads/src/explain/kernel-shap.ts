import { mulberry32 } from "../data/split.js";
import { labelOf, type SentimentModel } from "../model.js";
import type { Explanation } from "./occlusion.js";

export interface KernelShapOptions {
  /** Coalitions to evaluate besides the empty and the full one (SHAP's default: 2M + 2048). */
  readonly samples?: number;
  readonly seed?: number;
  /**
   * At most this many players: a longer text is cut into this many contiguous spans of tokens, each span one player,
   * and every token of a span reports the span's value divided by its length. Bounds the cost on long reviews.
   */
  readonly maxPlayers?: number;
  /** Explain log-odds (default, as the fast explainer) or P(positive). */
  readonly link?: "logit" | "identity";
}

/** A game: the values of a batch of coalitions (mask[j] = 1 when player j is in). */
export type Game = (coalitions: readonly Uint8Array[]) => Promise<Float64Array>;

export interface KernelShapResult {
  readonly phi: Float64Array;
  /** v(∅) and v(all players). */
  readonly base: number;
  readonly full: number;
  /** Coalitions evaluated besides the empty and full ones; `exact` when that was all of them. */
  readonly evaluated: number;
  readonly exact: boolean;
}

const binomial = (n: number, k: number): number => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
};

/**
 * KernelSHAP (Lundberg & Lee 2017, Theorem 2): the Shapley values are the solution of a weighted linear regression
 * of v(z) on the coalition indicators z with the Shapley kernel π(z) = (M − 1) / (C(M,|z|) |z| (M − |z|)), under the
 * efficiency constraint Σφ = v(all) − v(∅) (imposed exactly by eliminating the last player). Coalition sizes whose
 * every subset fits in the budget are enumerated, smallest and largest first (those carry the most kernel mass), as
 * SHAP's KernelExplainer does; the remaining sizes are sampled from the kernel's size distribution with their
 * complements (paired sampling, Covert & Lee 2021), from a seeded generator. When every coalition fits, the answer is
 * the exact Shapley value.
 */
export async function kernelShap(
  players: number,
  game: Game,
  options: { samples?: number; seed?: number } = {},
): Promise<KernelShapResult> {
  const M = players;
  const [base = 0, full = 0] = await game([new Uint8Array(M), new Uint8Array(M).fill(1)]);
  if (M === 0) return { phi: new Float64Array(0), base, full, evaluated: 0, exact: true };
  if (M === 1) return { phi: Float64Array.of(full - base), base, full, evaluated: 0, exact: true };
  const budget = Math.max(2, options.samples ?? 2 * M + 2048);
  const coalitions: Uint8Array[] = [];
  const weight: number[] = [];
  // the kernel's mass per size, normalised over sizes 1..M−1
  const mass = Array.from({ length: M + 1 }, (_, s) => (s === 0 || s === M ? 0 : (M - 1) / (s * (M - s))));
  const total = mass.reduce((a, b) => a + b, 0);
  for (let s = 0; s <= M; s++) mass[s] = (mass[s] ?? 0) / total;
  let left = budget;
  let massLeft = 1;
  let s = 1;
  for (; s <= M - s; s++) {
    const sizes = s === M - s ? [s] : [s, M - s];
    const count = sizes.reduce((a, k) => a + binomial(M, k), 0);
    if (count > left) break;
    for (const k of sizes) {
      const w = (mass[k] ?? 0) / binomial(M, k);
      forEachSubset(M, k, (z) => {
        coalitions.push(z);
        weight.push(w);
      });
      massLeft -= mass[k] ?? 0;
    }
    left -= count;
  }
  const exact = s > M - s;
  if (!exact && left >= 2) {
    const rand = mulberry32(options.seed ?? 1);
    const sizes: number[] = [];
    const cum: number[] = [];
    let acc = 0;
    for (let k = s; k <= M - s; k++) {
      acc += mass[k] ?? 0;
      sizes.push(k);
      cum.push(acc);
    }
    const pairs = Math.floor(left / 2);
    const w = massLeft / (2 * pairs);
    for (let p = 0; p < pairs; p++) {
      const u = rand() * acc;
      const k = sizes[cum.findIndex((c) => u < c)] ?? sizes.at(-1) ?? 1;
      const z = randomSubset(M, k, rand);
      coalitions.push(
        z,
        z.map((b) => 1 - b),
      );
      weight.push(w, w);
    }
  }
  const values = coalitions.length > 0 ? await game(coalitions) : new Float64Array(0);
  const phi = constrainedRegression(M, coalitions, weight, values, base, full - base);
  return { phi, base, full, evaluated: coalitions.length, exact };
}

/** Weighted least squares of v(z) − v(∅) on z with Σφ = Δ: substitute φ_M = Δ − Σ_{j<M} φ_j. */
function constrainedRegression(
  M: number,
  zs: readonly Uint8Array[],
  ws: readonly number[],
  vs: Float64Array,
  base: number,
  delta: number,
): Float64Array {
  const d = M - 1;
  const ata = new Float64Array(d * d);
  const atb = new Float64Array(d);
  const x = new Float64Array(d);
  zs.forEach((z, i) => {
    const w = ws[i] ?? 0;
    const last = z[M - 1] ?? 0;
    const y = (vs[i] ?? 0) - base - last * delta;
    for (let j = 0; j < d; j++) x[j] = (z[j] ?? 0) - last;
    for (let a = 0; a < d; a++) {
      const xa = (x[a] ?? 0) * w;
      if (xa === 0) continue;
      atb[a] = (atb[a] ?? 0) + xa * y;
      for (let b = 0; b < d; b++) ata[a * d + b] = (ata[a * d + b] ?? 0) + xa * (x[b] ?? 0);
    }
  });
  // a vanishing ridge keeps the system solvable when the sampled coalitions leave a direction unseen
  let trace = 0;
  for (let a = 0; a < d; a++) trace += ata[a * d + a] ?? 0;
  for (let a = 0; a < d; a++) ata[a * d + a] = (ata[a * d + a] ?? 0) + (1e-12 * trace) / d;
  const sol = solve(ata, atb, d);
  const phi = new Float64Array(M);
  let sum = 0;
  for (let j = 0; j < d; j++) {
    phi[j] = sol[j] ?? 0;
    sum += sol[j] ?? 0;
  }
  phi[M - 1] = delta - sum;
  return phi;
}

/** Solve A x = b (A d×d, row-major, symmetric positive semi-definite) by Gaussian elimination with pivoting. */
function solve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const w = d + 1;
  const m = new Float64Array(d * w);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m[i * w + j] = a[i * d + j] ?? 0;
    m[i * w + d] = b[i] ?? 0;
  }
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r * w + c] ?? 0) > Math.abs(m[p * w + c] ?? 0)) p = r;
    if (p !== c) for (let k = 0; k < w; k++) [m[c * w + k], m[p * w + k]] = [m[p * w + k] ?? 0, m[c * w + k] ?? 0];
    const piv = m[c * w + c] ?? 0;
    if (piv === 0) continue;
    for (let r = c + 1; r < d; r++) {
      const f = (m[r * w + c] ?? 0) / piv;
      if (f !== 0) for (let k = c; k < w; k++) m[r * w + k] = (m[r * w + k] ?? 0) - f * (m[c * w + k] ?? 0);
    }
  }
  const x = new Float64Array(d);
  for (let r = d - 1; r >= 0; r--) {
    let s = m[r * w + d] ?? 0;
    for (let k = r + 1; k < d; k++) s -= (m[r * w + k] ?? 0) * (x[k] ?? 0);
    const piv = m[r * w + r] ?? 0;
    x[r] = piv === 0 ? 0 : s / piv;
  }
  return x;
}

function forEachSubset(M: number, k: number, fn: (z: Uint8Array) => void): void {
  const idx = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    const z = new Uint8Array(M);
    for (const i of idx) z[i] = 1;
    fn(z);
    let i = k - 1;
    while (i >= 0 && idx[i] === M - k + i) i--;
    if (i < 0) return;
    idx[i] = (idx[i] ?? 0) + 1;
    for (let j = i + 1; j < k; j++) idx[j] = (idx[j - 1] ?? 0) + 1;
  }
}

function randomSubset(M: number, k: number, rand: () => number): Uint8Array {
  // partial Fisher–Yates
  const order = Array.from({ length: M }, (_, i) => i);
  const z = new Uint8Array(M);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (M - i));
    [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    z[order[i] ?? 0] = 1;
  }
  return z;
}

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return Math.log(q / (1 - q));
};

/**
 * KernelSHAP for any sentiment model (the seed preset's LSTM in particular): players are token positions (or spans of
 * them on long texts, see `maxPlayers`), a coalition's text keeps its players' tokens in order and deletes the rest,
 * and the baseline is the empty text. Seeded: the same model, text and seed give the same values.
 */
export async function explainKernelShap(model: SentimentModel, text: string, options: KernelShapOptions = {}): Promise<Explanation> {
  const tokens = model.tokenize(text);
  const M = Math.min(tokens.length, Math.max(1, options.maxPlayers ?? 64));
  const span = Math.ceil(tokens.length / Math.max(1, M));
  const players = tokens.length === 0 ? 0 : Math.ceil(tokens.length / span);
  const link = options.link ?? "logit";
  const out = (p: number): number => (link === "logit" ? logit(p) : p);
  const game: Game = async (zs) => {
    const values = new Float64Array(zs.length);
    for (let from = 0; from < zs.length; from += 256) {
      const batch = zs.slice(from, from + 256).map((z) => tokens.filter((_, i) => z[Math.floor(i / span)] === 1));
      const ps = await model.predictTokens(batch);
      ps.forEach((p, i) => (values[from + i] = out(p)));
      // the LSTM predicts synchronously: let a server's other requests in between batches
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return values;
  };
  const r = await kernelShap(players, game, options);
  // the model's own float32 score, not the round trip through the link
  const score = (await model.predictTokens([tokens]))[0] ?? 0.5;
  return {
    method: "shap",
    output: link === "logit" ? "log-odds" : "probability",
    base: r.base,
    score,
    label: labelOf(score),
    tokens: tokens.map((token, index) => {
      const j = Math.floor(index / span);
      const width = Math.min(span, tokens.length - j * span);
      return { token, index, weight: (r.phi[j] ?? 0) / width };
    }),
  };
}

import type { FastModel } from "../fast/model.js";
import { NgramHasher } from "../fast/ngrams.js";
import { labelOf } from "../model.js";
import type { Explanation } from "./occlusion.js";

/**
 * Exact SHAP values of the fast preset's linear model, per token position.
 *
 * The game. Players are the token positions of the text. A coalition S keeps the tokens in S and masks the others;
 * an n-gram feature is present when all of its tokens are kept (a masked token breaks the n-grams through it and
 * forms no new ones). The model's margin is linear over its binarized hashed n-gram features:
 * g(S) = bias + Σ_b w_b · x_b(S), x_b(S) = 1 when some occurrence of an n-gram hashed to bucket b lies inside S.
 * The baseline is the all-absent (empty) document: the interventional baseline x' = 0, under which the SHAP values of
 * a linear model over the features are w_b · x_b (Lundberg & Lee 2017, "linear SHAP"). We explain the margin
 * (log-odds), as SHAP's linear explainer does for a logistic model: there the values add up exactly; on P(positive)
 * the sigmoid makes them interact.
 *
 * Why it is exact per token. Shapley values are linear in the game, so φ_i = Σ_b w_b · φ_i(x_b). Each x_b is an OR
 * over the occurrences of its bucket, each occurrence an AND of a contiguous run of positions (an n-gram, or another
 * n-gram that collides in the hash). With one occurrence the game is a unanimity game, whose value is shared equally
 * by its n tokens (w/n each). With several (a repeated word, "very very very", a collision) equal sharing is wrong —
 * in "very very very" the bigram's middle token is pivotal in 4 of 6 orders, so it gets 2/3, not 1/2. We use Owen's
 * multilinear form instead: φ_i(x_b) = ∫₀¹ (Pr[x_b = 1 | i kept] − Pr[x_b = 1 | i masked]) dt, where every other
 * position is kept independently with probability t. Along a line of positions that probability is a small dynamic
 * programme (run length of kept tokens), forward and backward, and the integrand is a polynomial in t of degree
 * below the number of positions involved, so Gauss–Legendre quadrature with enough nodes integrates it exactly
 * (up to rounding). Efficiency holds: Σ_i φ_i = g(all) − g(∅) = logit f(text) − bias.
 *
 * The faithfulness benchmark removes tokens by deleting them (what the model sees in production), which forms new
 * n-grams across a gap; that game has no such closed form, so this explainer states the masking game it solves.
 */
export function explainShapLinear(model: FastModel, text: string): Explanation {
  const tokens = model.tokenize(text);
  const phi = shapLinearTokens(model, tokens);
  const score = model.predictTokensSync([tokens])[0] ?? 0.5;
  return {
    method: "shap",
    output: "log-odds",
    base: model.params.bias,
    score,
    label: labelOf(score),
    tokens: tokens.map((token, index) => ({ token, index, weight: phi[index] ?? 0 })),
  };
}

/** Exact SHAP values (log-odds, masking game, empty baseline) of each position of `tokens`. */
export function shapLinearTokens(model: FastModel, tokens: readonly string[]): Float64Array {
  const { weights, hashing } = model.params;
  const phi = new Float64Array(tokens.length);
  const byBucket = new Map<number, { start: number; length: number }[]>();
  for (const g of new NgramHasher(hashing).grams(tokens)) {
    if ((weights[g.bucket] ?? 0) === 0) continue; // a zero-weight feature is a dummy everywhere
    const list = byBucket.get(g.bucket);
    if (list) list.push(g);
    else byBucket.set(g.bucket, [g]);
  }
  for (const [bucket, occurrences] of byBucket) {
    const w = weights[bucket] ?? 0;
    for (const [pos, share] of orShares(occurrences)) phi[pos] = (phi[pos] ?? 0) + w * share;
  }
  return phi;
}

/**
 * The margin of the masking game: bias + Σ w_b over the buckets with an occurrence entirely among the kept
 * positions. With every position kept it equals the model's own margin.
 */
export function maskedMargin(model: FastModel, tokens: readonly string[], kept: (position: number) => boolean): number {
  const { weights, hashing, bias } = model.params;
  const on = new Set<number>();
  for (const g of new NgramHasher(hashing).grams(tokens)) {
    let all = true;
    for (let p = g.start; p < g.start + g.length && all; p++) all = kept(p);
    if (all) on.add(g.bucket);
  }
  let z = bias;
  for (const b of on) z += weights[b] ?? 0;
  return z;
}

/**
 * Shapley values of the game "some interval lies entirely in S" (intervals of consecutive positions): the share of
 * each position, summing to 1.
 */
export function orShares(intervals: readonly { start: number; length: number }[]): Map<number, number> {
  const out = new Map<number, number>();
  const first = intervals[0];
  if (first === undefined) return out;
  if (intervals.length === 1) {
    for (let p = first.start; p < first.start + first.length; p++) out.set(p, 1 / first.length);
    return out;
  }
  const sorted = [...intervals].sort((x, y) => x.start - y.start);
  if (sorted.every((iv, k) => k === 0 || iv.start >= (sorted[k - 1]?.start ?? 0) + (sorted[k - 1]?.length ?? 0))) {
    return disjointShares(sorted, out);
  }
  // the positions involved, in order, and the shortest interval ending at each
  const ends = new Map<number, number>();
  const covered = new Set<number>();
  let longest = 1;
  for (const { start, length } of intervals) {
    const end = start + length - 1;
    ends.set(end, Math.min(ends.get(end) ?? Infinity, length));
    for (let p = start; p <= end; p++) covered.add(p);
    longest = Math.max(longest, length);
  }
  const pos = [...covered].sort((a, b) => a - b);
  const n = pos.length;
  const minLen = pos.map((p) => ends.get(p) ?? Infinity);
  const joined = pos.map((p, k) => k > 0 && pos[k - 1] === p - 1); // run continues from the previous position
  const R = longest; // run lengths are capped: a run of R kept tokens already fires every interval ending here
  const { nodes, weights } = gaussLegendre01(Math.ceil(n / 2) + 1);
  const share = new Float64Array(n);
  // fwd[k][r]: Pr(nothing fired in positions < k, current run r) before position k is decided
  const fwd = Array.from({ length: n + 1 }, () => new Float64Array(R + 1));
  // bwd[k][r]: Pr(nothing fires in positions ≥ k | run r before position k)
  const bwd = Array.from({ length: n + 1 }, () => new Float64Array(R + 1));
  const step = (k: number, r: number, keep: boolean): number => {
    // the run after deciding position k, or -1 when an interval fires
    if (!keep) return 0;
    const run = Math.min((joined[k] ? r : 0) + 1, R);
    return run >= (minLen[k] ?? Infinity) ? -1 : run;
  };
  nodes.forEach((t, q) => {
    fwd[0]!.fill(0)[0] = 1;
    for (let k = 0; k < n; k++) {
      const next = fwd[k + 1]!.fill(0);
      const cur = fwd[k]!;
      for (let r = 0; r <= R; r++) {
        const pr = cur[r] ?? 0;
        if (pr === 0) continue;
        next[0] = (next[0] ?? 0) + pr * (1 - t);
        const s = step(k, r, true);
        if (s >= 0) next[s] = (next[s] ?? 0) + pr * t;
      }
    }
    bwd[n]!.fill(1);
    for (let k = n - 1; k >= 0; k--) {
      const cur = bwd[k]!;
      const after = bwd[k + 1]!;
      for (let r = 0; r <= R; r++) {
        const s = step(k, r, true);
        cur[r] = (1 - t) * (after[0] ?? 0) + (s >= 0 ? t * (after[s] ?? 0) : 0);
      }
    }
    // i's marginal: Pr(no fire | i masked) − Pr(no fire | i kept)
    for (let k = 0; k < n; k++) {
      const before = fwd[k]!;
      const after = bwd[k + 1]!;
      let masked = 0;
      let kept = 0;
      for (let r = 0; r <= R; r++) {
        const pr = before[r] ?? 0;
        if (pr === 0) continue;
        masked += pr * (after[0] ?? 0);
        const s = step(k, r, true);
        if (s >= 0) kept += pr * (after[s] ?? 0);
      }
      share[k] = (share[k] ?? 0) + (weights[q] ?? 0) * (masked - kept);
    }
  });
  pos.forEach((p, k) => out.set(p, share[k] ?? 0));
  return out;
}

/**
 * Disjoint occurrences (a word or a phrase repeated without overlap, the common case). All of the same length k: every
 * position is symmetric, 1/(m·k) each. Otherwise a position of occurrence j is pivotal when the rest of its occurrence
 * is kept and no other occurrence is complete: φ = ∫₀¹ t^(k_j − 1) Π_{l≠j} (1 − t^(k_l)) dt, independent factors
 * because the occurrences share no position; a polynomial of degree Σk − 1, integrated exactly by Gauss–Legendre.
 */
function disjointShares(sorted: readonly { start: number; length: number }[], out: Map<number, number>): Map<number, number> {
  const m = sorted.length;
  const k0 = sorted[0]?.length ?? 1;
  if (sorted.every((iv) => iv.length === k0)) {
    for (const iv of sorted) for (let p = iv.start; p < iv.start + iv.length; p++) out.set(p, 1 / (m * k0));
    return out;
  }
  const total = sorted.reduce((a, iv) => a + iv.length, 0);
  const { nodes, weights } = gaussLegendre01(Math.ceil(total / 2) + 1);
  const share = new Float64Array(m);
  nodes.forEach((t, q) => {
    // nodes lie strictly inside (0, 1), so no factor 1 − t^k is zero
    let logAll = 0;
    for (const iv of sorted) logAll += Math.log1p(-(t ** iv.length));
    sorted.forEach((iv, j) => {
      const others = Math.exp(logAll - Math.log1p(-(t ** iv.length)));
      share[j] = (share[j] ?? 0) + (weights[q] ?? 0) * t ** (iv.length - 1) * others;
    });
  });
  sorted.forEach((iv, j) => {
    for (let p = iv.start; p < iv.start + iv.length; p++) out.set(p, share[j] ?? 0);
  });
  return out;
}

const gaussCache = new Map<number, { nodes: Float64Array; weights: Float64Array }>();

/**
 * Gauss–Legendre nodes and weights on [0, 1]: exact for polynomials of degree ≤ 2m − 1. Nodes by Newton's method on
 * the Legendre polynomial from the Chebyshev-like first guess cos(π(i − ¼)/(m + ½)).
 */
export function gaussLegendre01(m: number): { nodes: Float64Array; weights: Float64Array } {
  const cached = gaussCache.get(m);
  if (cached) return cached;
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let dp = 1;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= m; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      dp = (m * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    nodes[i] = (1 - x) / 2;
    weights[i] = 1 / ((1 - x * x) * dp * dp); // 2/((1−x²)P'²) on [−1, 1], halved for [0, 1]
  }
  const out = { nodes, weights };
  if (gaussCache.size < 512) gaussCache.set(m, out);
  return out;
}

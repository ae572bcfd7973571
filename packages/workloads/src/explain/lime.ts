import { mulberry32 } from "../data/split.js";
import { labelOf, type SentimentModel } from "../model.js";
import type { Explanation } from "./occlusion.js";

export interface LimeOptions {
  readonly samples?: number;
  readonly seed?: number;
  /** Width of the exponential kernel on the cosine distance (×100), as in LIME's text explainer. */
  readonly kernelWidth?: number;
  /** Ridge penalty. */
  readonly lambda?: number;
}

/** Solve (A + λI) x = b by Gaussian elimination with partial pivoting; A is d×d row-major. */
function solveRidge(a: Float64Array, b: Float64Array, d: number, lambda: number): Float64Array {
  const m = new Float64Array(d * (d + 1));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m[i * (d + 1) + j] = (a[i * d + j] ?? 0) + (i === j ? lambda : 0);
    m[i * (d + 1) + d] = b[i] ?? 0;
  }
  const w = d + 1;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r * w + c] ?? 0) > Math.abs(m[p * w + c] ?? 0)) p = r;
    if (p !== c) for (let k = 0; k < w; k++) [m[c * w + k], m[p * w + k]] = [m[p * w + k] ?? 0, m[c * w + k] ?? 0];
    const piv = m[c * w + c] ?? 1;
    for (let r = c + 1; r < d; r++) {
      const f = (m[r * w + c] ?? 0) / piv;
      if (f !== 0) for (let k = c; k < w; k++) m[r * w + k] = (m[r * w + k] ?? 0) - f * (m[c * w + k] ?? 0);
    }
  }
  const x = new Float64Array(d);
  for (let r = d - 1; r >= 0; r--) {
    let s = m[r * w + d] ?? 0;
    for (let k = r + 1; k < d; k++) s -= (m[r * w + k] ?? 0) * (x[k] ?? 0);
    x[r] = s / (m[r * w + r] ?? 1);
  }
  return x;
}

/**
 * LIME-style local surrogate: remove random subsets of the word types, score the variants, and fit a weighted
 * ridge regression of P(positive) on which words were kept (weights: exponential kernel on cosine distance).
 * Seeded: the same text, model and seed give the same explanation.
 */
export async function explainLime(model: SentimentModel, text: string, options: LimeOptions = {}): Promise<Explanation> {
  const tokens = model.tokenize(text);
  const types = [...new Set(tokens)];
  const d = types.length;
  const slot = new Map(types.map((t, i) => [t, i]));
  const nSamples = options.samples ?? 500;
  const rand = mulberry32(options.seed ?? 1);
  const width = options.kernelWidth ?? 25;
  const masks: Uint8Array[] = [new Uint8Array(d).fill(1)];
  for (let s = 1; s < nSamples; s++) {
    // as LIME: pick how many words to remove uniformly, then which ones
    const remove = 1 + Math.floor(rand() * Math.max(1, d - 1));
    const mask = new Uint8Array(d).fill(1);
    for (let r = 0; r < remove; r++) mask[Math.floor(rand() * d)] = 0;
    masks.push(mask);
  }
  const scores = await model.predictTokens(masks.map((m) => tokens.filter((t) => m[slot.get(t) ?? 0] === 1)));
  const score = scores[0] ?? 0.5;
  if (d === 0) return { method: "lime", score, label: labelOf(score), tokens: [] };
  // weighted least squares with an intercept (column d), centred by the weighted means
  const weights = masks.map((m) => {
    const kept = m.reduce((a, b) => a + b, 0);
    const distance = (1 - Math.sqrt(kept / d)) * 100;
    return Math.sqrt(Math.exp(-(distance * distance) / (width * width)));
  });
  const wSum = weights.reduce((a, b) => a + b, 0);
  const meanX = new Float64Array(d);
  let meanY = 0;
  masks.forEach((m, s) => {
    const w = weights[s] ?? 0;
    for (let j = 0; j < d; j++) meanX[j] = (meanX[j] ?? 0) + (w * (m[j] ?? 0)) / wSum;
    meanY += (w * (scores[s] ?? 0)) / wSum;
  });
  const ata = new Float64Array(d * d);
  const atb = new Float64Array(d);
  const row = new Float64Array(d);
  masks.forEach((m, s) => {
    const w = weights[s] ?? 0;
    for (let j = 0; j < d; j++) row[j] = (m[j] ?? 0) - (meanX[j] ?? 0);
    const y = (scores[s] ?? 0) - meanY;
    for (let i = 0; i < d; i++) {
      const ri = (row[i] ?? 0) * w;
      if (ri === 0) continue;
      atb[i] = (atb[i] ?? 0) + ri * y;
      for (let j = 0; j < d; j++) ata[i * d + j] = (ata[i * d + j] ?? 0) + ri * (row[j] ?? 0);
    }
  });
  const coef = solveRidge(ata, atb, d, options.lambda ?? 0.01);
  return {
    method: "lime",
    score,
    label: labelOf(score),
    tokens: types.map((token, j) => ({ token, index: tokens.indexOf(token), weight: coef[j] ?? 0 })),
  };
}

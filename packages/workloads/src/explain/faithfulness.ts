import { permutation } from "../data/split.js";
import type { SentimentModel } from "../model.js";
import type { Explanation } from "./occlusion.js";

/**
 * Deletion and insertion curves (Petsiuk, Das & Saenko 2018, "RISE", § 4.1, for images; here for tokens): order
 * the tokens by how much they support the predicted class, then
 * - deletion: delete the first k% of that order and read the model's probability of the originally predicted class
 *   (a faithful explanation makes it fall fast: lower area is better);
 * - insertion: keep only the first k% (in their original order) and read the same probability (a faithful
 *   explanation makes it rise fast: higher area is better).
 * Removal is deletion from the token list, what the model sees in production and what occlusion and LIME perturb.
 */
export interface Curves {
  /** Fractions of the tokens removed (deletion) or kept (insertion): 0, 1/steps, …, 1. */
  readonly fractions: number[];
  readonly deletion: number[];
  readonly insertion: number[];
}

/** Area under a curve sampled at equal steps over [0, 1] (trapezoids). */
export function auc(ys: readonly number[]): number {
  if (ys.length < 2) return ys[0] ?? 0;
  let s = 0;
  for (let i = 1; i < ys.length; i++) s += ((ys[i - 1] ?? 0) + (ys[i] ?? 0)) / 2;
  return s / (ys.length - 1);
}

/**
 * One weight per token position. Occlusion and SHAP give positions; LIME scores word types, so each position gets
 * its type's weight (the benchmark then removes a type's occurrences one after another).
 */
export function positionWeights(e: Explanation, tokens: readonly string[]): Float64Array {
  const w = new Float64Array(tokens.length);
  if (e.method === "lime") {
    const byType = new Map(e.tokens.map((t) => [t.token, t.weight]));
    tokens.forEach((t, i) => (w[i] = byType.get(t) ?? 0));
  } else for (const t of e.tokens) if (t.index >= 0 && t.index < w.length) w[t.index] = t.weight;
  return w;
}

/** Positions by support for the class `towards` (+1 positive, −1 negative), strongest first; ties by position. */
export function rankPositions(weights: Float64Array, towards: 1 | -1): number[] {
  return Array.from(weights.keys()).sort((a, b) => towards * ((weights[b] ?? 0) - (weights[a] ?? 0)) || a - b);
}

/** Both curves of one text for one ordering, all variants scored in one batch. */
export async function deletionInsertion(
  model: SentimentModel,
  tokens: readonly string[],
  order: readonly number[],
  positive: boolean,
  steps = 20,
): Promise<Curves> {
  const n = tokens.length;
  const fractions = Array.from({ length: steps + 1 }, (_, k) => k / steps);
  const rank = new Int32Array(n);
  order.forEach((p, r) => (rank[p] = r));
  const lists: string[][] = [];
  for (const f of fractions) {
    const m = Math.round(f * n);
    lists.push(tokens.filter((_, i) => (rank[i] ?? 0) >= m)); // deletion: the top m are gone
  }
  for (const f of fractions) {
    const m = Math.round(f * n);
    lists.push(tokens.filter((_, i) => (rank[i] ?? 0) < m)); // insertion: only the top m are there
  }
  const p = await model.predictTokens(lists);
  const cls = (i: number): number => (positive ? (p[i] ?? 0) : 1 - (p[i] ?? 0));
  return {
    fractions,
    deletion: fractions.map((_, k) => cls(k)),
    insertion: fractions.map((_, k) => cls(steps + 1 + k)),
  };
}

export type Explainer = (text: string) => Promise<Explanation>;

export interface MethodFaithfulness {
  /** Mean curves over the texts. */
  readonly deletion: number[];
  readonly insertion: number[];
  /** Mean per-text AUC (lower is better for deletion, higher for insertion). */
  readonly deletionAuc: number;
  readonly insertionAuc: number;
}

export interface FaithfulnessReport {
  readonly texts: number;
  readonly steps: number;
  readonly fractions: number[];
  /** Every explainer, plus "random": a seeded random order, the floor a useful explanation must beat. */
  readonly methods: Record<string, MethodFaithfulness>;
}

/** Deletion/insertion curves and AUCs of several explainers over the same texts (texts without tokens skipped). */
export async function faithfulness(
  model: SentimentModel,
  texts: readonly string[],
  explainers: Record<string, Explainer>,
  options: { steps?: number; seed?: number; onText?: (done: number) => void } = {},
): Promise<FaithfulnessReport> {
  const steps = options.steps ?? 20;
  const names = [...Object.keys(explainers), "random"];
  const sums = new Map(names.map((m) => [m, { del: new Float64Array(steps + 1), ins: new Float64Array(steps + 1), dAuc: 0, iAuc: 0 }]));
  let used = 0;
  for (const [t, text] of texts.entries()) {
    const tokens = model.tokenize(text);
    if (tokens.length === 0) continue;
    used++;
    const positive = ((await model.predictTokens([tokens]))[0] ?? 0.5) >= 0.5;
    for (const name of names) {
      const explainer = explainers[name];
      const order = explainer
        ? rankPositions(positionWeights(await explainer(text), tokens), positive ? 1 : -1)
        : Array.from(permutation(tokens.length, (options.seed ?? 1) * 100_003 + t));
      const c = await deletionInsertion(model, tokens, order, positive, steps);
      const s = sums.get(name)!;
      c.deletion.forEach((v, k) => (s.del[k] = (s.del[k] ?? 0) + v));
      c.insertion.forEach((v, k) => (s.ins[k] = (s.ins[k] ?? 0) + v));
      s.dAuc += auc(c.deletion);
      s.iAuc += auc(c.insertion);
    }
    options.onText?.(t + 1);
  }
  const mean = (x: number): number => (used === 0 ? 0 : x / used);
  const methods: Record<string, MethodFaithfulness> = {};
  for (const [name, s] of sums)
    methods[name] = {
      deletion: Array.from(s.del, mean),
      insertion: Array.from(s.ins, mean),
      deletionAuc: mean(s.dAuc),
      insertionAuc: mean(s.iAuc),
    };
  return { texts: used, steps, fractions: Array.from({ length: steps + 1 }, (_, k) => k / steps), methods };
}

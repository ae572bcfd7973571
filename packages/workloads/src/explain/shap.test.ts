import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readLabeled, type LabeledData } from "../data/jsonl.js";
import { mulberry32 } from "../data/split.js";
import { FastModel } from "../fast/model.js";
import { NgramHasher } from "../fast/ngrams.js";
import { FAST_DEFAULTS, trainFast } from "../fast/train.js";
import type { SentimentModel } from "../model.js";
import { explainKernelShap, kernelShap, type Game } from "./kernel-shap.js";
import { explainShap } from "./shap.js";
import { explainShapLinear, gaussLegendre01, maskedMargin, orShares, shapLinearTokens } from "./shap-linear.js";
import { fixture } from "../../../../test/support/data.js";

const logit = (p: number): number => Math.log(p / (1 - p));

/** Shapley values by the definition: Σ over subsets S ∌ i of |S|!(n−|S|−1)!/n! · (v(S ∪ i) − v(S)). */
function bruteShapley(n: number, v: (inS: (i: number) => boolean) => number): number[] {
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const values = new Float64Array(2 ** n);
  for (let mask = 0; mask < 2 ** n; mask++) values[mask] = v((i) => ((mask >> i) & 1) === 1);
  return Array.from({ length: n }, (_, i) => {
    let phi = 0;
    for (let mask = 0; mask < 2 ** n; mask++) {
      if ((mask >> i) & 1) continue;
      let size = 0;
      for (let m = mask; m; m >>= 1) size += m & 1;
      phi += ((fact(size) * fact(n - size - 1)) / fact(n)) * ((values[mask | (1 << i)] ?? 0) - (values[mask] ?? 0));
    }
    return phi;
  });
}

let model: FastModel;
let test: LabeledData;

beforeAll(async () => {
  const IMDB = fixture("imdb");
  const train = await readLabeled(join(IMDB, "train.jsonl.gz"), { limit: 2000 });
  test = await readLabeled(join(IMDB, "test.jsonl.gz"), { limit: 20 });
  model = new FastModel(trainFast(train.texts, train.labels, { ...FAST_DEFAULTS, bits: 18, epochs: 3 }));
});

describe("Gauss–Legendre quadrature on [0, 1]", () => {
  it("integrates t^d exactly for d ≤ 2m − 1 and not beyond", () => {
    for (const m of [1, 2, 5, 17, 60]) {
      const { nodes, weights } = gaussLegendre01(m);
      for (let d = 0; d <= 2 * m - 1; d++) {
        const q = nodes.reduce((a, t, k) => a + (weights[k] ?? 0) * t ** d, 0);
        expect(q).toBeCloseTo(1 / (d + 1), 12);
      }
    }
    const { nodes, weights } = gaussLegendre01(2);
    expect(nodes.reduce((a, t, k) => a + (weights[k] ?? 0) * t ** 4, 0)).not.toBeCloseTo(1 / 5, 6);
  });
});

describe("Shapley shares of an OR of n-gram occurrences", () => {
  it("matches the definition on known games: one n-gram, a repeated word, 'very very very'", () => {
    expect([...orShares([{ start: 3, length: 2 }])]).toEqual([
      [3, 0.5],
      [4, 0.5],
    ]);
    const rep = orShares([0, 4, 9].map((start) => ({ start, length: 1 })));
    for (const p of [0, 4, 9]) expect(rep.get(p)).toBeCloseTo(1 / 3, 12);
    // bigram "very very" at 0–1 and 1–2: the middle token is pivotal in 4 of the 6 orders
    const vvv = orShares([
      { start: 0, length: 2 },
      { start: 1, length: 2 },
    ]);
    expect(vvv.get(0)).toBeCloseTo(1 / 6, 12);
    expect(vvv.get(1)).toBeCloseTo(2 / 3, 12);
    expect(vvv.get(2)).toBeCloseTo(1 / 6, 12);
  });

  it("matches brute-force enumeration on random interval sets (overlaps, gaps, mixed lengths)", () => {
    // disjoint occurrences of different lengths (a hash collision of a word and a trigram): the product formula
    const disjoint = [
      { start: 0, length: 1 },
      { start: 2, length: 3 },
      { start: 6, length: 2 },
    ];
    const d = orShares(disjoint);
    bruteShapley(8, (inS) =>
      disjoint.some(({ start, length }) => Array.from({ length }, (_, k) => start + k).every(inS)) ? 1 : 0,
    ).forEach((b, i) => expect(d.get(i) ?? 0).toBeCloseTo(b, 12));
    const rand = mulberry32(11);
    for (let trial = 0; trial < 40; trial++) {
      const n = 4 + Math.floor(rand() * 8);
      const count = 2 + Math.floor(rand() * 4);
      const intervals = Array.from({ length: count }, () => {
        const length = 1 + Math.floor(rand() * 3);
        return { start: Math.floor(rand() * (n - length + 1)), length };
      });
      const shares = orShares(intervals);
      const brute = bruteShapley(n, (inS) =>
        intervals.some(({ start, length }) => Array.from({ length }, (_, k) => start + k).every(inS)) ? 1 : 0,
      );
      brute.forEach((b, i) => expect(shares.get(i) ?? 0).toBeCloseTo(b, 10));
    }
  });
});

describe("exact SHAP for the fast linear model", () => {
  it("sees the model's features: the buckets of the n-gram occurrences are exactly the hashed features", () => {
    const hasher = new NgramHasher(model.params.hashing);
    for (const text of test.texts.slice(0, 5)) {
      const tokens = model.tokenize(text);
      const fromGrams = [...new Set(hasher.grams(tokens).map((g) => g.bucket))].sort((x, y) => x - y);
      expect(fromGrams).toEqual(Array.from(hasher.features(tokens)));
    }
  });

  it("is efficient: the values add up to the margin minus the baseline's (the empty text)", () => {
    for (const text of test.texts) {
      const e = explainShapLinear(model, text);
      const tokens = model.tokenize(text);
      const sum = e.tokens.reduce((a, t) => a + t.weight, 0);
      expect(e.base).toBe(model.params.bias);
      expect(sum).toBeCloseTo(maskedMargin(model, tokens, () => true) - model.params.bias, 8);
      expect((e.base ?? 0) + sum).toBeCloseTo(logit(e.score), 3); // score is a float32
      expect(e.tokens.map((t) => t.index)).toEqual(tokens.map((_, i) => i));
    }
  });

  it("equals the Shapley values of the masking game by enumeration on short real texts", () => {
    const texts = ["not good, not good at all", "very very very bad film", "a good good movie, really good", "the worst the worst"];
    for (const text of texts) {
      const tokens = model.tokenize(text);
      const brute = bruteShapley(tokens.length, (inS) => maskedMargin(model, tokens, inS));
      const phi = shapLinearTokens(model, tokens);
      brute.forEach((b, i) => expect(phi[i] ?? 0).toBeCloseTo(b, 8));
    }
  });

  it("gives known values on a hand-built model; symmetric tokens get equal values, dummy tokens zero", () => {
    const hashing = { kind: "hashed-ngrams", bits: 20, maxN: 2 } as const;
    const hasher = new NgramHasher(hashing);
    const weights = new Float32Array(2 ** 20);
    const bucket = (...t: string[]): number => hasher.grams(t).find((g) => g.length === t.length)?.bucket ?? -1;
    weights[bucket("great")] = 2;
    weights[bucket("not", "good")] = -3;
    const hand = new FastModel({ hashing, weights, bias: 0.25 });
    const e = explainShapLinear(hand, "great, not good plot");
    expect(e.tokens.map((t) => [t.token, t.weight])).toEqual([
      ["great", 2],
      ["not", -1.5],
      ["good", -1.5],
      ["plot", 0],
    ]);
    // "great great": one unigram feature, two symmetric players
    const g = explainShapLinear(hand, "great great").tokens.map((t) => t.weight);
    expect(g[0]).toBeCloseTo(1, 12);
    expect(g[1]).toBeCloseTo(1, 12);
  });

  it("ranks sentiment words in the expected direction on the trained model", async () => {
    const e = await explainShap(model, "The plot was dull and the acting was awful, a total waste of time.");
    expect(e.method).toBe("shap");
    expect(e.output).toBe("log-odds");
    const w = (t: string): number => e.tokens.find((x) => x.token === t)?.weight ?? 0;
    expect(w("awful")).toBeLessThan(0);
    expect(w("waste")).toBeLessThan(0);
  });
});

/** A sentiment model over a toy vocabulary whose log-odds is a known game: additive terms plus one interaction. */
function toyModel(): SentimentModel {
  const additive: Record<string, number> = { good: 1.5, bad: -2, fine: 0.5 };
  return {
    preset: "seed",
    tokenize: (text) => text.split(/\s+/).filter(Boolean),
    predict(texts) {
      return this.predictTokens(texts.map((t) => this.tokenize(t)));
    },
    predictTokens: (lists) =>
      Promise.resolve(
        Float32Array.from(lists, (tokens) => {
          let z = -0.5;
          for (const t of tokens) z += additive[t] ?? 0;
          if (tokens.includes("not") && tokens.includes("good")) z -= 2; // an AND game between the two
          return 1 / (1 + Math.exp(-z));
        }),
      ),
    dispose: () => {},
  };
}

describe("KernelSHAP", () => {
  it("is exact when every coalition fits the budget (games with known Shapley values)", async () => {
    // v(S) = Σ_{i∈S} a_i + c·[0∈S ∧ 1∈S]: φ_i = a_i, plus c/2 for players 0 and 1
    const a = [0.3, -1, 2, 0, 0.7, -0.2];
    const game: Game = (zs) =>
      Promise.resolve(Float64Array.from(zs, (z) => a.reduce((s, ai, i) => s + ai * (z[i] ?? 0), 0) + (z[0] && z[1] ? 4 : 0)));
    const r = await kernelShap(a.length, game, { samples: 62 });
    expect(r.exact).toBe(true);
    const want = a.map((ai, i) => ai + (i < 2 ? 2 : 0));
    want.forEach((w, i) => expect(r.phi[i] ?? 0).toBeCloseTo(w, 9));
  });

  it("on a toy model: efficiency, symmetry, dummy and a known interaction; deterministic under a seed", async () => {
    const toy = toyModel();
    const e = await explainKernelShap(toy, "not good plot good", { samples: 200 });
    const w = e.tokens.map((t) => t.weight);
    const full = logit(e.score);
    expect((e.base ?? 0) + w.reduce((x, y) => x + y, 0)).toBeCloseTo(full, 5);
    expect(w[2]).toBeCloseTo(0, 6); // "plot" is a dummy
    // the −2 needs "not" and either "good": "not" is pivotal in 4 of the 6 orders of the three (−4/3), each "good"
    // in 1 of 6 (−1/3 beside its own 1.5); the two "good"s are symmetric
    expect(w[0]).toBeCloseTo(-4 / 3, 5);
    expect(w[1]).toBeCloseTo(w[3] ?? NaN, 6);
    expect(w[1]).toBeCloseTo(1.5 - 1 / 3, 5);
  });

  it("samples when the coalitions do not fit, stays efficient, and repeats exactly under the same seed", async () => {
    const text = test.texts[0] ?? "";
    const a = await explainKernelShap(model, text, { samples: 300, seed: 4, maxPlayers: 40 });
    const b = await explainKernelShap(model, text, { samples: 300, seed: 4, maxPlayers: 40 });
    const c = await explainKernelShap(model, text, { samples: 300, seed: 5, maxPlayers: 40 });
    expect(a).toEqual(b);
    expect(a.tokens.map((t) => t.weight)).not.toEqual(c.tokens.map((t) => t.weight));
    const sum = a.tokens.reduce((x, t) => x + t.weight, 0);
    expect((a.base ?? 0) + sum).toBeCloseTo(logit(a.score), 4);
  });

  it("approaches the exact values of the fast model on a short text (deletion = masking for unigram-only weights)", async () => {
    // a unigram-only model: deleting a token forms no feature, so both games agree and KernelSHAP must find φ exactly
    const hashing = { kind: "hashed-ngrams", bits: 18, maxN: 1 } as const;
    const uni = new FastModel({ ...model.params, hashing, weights: model.params.weights });
    const text = "a wonderful film, sadly the ending is dull and the dialogue weak";
    const exact = explainShapLinear(uni, text).tokens.map((t) => t.weight);
    const kernel = (await explainKernelShap(uni, text, { samples: 4000 })).tokens.map((t) => t.weight);
    exact.forEach((x, i) => expect(kernel[i] ?? 0).toBeCloseTo(x, 4)); // float32 scores through the logit
  });
});

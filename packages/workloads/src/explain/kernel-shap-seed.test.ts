import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLabeled } from "../data/jsonl.js";
import { padSequences } from "../data/sequences.js";
import { KerasTokenizer } from "../data/tokenizer.js";
import { SeedModel } from "../seed/model.js";
import { SEED_DEFAULTS, type SeedHyper } from "../seed/network.js";
import { trainSeed } from "../seed/train.js";
import { explainKernelShap } from "./kernel-shap.js";
import { explainShap } from "./shap.js";
import { fixture } from "../../../../test/support/data.js";

// a small real LSTM (the seed architecture on 160 committed reviews, short sequences): KernelSHAP on a real network
const hyper: SeedHyper = { ...SEED_DEFAULTS, numWords: 1500, maxlen: 24, batchSize: 32, epochs: 2, learningRate: 0.01, patience: 100 };
let model: SeedModel;

beforeAll(async () => {
  const data = await readLabeled(fixture("imdb/train.jsonl.gz"), { limit: 160 });
  const tokenizer = KerasTokenizer.fit(data.texts, hyper.numWords);
  const x = padSequences(
    data.texts.map((t) => tokenizer.textToSequence(t)),
    { maxlen: hyper.maxlen },
  );
  const r = await trainSeed(x, data.labels, hyper);
  model = new SeedModel(r.model, tokenizer, hyper.maxlen);
});
afterAll(() => model?.dispose());

const logit = (p: number): number => Math.log(p / (1 - p));

describe("KernelSHAP on the seed preset's LSTM", () => {
  it("equals the Shapley values by enumeration when every coalition fits the budget (deletion game, log-odds)", async () => {
    const text = "a dull film but the acting was great";
    const tokens = model.tokenize(text);
    const n = tokens.length;
    const e = await explainShap(model, text, { samples: 2 ** n });
    expect(e.method).toBe("shap");
    // brute force: every subset's log-odds, then the Shapley formula
    const subsets = Array.from({ length: 2 ** n }, (_, mask) => tokens.filter((_, i) => (mask >> i) & 1));
    const v = Array.from(await model.predictTokens(subsets), (p) => logit(Math.min(1 - 1e-7, Math.max(1e-7, p))));
    const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
    const popcount = (m: number): number => (m ? (m & 1) + popcount(m >> 1) : 0);
    for (let i = 0; i < n; i++) {
      let phi = 0;
      for (let mask = 0; mask < 2 ** n; mask++) {
        if ((mask >> i) & 1) continue;
        const s = popcount(mask);
        phi += ((fact(s) * fact(n - s - 1)) / fact(n)) * ((v[mask | (1 << i)] ?? 0) - (v[mask] ?? 0));
      }
      expect(e.tokens[i]?.weight).toBeCloseTo(phi, 4);
    }
    expect((e.base ?? 0) + e.tokens.reduce((a, t) => a + t.weight, 0)).toBeCloseTo(logit(e.score), 4);
  });

  it("spans on a long text: at most maxPlayers distinct groups, efficient, and seeded", async () => {
    const text = (await readLabeled(fixture("imdb/test.jsonl.gz"), { limit: 1 })).texts[0] ?? "";
    const a = await explainKernelShap(model, text, { samples: 200, maxPlayers: 16, seed: 3 });
    const b = await explainKernelShap(model, text, { samples: 200, maxPlayers: 16, seed: 3 });
    expect(a).toEqual(b);
    const n = model.tokenize(text).length;
    expect(a.tokens).toHaveLength(n);
    // every token of a span carries its span's share: at most 16 distinct values, constant within a span
    const span = Math.ceil(n / 16);
    a.tokens.forEach((t, i) => expect(t.weight).toBe(a.tokens[i - (i % span)]?.weight));
    expect(new Set(a.tokens.map((t) => t.weight)).size).toBeLessThanOrEqual(16);
    expect((a.base ?? 0) + a.tokens.reduce((x, t) => x + t.weight, 0)).toBeCloseTo(logit(a.score), 3);
  });
});

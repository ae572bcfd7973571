import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readLabeled, type LabeledData } from "../data/jsonl.js";
import { mulberry32 } from "../data/split.js";
import { FastModel } from "../fast/model.js";
import { FAST_DEFAULTS, trainFast } from "../fast/train.js";
import { explainLime } from "./lime.js";
import { explainOcclusion, topTokens, type Explanation } from "./occlusion.js";
import { fixture } from "../../../../test/support/data.js";

// the committed IMDB slice: a model trained on its 2,000 train rows, explained on 40 test rows
const IMDB = fixture("imdb");
let model: FastModel;
let test: LabeledData;

beforeAll(async () => {
  const train = await readLabeled(join(IMDB, "train.jsonl.gz"), { limit: 2000 });
  test = await readLabeled(join(IMDB, "test.jsonl.gz"), { limit: 40 });
  model = new FastModel(trainFast(train.texts, train.labels, { ...FAST_DEFAULTS, bits: 18, epochs: 3 }));
});

/** |Δ score| after removing the given token positions. */
function shift(tokens: string[], remove: Set<number>, base: number): number {
  const kept = tokens.filter((_, i) => !remove.has(i));
  return Math.abs(base - (model.predictTokensSync([kept])[0] ?? 0));
}

function faithfulness(explain: (text: string) => Promise<Explanation>, texts: string[]): Promise<{ top: number; random: number }> {
  const rand = mulberry32(3);
  return texts.reduce(
    async (accP, text) => {
      const acc = await accP;
      const e = await explain(text);
      const tokens = model.tokenize(text);
      const k = Math.max(1, Math.round(tokens.length * 0.05));
      // remove every occurrence of the top word types (LIME scores types; occlusion positions)
      const topWords = new Set(topTokens(e, k).map((t) => t.token));
      const topPositions = new Set(tokens.flatMap((t, i) => (topWords.has(t) ? [i] : [])));
      const randomPositions = new Set<number>();
      while (randomPositions.size < Math.min(tokens.length, topPositions.size)) randomPositions.add(Math.floor(rand() * tokens.length));
      return { top: acc.top + shift(tokens, topPositions, e.score), random: acc.random + shift(tokens, randomPositions, e.score) };
    },
    Promise.resolve({ top: 0, random: 0 }),
  );
}

describe("explanations", () => {
  it("occlusion attributes sentiment words in the expected direction", async () => {
    const e = await explainOcclusion(model, "The plot was dull and the acting was awful, a total waste of time.");
    const w = (t: string): number => e.tokens.find((x) => x.token === t)?.weight ?? 0;
    expect(e.tokens).toHaveLength(model.tokenize("The plot was dull and the acting was awful, a total waste of time.").length);
    expect(w("awful")).toBeLessThan(0);
    expect(w("waste")).toBeLessThan(0);
    const p = await explainOcclusion(model, "A wonderful film with a brilliant cast, I loved it.");
    expect(p.tokens.find((x) => x.token === "wonderful")?.weight).toBeGreaterThan(0);
    expect(p.label).toBe("positive");
  });

  it("occlusion is faithful: removing the top-attributed tokens moves the score more than removing random ones", async () => {
    const r = await faithfulness((t) => explainOcclusion(model, t), test.texts);
    expect(r.top).toBeGreaterThan(2 * r.random);
  });

  it("LIME is faithful too, and seeded (same seed, same explanation)", async () => {
    const r = await faithfulness((t) => explainLime(model, t, { samples: 200 }), test.texts.slice(0, 20));
    expect(r.top).toBeGreaterThan(2 * r.random);
    const text = test.texts[0] ?? "";
    expect(await explainLime(model, text, { seed: 5 })).toEqual(await explainLime(model, text, { seed: 5 }));
  });
});

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readLabeled, type LabeledData } from "../data/jsonl.js";
import { FastModel } from "../fast/model.js";
import { FAST_DEFAULTS, trainFast } from "../fast/train.js";
import { auc, deletionInsertion, faithfulness, positionWeights, rankPositions } from "./faithfulness.js";
import { explainLime } from "./lime.js";
import { explainOcclusion, type Explanation } from "./occlusion.js";
import { explainShap } from "./shap.js";
import { fixture } from "../../../../test/support/data.js";

let model: FastModel;
let test: LabeledData;

beforeAll(async () => {
  const IMDB = fixture("imdb");
  const train = await readLabeled(join(IMDB, "train.jsonl.gz"), { limit: 2000 });
  test = await readLabeled(join(IMDB, "test.jsonl.gz"), { limit: 30 });
  model = new FastModel(trainFast(train.texts, train.labels, { ...FAST_DEFAULTS, bits: 18, epochs: 3 }));
});

describe("deletion and insertion curves", () => {
  it("AUC is the trapezoid area over [0, 1]", () => {
    expect(auc([1, 1, 1])).toBe(1);
    expect(auc([1, 0])).toBe(0.5);
    expect(auc([0, 0.5, 1, 1, 1])).toBeCloseTo(0.75, 12); // (0.25 + 0.75 + 1 + 1) / 4
  });

  it("ranks positions by support for the predicted class; LIME's type weights reach every occurrence", () => {
    const w = Float64Array.of(0.1, -0.5, 0.3, 0);
    expect(rankPositions(w, 1)).toEqual([2, 0, 3, 1]);
    expect(rankPositions(w, -1)).toEqual([1, 3, 0, 2]);
    const lime: Explanation = { method: "lime", score: 0.9, label: "positive", tokens: [{ token: "good", index: 1, weight: 0.4 }] };
    expect(Array.from(positionWeights(lime, ["a", "good", "b", "good"]))).toEqual([0, 0.4, 0, 0.4]);
  });

  it("start and end where they must: the full text, then the empty one (and the reverse for insertion)", async () => {
    const text = test.texts[0] ?? "";
    const tokens = model.tokenize(text);
    const p = model.predictTokensSync([tokens, []]);
    const positive = (p[0] ?? 0) >= 0.5;
    const cls = (x: number): number => (positive ? x : 1 - x);
    const c = await deletionInsertion(model, tokens, [...tokens.keys()], positive, 10);
    expect(c.fractions).toHaveLength(11);
    expect(c.deletion[0]).toBeCloseTo(cls(p[0] ?? 0), 6);
    expect(c.insertion[10]).toBeCloseTo(cls(p[0] ?? 0), 6);
    expect(c.deletion[10]).toBeCloseTo(cls(p[1] ?? 0), 6);
    expect(c.insertion[0]).toBeCloseTo(cls(p[1] ?? 0), 6);
  });

  it("on the committed IMDB slice every method beats a random order, and SHAP and occlusion beat LIME at deletion", async () => {
    const r = await faithfulness(
      model,
      test.texts,
      {
        occlusion: (t) => explainOcclusion(model, t),
        lime: (t) => explainLime(model, t, { samples: 300 }),
        shap: (t) => explainShap(model, t),
      },
      { steps: 10 },
    );
    expect(r.texts).toBe(test.texts.length);
    const random = r.methods["random"]!;
    for (const m of ["occlusion", "lime", "shap"]) {
      const x = r.methods[m]!;
      expect(x.deletionAuc).toBeLessThan(random.deletionAuc);
      expect(x.insertionAuc).toBeGreaterThan(random.insertionAuc);
      expect(x.deletion).toHaveLength(11);
    }
    expect(r.methods["shap"]!.deletionAuc).toBeLessThan(r.methods["lime"]!.deletionAuc);
    // seeded: the same run gives the same report
    const again = await faithfulness(model, test.texts.slice(0, 5), { shap: (t) => explainShap(model, t) }, { steps: 10 });
    expect(again).toEqual(await faithfulness(model, test.texts.slice(0, 5), { shap: (t) => explainShap(model, t) }, { steps: 10 }));
  });
});

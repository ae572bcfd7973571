import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readLabeled, type LabeledData } from "../data/jsonl.js";
import { binaryMetrics } from "../eval/metrics.js";
import { FastModel } from "./model.js";
import { NgramHasher, fastTokens } from "./ngrams.js";
import { FAST_DEFAULTS, trainFast } from "./train.js";
import { describeWithShared, fixture, sharedPath } from "../../../../test/support/data.js";

const hyper = { ...FAST_DEFAULTS, bits: 20 };

/** Trains on `train`, scores `test`: held-out accuracy and AUC well above chance, short texts balanced. */
function expectLearns(train: LabeledData, test: LabeledData): void {
  const epochs: number[] = [];
  const model = new FastModel(trainFast(train.texts, train.labels, hyper, (r) => epochs.push(r.loss)));
  expect(epochs).toHaveLength(hyper.epochs);
  const m = binaryMetrics(test.labels, model.predictSync(test.texts));
  expect(m.accuracy).toBeGreaterThan(0.82);
  expect(m.auc).toBeGreaterThan(0.9);
  // short texts stay balanced: the first 12 words of each held-out review
  const short = model.predictSync(test.texts.map((t) => t.split(/\s+/).slice(0, 12).join(" ")));
  const positiveRate = short.reduce((s, p) => s + (p >= 0.5 ? 1 : 0), 0) / short.length;
  expect(positiveRate).toBeGreaterThan(0.35);
  expect(positiveRate).toBeLessThan(0.65);
}

describe("hashed n-gram features", () => {
  it("tokenizes words and !/? and yields sorted, unique bucket ids within range", () => {
    expect(fastTokens("Not good!<br />Really?? It's BAD.")).toEqual(["not", "good", "!", "really", "?", "?", "it's", "bad"]);
    const h = new NgramHasher({ kind: "hashed-ngrams", bits: 16, maxN: 3 });
    const f = h.features(["not", "good", "not", "good"]);
    // unigrams {not, good}, bigrams {not good, good not}, trigrams {not good not, good not good}
    expect(f.length).toBe(6);
    for (let i = 1; i < f.length; i++) expect(f[i]).toBeGreaterThan(f[i - 1] ?? -1);
    expect(Math.max(...f)).toBeLessThan(2 ** 16);
    expect(Array.from(h.features(["good", "not"]))).not.toEqual(Array.from(h.features(["not", "good"])));
  });
});

describe("fast preset on the committed IMDB slice (2,000 train / 1,000 test reviews)", () => {
  let train: LabeledData;
  let test: LabeledData;
  beforeAll(async () => {
    train = await readLabeled(fixture("imdb/train.jsonl.gz"));
    test = await readLabeled(fixture("imdb/test.jsonl.gz"));
  });

  it("learns IMDB sentiment from 2,000 reviews (held-out accuracy and AUC well above chance)", () => {
    expect(train.texts).toHaveLength(2000);
    expectLearns(train, test);
  });

  it("is deterministic for a seed and sensitive to it", () => {
    const small = { ...hyper, bits: 16, epochs: 2 };
    const a = trainFast(train.texts.slice(0, 500), train.labels.slice(0, 500), small);
    const b = trainFast(train.texts.slice(0, 500), train.labels.slice(0, 500), small);
    const c = trainFast(train.texts.slice(0, 500), train.labels.slice(0, 500), { ...small, seed: 7 });
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer))).toBe(true);
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(c.weights.buffer))).toBe(false);
  });

  it("round-trips its weights through the sparse encoding exactly", () => {
    const model = new FastModel(trainFast(train.texts.slice(0, 300), train.labels.slice(0, 300), { ...hyper, bits: 16, epochs: 1 }));
    const back = FastModel.decode(model.params.hashing, model.encodeWeights());
    expect(Array.from(back.predictSync(test.texts.slice(0, 50)))).toEqual(Array.from(model.predictSync(test.texts.slice(0, 50))));
    expect(back.params.bias).toBe(model.params.bias);
  });
});

describeWithShared("imdb", "fast preset on the full IMDB files", () => {
  it("learns IMDB sentiment from 5,000 reviews, scored on 2,000 held-out ones", async () => {
    const train = await readLabeled(join(sharedPath("imdb"), "train.jsonl.gz"), { limit: 5000 });
    const test = await readLabeled(join(sharedPath("imdb"), "test.jsonl.gz"), { limit: 2000 });
    expectLearns(train, test);
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readLabeled, type LabeledData } from "../data/jsonl.js";
import { padSequences } from "../data/sequences.js";
import { KerasTokenizer } from "../data/tokenizer.js";
import { loadModelPackage } from "../pkg/package.js";
import { saveSeedPackage } from "../pkg/package.js";
import { SeedModel } from "./model.js";
import { SEED_DEFAULTS, type SeedHyper } from "./network.js";
import { trainSeed } from "./train.js";
import { fixture } from "../../../../test/support/data.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-seed-"));
// the seed architecture (Embedding → LSTM(64, dropout 0.2) → Dense(1)) on a small subset, short sequences, fewer words
const hyper: SeedHyper = { ...SEED_DEFAULTS, numWords: 1500, maxlen: 24, batchSize: 32, epochs: 5, learningRate: 0.01 };
let data: LabeledData;
let tokenizer: KerasTokenizer;
let x: Int32Array;

beforeAll(async () => {
  data = await readLabeled(fixture("imdb/train.jsonl.gz"), { limit: 160 });
  tokenizer = KerasTokenizer.fit(data.texts, hyper.numWords);
  x = padSequences(
    data.texts.map((t) => tokenizer.textToSequence(t)),
    { maxlen: hyper.maxlen },
  );
});

describe("seed preset (tfjs LSTM on wasm)", () => {
  it("learns: the training loss falls and training accuracy ends well above chance", async () => {
    const r = await trainSeed(x, data.labels, { ...hyper, patience: 100 });
    const losses = r.history.map((h) => h.loss);
    expect(r.history).toHaveLength(hyper.epochs);
    expect(losses.at(-1)).toBeLessThan((losses[0] ?? 0) - 0.1);
    expect(r.history.at(-1)?.accuracy).toBeGreaterThan(0.7);
    expect(r.history.every((h) => Number.isFinite(h.valLoss) && h.valAccuracy >= 0 && h.valAccuracy <= 1)).toBe(true);
    r.model.dispose();
  });

  it("checkpoints every epoch and resumes exactly where it stopped", async () => {
    const h = { ...hyper, epochs: 2, patience: 100 };
    const ckpt = join(dir, "ckpt");
    const first = await trainSeed(x, data.labels, h, { checkpointDir: ckpt, maxEpochsThisRun: 1 });
    expect(first.finished).toBe(false);
    expect(first.history).toHaveLength(1);
    first.model.dispose();
    const resumed = await trainSeed(x, data.labels, h, { checkpointDir: ckpt, resume: true });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.history.map((e) => e.epoch)).toEqual([1, 2]);
    expect(resumed.history.slice(0, 1)).toEqual(first.history);
    expect(resumed.finished).toBe(true);
    resumed.model.dispose();
  });

  it("stops early with patience and restores the best epoch's weights; the package round-trips exactly", async () => {
    // a huge learning rate overfits 128 rows at once, so val_loss soon stops improving
    const r = await trainSeed(x, data.labels, { ...hyper, epochs: 6, patience: 1, learningRate: 0.05 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBe(r.bestEpoch + 1);
    const model = new SeedModel(r.model, tokenizer, hyper.maxlen);
    const val = x.subarray(128 * hyper.maxlen);
    const valLabels = data.labels.subarray(128);
    const scores = await model.predictTokens(data.texts.slice(128).map((t) => model.tokenize(t)));
    let loss = 0;
    scores.forEach((p, i) => {
      const y = valLabels[i] ?? 0;
      const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
      loss -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
    });
    const best = r.history.find((e) => e.epoch === r.bestEpoch);
    expect(loss / scores.length).toBeCloseTo(best?.valLoss ?? NaN, 4);
    expect(val.length).toBe(32 * hyper.maxlen);

    const out = join(dir, "pkg");
    await saveSeedPackage(out, model, {
      preset: "seed",
      hyper: { ...hyper },
      training: { dataFile: "x", dataSha256: data.sha256, rows: 160, durationS: 1 },
      metrics: {},
    });
    const loaded = await loadModelPackage(out);
    const texts = data.texts.slice(0, 20);
    expect(Array.from(await loaded.model.predict(texts))).toEqual(Array.from(await model.predict(texts)));
    loaded.model.dispose();
    model.dispose();
  });
});

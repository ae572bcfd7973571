import { describe, expect, it } from "vitest";
import { SEED_DEFAULTS } from "../seed/network.js";
import { predictPadded } from "../seed/train.js";
import { trainSeedDp } from "./dp-seed.js";
import type { DpEpochReport } from "./dp-linear.js";
import { seededNoise } from "./dpsgd.js";
import { rdpEpsilon } from "./rdp.js";

// An easy synthetic task so a tiny LSTM learns it in a few noisy steps: word 3..12 positive, 13..22 negative.
function synthetic(n: number, maxlen: number, seed: number): { x: Int32Array; y: Uint8Array } {
  let s = seed;
  const rand = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  const x = new Int32Array(n * maxlen);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let t = 0; t < maxlen; t++) x[i * maxlen + t] = (y[i] === 1 ? 3 : 13) + Math.floor(rand() * 10);
  }
  return { x, y };
}

describe("DP-SGD on the seed LSTM (micro-batches of one)", () => {
  it("trains within the budget, reports ε per epoch, and learns an easy task", async () => {
    const hyper = { ...SEED_DEFAULTS, numWords: 30, maxlen: 8, embeddingDim: 8, lstmUnits: 8, dropout: 0, learningRate: 0.02 };
    const { x, y } = synthetic(240, hyper.maxlen, 5);
    const epochs: DpEpochReport[] = [];
    const r = await trainSeedDp(
      x,
      y,
      hyper,
      { epsilon: 8, delta: 1e-3, batch: 60, epochs: 6 },
      {
        noise: seededNoise(9),
        onEpoch: (e) => epochs.push(e),
      },
    );
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.privacy.epsilon).toBeLessThanOrEqual(8);
    const again = rdpEpsilon({ samplingRate: 60 / 240, noiseMultiplier: r.privacy.noiseMultiplier, steps: r.privacy.steps, delta: 1e-3 });
    expect(again.epsilon).toBeCloseTo(r.privacy.epsilon, 9);
    const test = synthetic(200, hyper.maxlen, 77);
    const p = predictPadded(r.model, test.x, hyper.maxlen);
    let correct = 0;
    p.forEach((v, i) => (correct += (v >= 0.5 ? 1 : 0) === test.y[i] ? 1 : 0));
    expect(correct / 200).toBeGreaterThan(0.8);
    r.model.dispose();
  }, 300_000);

  it("refuses sequences that do not match rows × maxlen", async () => {
    const hyper = { ...SEED_DEFAULTS, numWords: 30, maxlen: 8, embeddingDim: 4, lstmUnits: 4 };
    await expect(trainSeedDp(new Int32Array(10), new Uint8Array(2), hyper, { epsilon: 1, delta: 1e-3 })).rejects.toThrow(/rows × maxlen/);
  });
});

describe("seed preset package under DP", () => {
  it("trains with a public vocabulary file and stores the budget", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { trainSentiment } = await import("../sentiment.js");
    const { loadModelPackage } = await import("../pkg/package.js");
    const { fixture } = await import("../../../../test/support/data.js");
    const dir = mkdtempSync(join(tmpdir(), "aidc-dp-seed-"));
    const vocab = join(dir, "words.txt");
    writeFileSync(vocab, ["the", "a", "good", "bad", "great", "awful", "boring", "best", "worst", "film"].join("\n"));
    const hyper = { numWords: 20, maxlen: 16, embeddingDim: 4, lstmUnits: 4 };
    const r = await trainSentiment({
      preset: "seed",
      dataPath: fixture("imdb/train.jsonl.gz"),
      limit: 120,
      outDir: join(dir, "m"),
      hyper,
      publicVocabPath: vocab,
      dp: { epsilon: 4, delta: 1e-3, batch: 30, epochs: 1 },
    });
    expect(r.manifest.privacy).toMatchObject({ mechanism: "dp-sgd", steps: 4, epochs: 1, clipNorm: 1 });
    expect(r.manifest.privacy?.epsilon).toBeLessThanOrEqual(4);
    r.model.dispose();
    const loaded = await loadModelPackage(join(dir, "m"));
    expect(loaded.manifest.privacy?.noiseMultiplier).toBe(r.manifest.privacy?.noiseMultiplier);
    expect(Object.keys(loaded.manifest.metrics)).toEqual([]); // no training-set or validation metrics under DP
    const [p] = await loaded.model.predict(["a good film"]);
    expect(p).toBeGreaterThan(0);
    loaded.model.dispose();
  }, 300_000);
});

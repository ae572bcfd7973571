import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "@aidc/core";
import { readLabeled, type LabeledData } from "../data/jsonl.js";
import { binaryMetrics } from "../eval/metrics.js";
import { FastModel } from "../fast/model.js";
import { loadModelPackage } from "../pkg/package.js";
import { trainSentiment } from "../sentiment.js";
import { fixture } from "../../../../test/support/data.js";
import { addClippedGradients, trainFastDp, type DpEpochReport } from "./dp-linear.js";
import { planDp, poissonSample, secureNoise, seededNoise } from "./dpsgd.js";
import { rdpEpsilon } from "./rdp.js";

let train: LabeledData;
let test: LabeledData;
beforeAll(async () => {
  train = await readLabeled(fixture("imdb/train.jsonl.gz"));
  test = await readLabeled(fixture("imdb/test.jsonl.gz"));
});

describe("DP-SGD on the fast preset (committed IMDB slice)", () => {
  it("learns within the budget and reports a growing ε after every epoch", () => {
    const epochs: DpEpochReport[] = [];
    const dp = { epsilon: 8, delta: 1e-5, batch: 500, epochs: 15 };
    const r = trainFastDp(train.texts, train.labels, dp, {
      hyper: { bits: 18 },
      noise: seededNoise(3),
      onEpoch: (e) => epochs.push(e),
    });
    expect(epochs).toHaveLength(15);
    for (let i = 1; i < epochs.length; i++) expect(epochs[i]!.epsilon).toBeGreaterThan(epochs[i - 1]!.epsilon);
    expect(r.privacy.epsilon).toBeLessThanOrEqual(8);
    expect(r.privacy.epsilon).toBeGreaterThan(7.5); // σ was chosen to spend (nearly) all of it
    // the record is checkable: the accountant gives the same ε from the stored σ, q and steps
    const again = rdpEpsilon({
      samplingRate: r.privacy.samplingRate,
      noiseMultiplier: r.privacy.noiseMultiplier,
      steps: r.privacy.steps,
      delta: 1e-5,
    });
    expect(again.epsilon).toBeCloseTo(r.privacy.epsilon, 9);
    expect(r.privacy.samplingRate).toBeCloseTo(500 / train.texts.length, 12);
    const m = binaryMetrics(test.labels, new FastModel(r.params).predictSync(test.texts));
    expect(m.accuracy).toBeGreaterThan(0.6);
  });

  it("stops before a fixed σ would exceed the target ε", () => {
    const cap = 2;
    const r = trainFastDp(
      train.texts,
      train.labels,
      { epsilon: cap, delta: 1e-5, noiseMultiplier: 0.8, batch: 200, epochs: 50 },
      {
        hyper: { bits: 14 },
        noise: seededNoise(1),
      },
    );
    expect(r.privacy.stoppedByBudget).toBe(true);
    expect(r.privacy.epochs).toBeLessThan(50);
    expect(r.privacy.epsilon).toBeLessThanOrEqual(cap);
    // one more epoch would have gone over
    const next = rdpEpsilon({ samplingRate: r.privacy.samplingRate, noiseMultiplier: 0.8, steps: r.privacy.steps + 10, delta: 1e-5 });
    expect(next.epsilon).toBeGreaterThan(cap);
  });

  it("draws fresh noise by default: two runs on the same data differ (a fixed seed could be subtracted)", () => {
    const texts = train.texts.slice(0, 300);
    const labels = train.labels.slice(0, 300);
    const dp = { epsilon: 4, delta: 1e-5, batch: 100, epochs: 1 };
    const a = trainFastDp(texts, labels, dp, { hyper: { bits: 10 } }).params.weights;
    const b = trainFastDp(texts, labels, dp, { hyper: { bits: 10 } }).params.weights;
    let diff = 0;
    for (let j = 0; j < a.length; j++) diff += Math.abs((a[j] ?? 0) - (b[j] ?? 0));
    expect(diff / a.length).toBeGreaterThan(1e-4);
    // and a seeded source is reproducible, which is why only tests use it
    const c = trainFastDp(texts, labels, dp, { hyper: { bits: 10 }, noise: seededNoise(7) }).params.weights;
    const d = trainFastDp(texts, labels, dp, { hyper: { bits: 10 }, noise: seededNoise(7) }).params.weights;
    expect(Array.from(c)).toEqual(Array.from(d));
  });

  it("bounds one example's contribution to a step by the clipping norm", () => {
    const dim = 64;
    const rows = { offsets: Uint32Array.from([0, 40, 41]), ids: Uint32Array.from([...Array.from({ length: 40 }, (_, i) => i), 50]) };
    const w = new Float64Array(dim + 1).fill(-0.3);
    const without = new Float64Array(dim + 1);
    const withIt = new Float64Array(dim + 1);
    addClippedGradients(without, w, rows, [1, 0], [1], 0.5);
    addClippedGradients(withIt, w, rows, [1, 0], [1, 0], 0.5);
    let d2 = 0;
    for (let j = 0; j <= dim; j++) d2 += ((withIt[j] ?? 0) - (without[j] ?? 0)) ** 2;
    expect(Math.sqrt(d2)).toBeCloseTo(0.5, 12); // the 40-feature example is clipped to exactly C
    // a small gradient is left alone: the one-feature example's norm is |σ(z) − y|·√2 < C
    const small = new Float64Array(dim + 1);
    addClippedGradients(small, w, rows, [1, 1], [1], 5);
    expect(small[50]).toBeCloseTo(1 / (1 + Math.exp(0.6)) - 1, 12);
  });

  it("names the bad option", () => {
    const n = train.texts.length;
    const issues = (o: Parameters<typeof planDp>[0]): string[] => {
      try {
        planDp(o, n, { clip: 1, batch: 100, epochs: 1 });
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidInputError);
        return (e as InvalidInputError).issues.map((i) => i.path);
      }
      return [];
    };
    expect(issues({ epsilon: 1, delta: 0.01 })).toEqual(["dp.delta"]); // not below 1/n
    expect(issues({ delta: 1e-5 })).toEqual(["dp.epsilon"]);
    expect(issues({ epsilon: -1, delta: 1e-5 })).toEqual(["dp.epsilon"]);
    expect(issues({ epsilon: 1, delta: 1e-5, batch: n + 1 })).toEqual(["dp.batch"]);
    expect(issues({ epsilon: 1, delta: 1e-5, clip: 0 })).toEqual(["dp.clip"]);
  });
});

describe("randomness", () => {
  it("the secure source gives standard normals and Poisson batches at the rate asked", () => {
    const src = secureNoise();
    const z = new Float64Array(200_000);
    src.normals(z);
    let m = 0;
    let v = 0;
    for (const x of z) m += x;
    m /= z.length;
    for (const x of z) v += (x - m) ** 2;
    v /= z.length;
    expect(Math.abs(m)).toBeLessThan(0.02); // ≈ 9 standard errors
    expect(Math.abs(v - 1)).toBeLessThan(0.03);
    const sizes = Array.from({ length: 20 }, () => poissonSample(10_000, 0.1, src).length);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(Math.abs(mean - 1000)).toBeLessThan(60);
    expect(new Set(sizes).size).toBeGreaterThan(1); // the batch size varies: it is not a fixed-size sample
  });
});

describe("model package", () => {
  it("stores the budget in the manifest, without training-set metrics, and refuses a broken privacy block", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "aidc-dp-")), "model");
    const res = await trainSentiment({
      preset: "fast",
      dataPath: fixture("imdb/train.jsonl.gz"),
      evalPath: fixture("imdb/test.jsonl.gz"),
      outDir: dir,
      hyper: { bits: 16 },
      dp: { epsilon: 4, delta: 1e-5, batch: 400, epochs: 3 },
    });
    const loaded = await loadModelPackage(dir);
    expect(loaded.manifest.privacy?.epsilon).toBeLessThanOrEqual(4);
    expect(loaded.manifest.privacy?.clipNorm).toBe(1);
    expect(loaded.manifest.privacy?.noiseMultiplier).toBe(res.manifest.privacy?.noiseMultiplier);
    expect(Object.keys(loaded.manifest.metrics)).toEqual(["eval"]);
    const path = join(dir, "manifest.json");
    const m = JSON.parse(readFileSync(path, "utf8")) as Record<string, Record<string, unknown>>;
    m["privacy"]!["epsilon"] = "small";
    writeFileSync(path, JSON.stringify(m));
    await expect(loadModelPackage(dir)).rejects.toThrow(/privacy\.epsilon/);
  });

  it("refuses DP for the seed preset without a public vocabulary, naming dp.vocab", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "aidc-dp-")), "model");
    const run = trainSentiment({ preset: "seed", dataPath: fixture("imdb/train.jsonl.gz"), outDir: dir, dp: { epsilon: 1, delta: 1e-5 } });
    await expect(run).rejects.toThrow(InvalidInputError);
    await expect(run).rejects.toMatchObject({ issues: [{ path: "dp.vocab" }] });
  });
});

describe("the default DP batch", () => {
  it("is 4096 on a large set and keeps the sampling rate near 0.16 on a small one, so a small set trains without --dp-batch", async () => {
    const { defaultDpBatch, DP_LINEAR_DP_DEFAULTS } = await import("./dp-linear.js");
    const { planDp } = await import("./dpsgd.js");
    expect(defaultDpBatch(100_000)).toBe(4096);
    for (const rows of [10, 2_000, 20_000]) {
      const batch = defaultDpBatch(rows);
      expect(batch).toBeLessThanOrEqual(rows);
      expect(batch / rows).toBeLessThanOrEqual(0.165);
      expect(() => planDp({ epsilon: 8, delta: 1 / (rows * 10) }, rows, { ...DP_LINEAR_DP_DEFAULTS, batch })).not.toThrow();
    }
  });
});

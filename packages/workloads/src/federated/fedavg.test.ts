import { beforeAll, describe, expect, it } from "vitest";
import { readLabeled, type LabeledData } from "../data/jsonl.js";
import { binaryMetrics } from "../eval/metrics.js";
import { FastModel } from "../fast/model.js";
import { FAST_DEFAULTS, trainFast } from "../fast/train.js";
import { rdpEpsilon } from "../privacy/rdp.js";
import { fixture } from "../../../../test/support/data.js";
import { FEDERATED_DEFAULTS, hashingOf, prepareSite, toFastParams, type SiteData } from "./fedavg.js";
import { decodeMessage, encodeMessage } from "./messages.js";
import { runFederated } from "./simulate.js";
import { labelSkewSplit, positiveShares } from "./split.js";

const hyper = { ...FEDERATED_DEFAULTS, bits: 16, minDf: 2, learningRate: 0.05 };
let train: LabeledData;
let test: LabeledData;
let sites: SiteData[];

const accuracy = (params: ReturnType<typeof toFastParams>): number =>
  binaryMetrics(test.labels, new FastModel(params).predictSync(test.texts)).accuracy;

beforeAll(async () => {
  train = await readLabeled(fixture("imdb/train.jsonl.gz"));
  test = await readLabeled(fixture("imdb/test.jsonl.gz"));
  const split = labelSkewSplit(train.labels, { sites: 5, alpha: 0.3, seed: 2, minRows: 20 });
  sites = split.sites.map((rows) =>
    prepareSite(
      Array.from(rows, (i) => train.texts[i]!),
      Array.from(rows, (i) => train.labels[i]!),
      hashingOf(hyper),
    ),
  );
  // the split really is skewed (else this test proves little)
  const shares = positiveShares(train.labels, split);
  expect(Math.max(...shares) - Math.min(...shares)).toBeGreaterThan(0.5);
});

describe("FedAvg on label-skewed sites", () => {
  it("learns: accuracy rises over rounds and ends near centralized training of the same model", () => {
    const perRound: number[] = [];
    const result = runFederated(sites, {
      hyper,
      rounds: 8,
      onRound: (_r, m) => perRound.push(accuracy(toFastParams(m, hashingOf(hyper)))),
    });
    const central = accuracy(trainFast(train.texts, train.labels, { ...FAST_DEFAULTS, bits: hyper.bits, minDf: hyper.minDf }));
    expect(perRound).toHaveLength(8);
    expect(perRound.at(-1)!).toBeGreaterThan(0.7);
    expect(perRound.at(-1)!).toBeGreaterThan(0.93 * central);
    expect(perRound.at(-1)!).toBeGreaterThanOrEqual(perRound[0]! - 0.02);
    for (const r of result.rounds) expect(r.bytesSent.every((b) => b > 28)).toBe(true);
  });

  it("secure aggregation gives the same model up to fixed-point rounding, with dense masked messages", () => {
    const plain = runFederated(sites, { hyper, rounds: 2 });
    const secure = runFederated(sites, { hyper, rounds: 2, secureAggregation: true });
    let maxDiff = 0;
    for (let j = 0; j < plain.model.weights.length; j++)
      maxDiff = Math.max(maxDiff, Math.abs(plain.model.weights[j]! - secure.model.weights[j]!));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(Math.abs(plain.model.bias - secure.model.bias)).toBeLessThan(1e-5);
    const dim = 2 ** hyper.bits + 1;
    expect(secure.rounds[0]!.bytesSent.every((b) => b === 28 + 4 * dim)).toBe(true);
    expect(secure.keyBytes).toEqual([32, 32, 32, 32, 32]);
  });

  it("FedProx keeps site updates closer to the global model than FedAvg", () => {
    const avg = runFederated(sites, { hyper, rounds: 1 });
    const prox = runFederated(sites, { hyper: { ...hyper, mu: 5 }, rounds: 1 });
    expect(prox.rounds[0]!.meanUpdateNorm).toBeLessThan(avg.rounds[0]!.meanUpdateNorm);
  });

  it("DP on updates: clipped, noised, ε after every round from the RDP accountant", () => {
    const dp = { clip: 1, noiseMultiplier: 1.2, delta: 1e-5 };
    const dpHyper = { ...hyper, nbScaling: false, minDf: 0 };
    const result = runFederated(sites, { hyper: dpHyper, rounds: 3, dp, siteRate: 0.8, secureAggregation: true });
    const eps = result.rounds.map((r) => r.epsilon!);
    expect(eps[0]).toBeGreaterThan(0);
    expect(eps[1]!).toBeGreaterThan(eps[0]!);
    expect(eps[2]).toBeCloseTo(rdpEpsilon({ samplingRate: 0.8, noiseMultiplier: 1.2, steps: 3, delta: 1e-5 }).epsilon, 10);
    expect(result.countsBytes.every((b) => b === 0)).toBe(true); // no counts round under DP
    expect(() => runFederated(sites, { hyper, rounds: 1, dp })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: "hyper.nbScaling" })] }),
    );
    expect(() => runFederated(sites, { hyper: dpHyper, rounds: 1, dp: { ...dp, clip: 0 } })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: "dp.clip" })] }),
    );
  });
});

describe("site messages", () => {
  it("round-trip and refuse tampered or truncated bytes", () => {
    const values = new Float64Array(100);
    values[3] = 0.25;
    values[99] = -1.5;
    const bytes = encodeMessage({ kind: "sparse", site: 2, round: 4, dim: 100, values });
    expect(bytes.length).toBe(28 + 2 * 8);
    const back = decodeMessage(bytes);
    expect([back.site, back.round, back.values[3], back.values[99]]).toEqual([2, 4, 0.25, -1.5]);
    expect(() => decodeMessage(bytes.subarray(0, 40))).toThrow(/corrupt/);
    const bad = Uint8Array.from(bytes);
    bad.set([0xff, 0xff, 0, 0], 28); // an index beyond dim
    expect(() => decodeMessage(bad)).toThrow(/beyond dim/);
    const magic = Uint8Array.from(bytes);
    magic[0] = 0;
    expect(() => decodeMessage(magic)).toThrow(/magic/);
  });
});

// Federated training of the `fast` linear model on IMDB across sites with non-IID shards, against centralized
// training of the same model on the pooled data: test accuracy after every round (and its ratio to centralized),
// bytes each site sent (counts round, key exchange, every update), train loss, and ε when DP is on.
// Run after `npx tsc -b`: node bench/federated.mjs [--sites 10] [--alpha 0.5] [--rounds 20] [--runs plain,secure,fedprox,source,dp]
//   [--bits 20] [--limit N (train rows, for a quick look)]
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { benchData } from "./data.mjs";
import {
  FAST_DEFAULTS,
  FEDERATED_DEFAULTS,
  NgramHasher,
  binaryMetrics,
  fastTokens,
  labelSkewSplit,
  positiveShares,
  prepareSite,
  readLabeled,
  runFederated,
  sourceSplit,
  toFastParams,
  trainFast,
  hashingOf,
} from "../packages/workloads/dist/index.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sitesN = Number(arg("sites", 10));
const alpha = Number(arg("alpha", 0.5));
const rounds = Number(arg("rounds", 20));
const bits = Number(arg("bits", 20));
const limit = arg("limit") ? Number(arg("limit")) : undefined;
const runs = arg("runs", "plain,secure,fedprox,source,dp").split(",");
const round4 = (x) => Number(x.toFixed(4));

const IMDB = benchData("imdb", { name: "imdb" });
const train = await readLabeled(join(IMDB, "train.jsonl.gz"), limit ? { limit } : {});
const test = await readLabeled(join(IMDB, "test.jsonl.gz"));
const hyper = { ...FEDERATED_DEFAULTS, bits };
const hashing = hashingOf(hyper);
const hasher = new NgramHasher(hashing);
const testFeatures = test.texts.map((t) => hasher.features(fastTokens(t)));

function accuracyOf(params) {
  const scores = new Float32Array(testFeatures.length);
  testFeatures.forEach((ids, i) => {
    let z = params.bias;
    for (let k = 0; k < ids.length; k++) z += params.weights[ids[k]];
    scores[i] = 1 / (1 + Math.exp(-z));
  });
  return binaryMetrics(test.labels, scores).accuracy;
}

// centralized reference: the fast preset's own trainer (4 epochs, averaged SGD) on the pooled data, same hashing
let t0 = performance.now();
const central = accuracyOf(trainFast(train.texts, train.labels, { ...FAST_DEFAULTS, bits: hyper.bits, maxN: hyper.maxN }));
const centralS = (performance.now() - t0) / 1000;

function shardsData(shards) {
  return shards.sites.map((rows) =>
    prepareSite(
      Array.from(rows, (i) => train.texts[i]),
      Array.from(rows, (i) => train.labels[i]),
      hashing,
    ),
  );
}
const skew = labelSkewSplit(train.labels, { sites: sitesN, alpha, seed: 7, minRows: 50 });
const skewSites = shardsData(skew);
// "by source": IMDB has no source field; each review's star rating (1–4, 7–10) stands in for its origin
const ratings = [];
{
  const { readJsonl } = await import("../packages/workloads/dist/index.js");
  for await (const { value } of readJsonl(join(IMDB, "train.jsonl.gz"))) {
    if (limit && ratings.length >= limit) break;
    ratings.push(String(value.rating));
  }
}
const source = sourceSplit(ratings, Math.min(sitesN, 8));

function run(name, sites, options) {
  const perRound = [];
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const result = runFederated(sites, {
    hyper: options.hyper ?? hyper,
    rounds,
    ...options,
    onRound: (r, model) => {
      const acc = accuracyOf(toFastParams(model, hashing));
      perRound.push({
        round: r.round,
        participants: r.participants.length,
        testAccuracy: round4(acc),
        ofCentralized: round4(acc / central),
        trainLoss: round4(r.trainLoss),
        meanUpdateNorm: round4(r.meanUpdateNorm),
        bytesSentPerSite: r.bytesSent,
        ...(r.epsilon !== undefined ? { epsilon: round4(r.epsilon) } : {}),
      });
    },
  });
  const cpu = process.cpuUsage(c0);
  const firstAt98 = perRound.find((r) => r.ofCentralized >= 0.98)?.round ?? null;
  const totalBytes = sites.map(
    (_, i) => result.countsBytes[i] + (result.keyBytes[i] ?? 0) + result.rounds.reduce((s, r) => s + r.bytesSent[i], 0),
  );
  return {
    name,
    sites: sites.length,
    sizes: sites.map((s) => s.labels.length),
    options: {
      secureAggregation: !!options.secureAggregation,
      mu: (options.hyper ?? hyper).mu,
      dp: options.dp ?? null,
      siteRate: options.siteRate ?? 1,
    },
    finalAccuracy: perRound.at(-1).testAccuracy,
    finalOfCentralized: perRound.at(-1).ofCentralized,
    firstRoundAt98PercentOfCentralized: firstAt98,
    countsBytesPerSite: result.countsBytes,
    keyBytesPerSite: result.keyBytes,
    totalBytesPerSite: totalBytes,
    meanBytesPerSitePerRound: Math.round(
      result.rounds.reduce((s, r) => s + r.bytesSent.reduce((a, b) => a + b, 0), 0) / rounds / sites.length,
    ),
    wallS: round4((performance.now() - w0) / 1000),
    cpuS: round4((cpu.user + cpu.system) / 1e6),
    rounds: perRound,
  };
}

const results = [];
if (runs.includes("plain")) results.push(run("fedavg-label-skew", skewSites, {}));
if (runs.includes("secure")) results.push(run("fedavg-label-skew-secure-aggregation", skewSites, { secureAggregation: true }));
if (runs.includes("fedprox")) results.push(run("fedprox-label-skew", skewSites, { hyper: { ...hyper, mu: 0.01 } }));
if (runs.includes("source")) results.push(run("fedavg-by-source", shardsData(source), {}));
if (runs.includes("dp")) {
  results.push(
    run("dp-fedavg-label-skew-secure", skewSites, {
      hyper: { ...hyper, nbScaling: false, minDf: 0 },
      secureAggregation: true,
      dp: { clip: Number(arg("dp-clip", 5)), noiseMultiplier: Number(arg("dp-noise", 1)), delta: 1e-5 },
    }),
  );
}

process.stdout.write(
  `${JSON.stringify(
    {
      bench: "federated",
      data: { train: train.texts.length, test: test.texts.length },
      split: {
        kind: "label-skew (Dirichlet per class)",
        sites: sitesN,
        alpha,
        seed: 7,
        positiveShare: positiveShares(train.labels, skew).map(round4),
        sizes: skew.sites.map((s) => s.length),
      },
      sourceSplit: {
        key: "rating",
        sites: source.sites.length,
        sizes: source.sites.map((s) => s.length),
        positiveShare: positiveShares(train.labels, source).map(round4),
      },
      model: { preset: "fast", hashing, hyper },
      centralized: { trainer: "trainFast (FAST_DEFAULTS, same hashing)", testAccuracy: round4(central), wallS: round4(centralS) },
      results,
    },
    null,
    2,
  )}\n`,
);

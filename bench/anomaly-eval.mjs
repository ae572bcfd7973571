// NAB evaluation of every detector on the full NAB subset (../shared/data/nab or `aidc data fetch nab`): scores with thresholds tuned over the corpus
// (NAB's procedure) and with the frozen thresholds shipped in the package, plus throughput.
// Run after `npx tsc -b`: node bench/anomaly-eval.mjs [--detector name]  → one JSON document.
import { benchData } from "./data.mjs";
import { performance } from "node:perf_hooks";
import * as o from "../packages/observability/dist/index.js";

const data = benchData("nab", { name: "nab" });
const only = process.argv.includes("--detector") ? [process.argv[process.argv.indexOf("--detector") + 1]] : o.DETECTOR_NAMES;
const { series, issues } = o.loadNabFolder(data);
if (issues.length > 0) throw new Error(JSON.stringify(issues));
const points = series.reduce((s, x) => s + x.values.length, 0);
const round = (x) => Math.round(x * 100) / 100;
const detectors = {};
for (const name of only) {
  const t0 = performance.now();
  const scores = series.map((s) => o.runDetector(o.DETECTORS[name], s));
  const detectMs = performance.now() - t0;
  const tuned = o.scoreCorpus(series, scores);
  const frozen = o.scoreCorpus(series, scores, o.FROZEN_THRESHOLDS[name]);
  const pick = (r) =>
    Object.fromEntries(Object.entries(r.overall).map(([k, v]) => [k, k.startsWith("nab") ? round(v) : Math.round(v * 1000) / 1000]));
  // 2-fold check of how a corpus-tuned threshold transfers to unseen files: tune on the even-indexed
  // files, score the odd ones with that threshold, and the other way round
  const folds = [0, 1].map((f) => {
    const pickIdx = (want) => series.map((_, i) => i).filter((i) => i % 2 === want);
    const train = pickIdx(f);
    const test = pickIdx(1 - f);
    const th = o.scoreCorpus(
      train.map((i) => series[i]),
      train.map((i) => scores[i]),
    ).thresholds;
    const onTest = o.scoreCorpus(
      test.map((i) => series[i]),
      test.map((i) => scores[i]),
      th,
    ).overall;
    const tunedOnTest = o.scoreCorpus(
      test.map((i) => series[i]),
      test.map((i) => scores[i]),
    ).overall;
    return { heldOutStandard: round(onTest.nabStandard), tunedOnItselfStandard: round(tunedOnTest.nabStandard) };
  });
  detectors[name] = {
    twoFold: folds,
    tuned: pick(tuned),
    frozen: pick(frozen),
    tunedThresholds: tuned.thresholds,
    detectMs: Math.round(detectMs),
    pointsPerS: Math.round(points / (detectMs / 1000)),
    usPerPoint: round((detectMs * 1000) / points),
  };
}
// NAB's "random" baseline for context: uniform scores from a seeded generator, mean over 5 seeds
function randomDetector(seed) {
  let s = seed >>> 0;
  return () => ({
    update: () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    },
  });
}
const randomRuns = [1, 2, 3, 4, 5].map((seed) => o.evaluate(series, randomDetector(seed)).overall);
const mean = (k) => round(randomRuns.reduce((t, r) => t + r[k], 0) / randomRuns.length);
const random = { nabStandard: mean("nabStandard"), nabLowFp: mean("nabLowFp"), nabLowFn: mean("nabLowFn"), seeds: 5 };
console.log(JSON.stringify({ bench: "anomaly-eval", files: series.length, points, node: process.version, detectors, random }, null, 2));

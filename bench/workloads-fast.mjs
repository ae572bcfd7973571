// Benchmark of the `fast` sentiment preset on the full IMDB split: accuracy on the 25,000 test reviews, training time
// (wall and CPU of this process, one thread), prediction throughput, short-text balance, and a naive-Bayes baseline
// trained in the same run. Run after `npx tsc -b`: node bench/workloads-fast.mjs [--out <dir>]
import { performance } from "node:perf_hooks";
import { benchData } from "./data.mjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FAST_DEFAULTS,
  FastModel,
  binaryMetrics,
  loadModelPackage,
  readLabeled,
  saveFastPackage,
  trainFast,
} from "../packages/workloads/dist/index.js";

const IMDB = benchData("imdb", { name: "imdb" });
const outArg = process.argv.indexOf("--out");
const out = outArg > 0 ? process.argv[outArg + 1] : join(mkdtempSync(join(tmpdir(), "aidc-bench-")), "fast");

function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const cpu = process.cpuUsage(c0);
  return { value, wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
}
const round = (x, d = 4) => Number(x.toFixed(d));
const positiveRate = (scores) => scores.reduce((s, p) => s + (p >= 0.5 ? 1 : 0), 0) / scores.length;

const readT0 = performance.now();
const train = await readLabeled(join(IMDB, "train.jsonl.gz"));
const test = await readLabeled(join(IMDB, "test.jsonl.gz"));
const readS = (performance.now() - readT0) / 1000;

const fit = timed(() => new FastModel(trainFast(train.texts, train.labels, FAST_DEFAULTS)));
const model = fit.value;
const pred = timed(() => model.predictSync(test.texts));
const m = binaryMetrics(test.labels, pred.value);

// short texts: the first 12 words, and the first sentence, of every test review (a balanced set)
const first12 = test.texts.map((t) =>
  t
    .replace(/<br\s*\/?>/g, " ")
    .split(/\s+/)
    .slice(0, 12)
    .join(" "),
);
const firstSentence = test.texts.map((t) => (t.replace(/<br\s*\/?>/g, " ").match(/^.*?[.!?](\s|$)/)?.[0] ?? t).trim());
const s12 = model.predictSync(first12);
const sSent = model.predictSync(firstSentence);

// baseline in the same run: naive Bayes log-count ratios on binarized uni+bigrams (no regression)
const nbHyper = { ...FAST_DEFAULTS, maxN: 2, epochs: 0, prior: 1, crops: 0, minDf: 1 };
const nb = timed(() => new FastModel(trainFast(train.texts, train.labels, nbHyper)));
const nbMetrics = binaryMetrics(test.labels, nb.value.predictSync(test.texts));

const manifest = saveFastPackage(out, model, {
  preset: "fast",
  hyper: { ...FAST_DEFAULTS },
  training: { dataFile: "train.jsonl.gz", dataSha256: train.sha256, rows: train.texts.length, durationS: fit.wallS },
  metrics: { test: m },
});
const loaded = await loadModelPackage(out);
const again = await loaded.model.predict(test.texts.slice(0, 2000));
const identical = again.every((v, i) => v === pred.value[i]);

console.log(
  JSON.stringify(
    {
      bench: "workloads-fast",
      hyper: FAST_DEFAULTS,
      readS: round(readS, 2),
      train: { rows: train.texts.length, wallS: round(fit.wallS, 2), cpuS: round(fit.cpuS, 2) },
      test: { ...m, accuracy: round(m.accuracy), f1: round(m.f1), auc: round(m.auc) },
      predict: {
        rows: test.texts.length,
        wallS: round(pred.wallS, 2),
        cpuS: round(pred.cpuS, 2),
        reviewsPerS: Math.round(test.texts.length / pred.wallS),
        reviewsPerCpuS: Math.round(test.texts.length / pred.cpuS),
      },
      shortTexts: {
        first12Words: { positiveRate: round(positiveRate(s12)), accuracy: round(binaryMetrics(test.labels, s12).accuracy) },
        firstSentence: { positiveRate: round(positiveRate(sSent)), accuracy: round(binaryMetrics(test.labels, sSent).accuracy) },
      },
      baselineNbBigrams: { accuracy: round(nbMetrics.accuracy), auc: round(nbMetrics.auc), trainWallS: round(nb.wallS, 2) },
      package: { dir: out, bytes: Object.values(manifest.files).reduce((s, f) => s + f.bytes, 0), reloadIdenticalScores: identical },
    },
    null,
    2,
  ),
);

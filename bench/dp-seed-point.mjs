// One DP point for the seed preset's LSTM (used by `node bench/dp-curve.mjs --seed ROWS`): DP-SGD with
// micro-batches of one is one backward pass per sampled review, so this runs on a slice of the training set.
import { join } from "node:path";
import { KerasTokenizer, binaryMetrics, padSequences, readLabeled } from "../packages/workloads/dist/index.js";
import { SEED_DEFAULTS, predictPadded } from "../packages/workloads/dist/seed/index.js";
import { trainSeedDp } from "../packages/workloads/dist/privacy/dp-seed.js";

export async function seedPoint(imdb, rows) {
  const train = await readLabeled(join(imdb, "train.jsonl.gz"));
  const test = await readLabeled(join(imdb, "test.jsonl.gz"));
  // the files are shuffled: the first rows are a fair slice
  const pick = Array.from({ length: rows }, (_, i) => i);
  const hyper = { ...SEED_DEFAULTS, numWords: 10_000, maxlen: 64, embeddingDim: 16, lstmUnits: 16, dropout: 0, learningRate: 0.01 };
  const dp = { epsilon: 8, delta: 1e-5, batch: Math.max(1, Math.round(rows / 5)), epochs: 2 };
  const tokenizer = KerasTokenizer.fit(test.texts.slice(12_500), hyper.numWords);
  const enc = (texts) =>
    padSequences(
      texts.map((t) => tokenizer.textToSequence(t)),
      { maxlen: hyper.maxlen },
    );
  const x = enc(pick.map((i) => train.texts[i]));
  const y = Uint8Array.from(pick, (i) => train.labels[i]);
  const c0 = process.cpuUsage();
  const t0 = Date.now();
  const epochs = [];
  const r = await trainSeedDp(x, y, hyper, dp, {
    onEpoch: (e) => {
      epochs.push(Number(e.epsilon.toFixed(3)));
      process.stderr.write(`seed epoch ${e.epoch}: ε ${e.epsilon.toFixed(3)} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    },
  });
  const c = process.cpuUsage(c0);
  const evalTexts = test.texts.slice(0, 12_500);
  const m = binaryMetrics(test.labels.slice(0, 12_500), predictPadded(r.model, enc(evalTexts), hyper.maxlen));
  return {
    bench: "dp-curve/seed",
    rows,
    hyper: { maxlen: hyper.maxlen, embeddingDim: hyper.embeddingDim, lstmUnits: hyper.lstmUnits, learningRate: hyper.learningRate },
    dp,
    privacy: r.privacy,
    epsilonPerEpoch: epochs,
    accuracy: Number(m.accuracy.toFixed(4)),
    auc: Number(m.auc.toFixed(4)),
    evaluated: evalTexts.length,
    trainCpuS: Number(((c.user + c.system) / 1e6).toFixed(1)),
  };
}

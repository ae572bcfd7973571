// Time per epoch of the `seed` preset (Embedding(10000,32) → LSTM(64) → Dense(1), maxlen 500, batch 128) on tfjs-wasm:
// trains a few batches of real IMDB rows, measures wall/CPU per batch and prediction, and extrapolates to the
// 20,000-row training part of a full epoch. Run after `npx tsc -b`:
//   node bench/workloads-seed.mjs [--batches 4] [--maxlen 500] [--stock]   (--stock: tfjs' own wasm kernels, the baseline)
import { performance } from "node:perf_hooks";
import { benchData } from "./data.mjs";
import { join } from "node:path";
import { KerasTokenizer, padSequences, readLabeled } from "../packages/workloads/dist/index.js";
import { SEED_DEFAULTS, buildSeedNetwork, predictPadded, tf, useWasm } from "../packages/workloads/dist/seed/index.js";

const IMDB = benchData("imdb", { name: "imdb" });
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const batches = arg("batches", 4);
const h = { ...SEED_DEFAULTS, maxlen: arg("maxlen", SEED_DEFAULTS.maxlen) };

const stockKernels = process.argv.includes("--stock");
await useWasm({ stockKernels });
const data = await readLabeled(join(IMDB, "train.jsonl.gz"), { limit: batches * h.batchSize });
const tokenizer = KerasTokenizer.fit(data.texts, h.numWords);
const x = padSequences(
  data.texts.map((t) => tokenizer.textToSequence(t)),
  { maxlen: h.maxlen },
);
const model = buildSeedNetwork(h);
const perBatch = [];
const c0 = process.cpuUsage();
for (let b = 0; b < batches; b++) {
  const t0 = performance.now();
  const xs = tf.tensor2d(x.subarray(b * h.batchSize * h.maxlen, (b + 1) * h.batchSize * h.maxlen), [h.batchSize, h.maxlen], "int32");
  const ys = tf.tensor2d(Float32Array.from(data.labels.subarray(b * h.batchSize, (b + 1) * h.batchSize)), [h.batchSize, 1]);
  await model.trainOnBatch(xs, ys);
  xs.dispose();
  ys.dispose();
  perBatch.push((performance.now() - t0) / 1000);
}
const cpu = process.cpuUsage(c0);
const t1 = performance.now();
predictPadded(model, x, h.maxlen);
const predictS = (performance.now() - t1) / 1000;
// the first batch includes kernel warm-up; extrapolate from the others
const steady = perBatch.length > 1 ? perBatch.slice(1) : perBatch;
const batchS = steady.reduce((a, b) => a + b, 0) / steady.length;
const trainRows = 20_000;
const epochS = (trainRows / h.batchSize) * batchS + (5_000 / (batches * h.batchSize)) * predictS;
console.log(
  JSON.stringify(
    {
      bench: "workloads-seed",
      backend: tf.getBackend(),
      kernels: stockKernels ? "stock" : "aidc",
      maxlen: h.maxlen,
      batchSize: h.batchSize,
      batchesTimed: batches,
      trainBatchS: perBatch.map((s) => Number(s.toFixed(2))),
      trainCpuS: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      msPerTrainSample: Number(((batchS / h.batchSize) * 1000).toFixed(1)),
      predictMsPerSample: Number(((predictS / (batches * h.batchSize)) * 1000).toFixed(2)),
      estimatedEpochS: Math.round(epochS),
      estimatedEpochMin: Number((epochS / 60).toFixed(1)),
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    },
    null,
    2,
  ),
);

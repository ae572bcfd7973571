// Faithfulness of the explanation methods: deletion and insertion curves and their AUC (Petsiuk et al. 2018) for
// occlusion, LIME, exact SHAP and KernelSHAP on the fast preset (trained on the full IMDB train split), over a seeded
// sample of IMDB test reviews; optionally the same for the seed preset's LSTM (KernelSHAP, occlusion, LIME) on fewer
// reviews, as its predictions cost ~1,000× more. Deletion AUC: lower is better; insertion AUC: higher is better;
// "random" is a seeded random order, the floor. Also the CPU time per explanation. Run after `npx tsc -b`:
//   node bench/explain-faithfulness.mjs [--reviews 500] [--steps 20] [--lime-samples 500] [--kernel-samples 1000]
//        [--kernel-players 64] [--seed-reviews 0] [--seed-train 4000] [--seed-maxlen 200] [--seed-epochs 2] [--seed-lr 0.001] [--no-fast]
//        [--fixture]
// --fixture uses the committed slice (examples/data/imdb: 2,000 train, 1,000 test rows) instead of ../shared.
import { join } from "node:path";
import { benchData, repo } from "./data.mjs";
import {
  FAST_DEFAULTS,
  FastModel,
  KerasTokenizer,
  explainKernelShap,
  explainLime,
  explainOcclusion,
  explainShap,
  faithfulness,
  padSequences,
  permutation,
  readLabeled,
  trainFast,
} from "../packages/workloads/dist/index.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const useFixture = process.argv.includes("--fixture");
const reviews = arg("reviews", useFixture ? 100 : 500);
const steps = arg("steps", 20);
const limeSamples = arg("lime-samples", 500);
const kernelSamples = arg("kernel-samples", 1000);
const kernelPlayers = arg("kernel-players", 64);
const seedReviews = arg("seed-reviews", 0);
const IMDB = useFixture ? join(repo, "examples", "data", "imdb") : benchData("imdb", { name: "imdb" });
const round = (x, d = 4) => Number(x.toFixed(d));

const cpuS = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/** Wraps an explainer to count its CPU time. */
function timed(fn) {
  const t = { s: 0, n: 0 };
  const wrapped = async (text) => {
    const c0 = cpuS();
    const e = await fn(text);
    t.s += cpuS() - c0;
    t.n++;
    return e;
  };
  return { wrapped, t };
}

async function run(model, texts, explainers) {
  const timers = Object.fromEntries(Object.entries(explainers).map(([k, fn]) => [k, timed(fn)]));
  const report = await faithfulness(model, texts, Object.fromEntries(Object.entries(timers).map(([k, v]) => [k, v.wrapped])), {
    steps,
    seed: 1,
    onText: (d) => process.stderr.write(`\r${d}/${texts.length} reviews`),
  });
  process.stderr.write("\n");
  const methods = {};
  for (const [name, m] of Object.entries(report.methods)) {
    const t = timers[name]?.t;
    methods[name] = {
      deletionAuc: round(m.deletionAuc),
      insertionAuc: round(m.insertionAuc),
      cpuMsPerExplanation: t ? round((1000 * t.s) / Math.max(1, t.n), 2) : 0,
      deletion: m.deletion.map((v) => round(v, 3)),
      insertion: m.insertion.map((v) => round(v, 3)),
    };
  }
  return { texts: report.texts, steps: report.steps, methods };
}

const train = await readLabeled(join(IMDB, "train.jsonl.gz"));
const test = await readLabeled(join(IMDB, "test.jsonl.gz"));
const pick = Array.from(permutation(test.texts.length, 2026)).slice(0, reviews);
const texts = pick.map((i) => test.texts[i]);

let fastPart;
if (!process.argv.includes("--no-fast")) {
  const c0 = cpuS();
  const fast = new FastModel(trainFast(train.texts, train.labels, FAST_DEFAULTS));
  const fastTrainCpuS = cpuS() - c0;
  const preds = fast.predictSync(test.texts);
  const acc = preds.reduce((a, p, i) => a + ((p >= 0.5 ? 1 : 0) === test.labels[i] ? 1 : 0), 0) / test.texts.length;
  fastPart = {
    model: { preset: "fast", trainRows: train.texts.length, testAccuracy: round(acc), trainCpuS: round(fastTrainCpuS, 1) },
    ...(await run(fast, texts, {
      occlusion: (t) => explainOcclusion(fast, t),
      lime: (t) => explainLime(fast, t, { samples: limeSamples }),
      shap: (t) => explainShap(fast, t),
      kernelShap: (t) => explainKernelShap(fast, t, { samples: kernelSamples, maxPlayers: kernelPlayers }),
    })),
  };
}

let seed;
if (seedReviews > 0) {
  const { SEED_DEFAULTS, SeedModel, trainSeed } = await import("../packages/workloads/dist/seed/index.js");
  const h = {
    ...SEED_DEFAULTS,
    maxlen: arg("seed-maxlen", 200),
    epochs: arg("seed-epochs", 2),
    learningRate: arg("seed-lr", SEED_DEFAULTS.learningRate),
    patience: 100,
  };
  const rows = Array.from(permutation(train.texts.length, 7)).slice(0, arg("seed-train", 4000));
  const seedTexts = rows.map((i) => train.texts[i]);
  const labels = Uint8Array.from(rows, (i) => train.labels[i]);
  const tokenizer = KerasTokenizer.fit(seedTexts, h.numWords);
  const x = padSequences(
    seedTexts.map((t) => tokenizer.textToSequence(t)),
    { maxlen: h.maxlen },
  );
  const s0 = cpuS();
  const r = await trainSeed(x, labels, h);
  const lstm = new SeedModel(r.model, tokenizer, h.maxlen);
  const seedTrainCpuS = cpuS() - s0;
  const evalTexts = Array.from(permutation(test.texts.length, 99)).slice(0, 1000);
  const ps = await lstm.predict(evalTexts.map((i) => test.texts[i]));
  const seedAcc = ps.reduce((a, p, k) => a + ((p >= 0.5 ? 1 : 0) === test.labels[evalTexts[k]] ? 1 : 0), 0) / ps.length;
  const seedTexts2 = texts.slice(0, seedReviews);
  seed = {
    model: {
      preset: "seed",
      trainRows: rows.length,
      maxlen: h.maxlen,
      epochs: h.epochs,
      learningRate: h.learningRate,
      accuracyOn1000Test: round(seedAcc),
      trainCpuS: round(seedTrainCpuS, 1),
    },
    ...(await run(lstm, seedTexts2, {
      occlusion: (t) => explainOcclusion(lstm, t),
      lime: (t) => explainLime(lstm, t, { samples: 300 }),
      kernelShap: (t) => explainKernelShap(lstm, t, { samples: 512 }),
    })),
  };
  lstm.dispose();
}

console.log(
  JSON.stringify(
    {
      bench: "explain-faithfulness",
      data: useFixture ? "examples/data/imdb (committed slice)" : "IMDB (../shared/data/imdb)",
      removal: "tokens deleted from the token list; probability of the class predicted for the full review",
      better: { deletionAuc: "lower", insertionAuc: "higher" },
      options: { reviews: texts.length, steps, limeSamples, kernelSamples, kernelPlayers, seedLimeSamples: 300, seedKernelSamples: 512 },
      ...(fastPart ? { fast: fastPart } : {}),
      ...(seed ? { seed } : {}),
    },
    null,
    2,
  ),
);

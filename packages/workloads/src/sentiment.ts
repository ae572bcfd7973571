import { readFileSync } from "node:fs";
import { InvalidInputError } from "@aidc/core";
import { readLabeled, type LabeledData } from "./data/jsonl.js";
import { padSequences } from "./data/sequences.js";
import { validationSplit } from "./data/split.js";
import { KerasTokenizer, type TokenizerJson } from "./data/tokenizer.js";
import { binaryMetrics, type BinaryMetrics } from "./eval/metrics.js";
import { FastModel } from "./fast/model.js";
import { FAST_DEFAULTS, trainFast, type EpochReport, type FastHyper } from "./fast/train.js";
import type { Preset, SentimentModel } from "./model.js";
import type { ModelManifest } from "./pkg/manifest.js";
import { saveFastPackage, saveSeedPackage } from "./pkg/package.js";
import type { SeedHyper } from "./seed/network.js";
import type { SeedEpochReport, SeedProgress } from "./seed/train.js";
import { DP_LINEAR_DEFAULTS, trainFastDp, type DpEpochReport, type DpLinearHyper } from "./privacy/dp-linear.js";
import type { DpOptions } from "./privacy/dpsgd.js";

export interface TrainSentimentOptions {
  readonly preset: Preset;
  readonly dataPath: string;
  readonly outDir: string;
  /** Also evaluate on this labeled file and store the figures in the package as `metrics.eval`. */
  readonly evalPath?: string;
  /** Use only the first `limit` training rows. */
  readonly limit?: number;
  /** Hyper-parameters that differ from the preset's. */
  readonly hyper?: Readonly<Record<string, number | boolean>>;
  readonly checkpointDir?: string;
  readonly resume?: boolean;
  readonly onFastEpoch?: (r: EpochReport) => void;
  readonly onSeedBatch?: (p: SeedProgress) => void;
  readonly onSeedEpoch?: (r: SeedEpochReport) => void;
  /** Train with DP-SGD (fast preset): the package records the budget spent in `manifest.privacy`. */
  readonly dp?: DpOptions;
  readonly onDpEpoch?: (r: DpEpochReport) => void;
  /**
   * Seed preset under DP: a public vocabulary (a seed package's vocab.json, or a text file of words, most frequent
   * first). Fitting the tokenizer on the private training texts would release which words they contain.
   */
  readonly publicVocabPath?: string;
}

export interface TrainSentimentResult {
  readonly manifest: ModelManifest;
  readonly model: SentimentModel;
  /** False when a seed run stopped at `maxEpochsThisRun` (its checkpoint lets it resume). */
  readonly finished: boolean;
}

function mergeHyper<T extends object>(defaults: T, overrides: Readonly<Record<string, number | boolean>> | undefined): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  const issues = [];
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (!(k in defaults)) issues.push({ code: "unknown_key", path: `hyper.${k}`, message: `is not a hyper-parameter of this preset` });
    else if (typeof v !== typeof out[k]) issues.push({ code: "invalid_type", path: `hyper.${k}`, message: `must be a ${typeof out[k]}` });
    else out[k] = v;
  }
  if (issues.length > 0) throw new InvalidInputError("Invalid hyper-parameters", issues);
  return out as T;
}

export async function evaluate(model: SentimentModel, data: LabeledData): Promise<BinaryMetrics> {
  return binaryMetrics(data.labels, await model.predict(data.texts));
}

/** Train a preset on a labeled JSONL(.gz) file and write the model package to `outDir`. */
export async function trainSentiment(o: TrainSentimentOptions): Promise<TrainSentimentResult> {
  const data = await readLabeled(o.dataPath, o.limit === undefined ? {} : { limit: o.limit });
  const evalData = o.evalPath === undefined ? undefined : await readLabeled(o.evalPath);
  const t0 = performance.now();
  const training = { dataFile: o.dataPath, dataSha256: data.sha256, rows: data.texts.length };
  if (o.dp !== undefined && o.preset === "seed") return trainSeedPrivately(o, o.dp, data, evalData, training, t0);
  if (o.dp !== undefined) {
    const hyper = mergeHyper<DpLinearHyper>(DP_LINEAR_DEFAULTS, o.hyper);
    const r = trainFastDp(data.texts, data.labels, o.dp, { hyper, ...(o.onDpEpoch ? { onEpoch: o.onDpEpoch } : {}) });
    const model = new FastModel(r.params);
    const durationS = (performance.now() - t0) / 1000;
    // no "train" metrics: they are statistics of the private data that the budget does not cover
    const metrics: Record<string, BinaryMetrics> = {};
    if (evalData) metrics["eval"] = await evaluate(model, evalData);
    const manifest = saveFastPackage(o.outDir, model, {
      preset: "fast",
      hyper: { ...hyper, dp: true },
      training: { ...training, durationS, epochs: r.privacy.epochs },
      metrics,
      privacy: r.privacy,
    });
    return { manifest, model, finished: true };
  }
  if (o.preset === "fast") {
    const hyper = mergeHyper<FastHyper>(FAST_DEFAULTS, o.hyper);
    const model = new FastModel(trainFast(data.texts, data.labels, hyper, o.onFastEpoch));
    const durationS = (performance.now() - t0) / 1000;
    const metrics: Record<string, BinaryMetrics> = { train: await evaluate(model, data) };
    if (evalData) metrics["eval"] = await evaluate(model, evalData);
    const manifest = saveFastPackage(o.outDir, model, {
      preset: "fast",
      hyper: { ...hyper },
      training: { ...training, durationS },
      metrics,
    });
    return { manifest, model, finished: true };
  }
  const { SEED_DEFAULTS } = await import("./seed/network.js");
  const { trainSeed, predictPadded } = await import("./seed/train.js");
  const { SeedModel } = await import("./seed/model.js");
  const hyper = mergeHyper<SeedHyper>(SEED_DEFAULTS, o.hyper);
  const tokenizer = KerasTokenizer.fit(data.texts, hyper.numWords);
  const x = padSequences(
    data.texts.map((t) => tokenizer.textToSequence(t)),
    { maxlen: hyper.maxlen },
  );
  const r = await trainSeed(x, data.labels, hyper, {
    ...(o.checkpointDir === undefined ? {} : { checkpointDir: o.checkpointDir }),
    resume: o.resume ?? false,
    ...(o.onSeedBatch ? { onBatch: o.onSeedBatch } : {}),
    ...(o.onSeedEpoch ? { onEpoch: o.onSeedEpoch } : {}),
  });
  const durationS = (performance.now() - t0) / 1000;
  const model = new SeedModel(r.model, tokenizer, hyper.maxlen);
  const best = r.history.find((h) => h.epoch === r.bestEpoch);
  const metrics: Record<string, BinaryMetrics> = {};
  // the held-out 20 % (Keras' validation split), scored with the restored best weights
  const { validation } = validationSplit(data.labels.length, hyper.validationSplit);
  if (validation.length > 0) {
    const xVal = new Int32Array(validation.length * hyper.maxlen);
    validation.forEach((row, i) => xVal.set(x.subarray(row * hyper.maxlen, (row + 1) * hyper.maxlen), i * hyper.maxlen));
    const yVal = Uint8Array.from(validation, (row) => data.labels[row] ?? 0);
    metrics["validation"] = binaryMetrics(yVal, predictPadded(r.model, xVal, hyper.maxlen));
  }
  if (evalData) metrics["eval"] = await evaluate(model, evalData);
  const manifest = await saveSeedPackage(o.outDir, model, {
    preset: "seed",
    hyper: { ...hyper, valLoss: best?.valLoss ?? null, valAccuracy: best?.valAccuracy ?? null },
    training: { ...training, durationS, epochs: r.history.length, bestEpoch: r.bestEpoch },
    metrics,
  });
  return { manifest, model, finished: r.finished };
}

function publicTokenizer(path: string | undefined, numWords: number): KerasTokenizer {
  const issue = (message: string): InvalidInputError =>
    new InvalidInputError("Invalid differential-privacy options", [{ code: "invalid_value", path: "dp.vocab", message }]);
  if (path === undefined)
    throw issue(
      "the seed preset under DP needs a public vocabulary (--dp-vocab <file>): a tokenizer fitted on the training texts would leak which words they contain",
    );
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw issue(`cannot read ${path}: ${(e as Error).message}`);
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) {
    const json = JSON.parse(trimmed) as Partial<TokenizerJson>;
    if (json.kind !== "keras-words" || !Array.isArray(json.words)) throw issue(`${path} is not a seed vocab.json (kind "keras-words")`);
    return KerasTokenizer.fromJSON({
      kind: "keras-words",
      numWords,
      startToken: json.startToken ?? true,
      words: json.words.slice(0, Math.max(0, numWords - 3)),
    });
  }
  const words = text
    .split(/\r?\n/)
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w.length > 0);
  if (words.length === 0) throw issue(`${path} has no words`);
  return KerasTokenizer.fromJSON({ kind: "keras-words", numWords, startToken: true, words: words.slice(0, Math.max(0, numWords - 3)) });
}

/** The seed preset with DP-SGD (micro-batches of one): a public vocabulary, no validation split, eval metrics only. */
async function trainSeedPrivately(
  o: TrainSentimentOptions,
  dp: DpOptions,
  data: LabeledData,
  evalData: LabeledData | undefined,
  training: { dataFile: string; dataSha256: string; rows: number },
  t0: number,
): Promise<TrainSentimentResult> {
  const { SEED_DEFAULTS } = await import("./seed/network.js");
  const { SeedModel } = await import("./seed/model.js");
  const { trainSeedDp } = await import("./privacy/dp-seed.js");
  const hyper = mergeHyper<SeedHyper>(SEED_DEFAULTS, o.hyper);
  const tokenizer = publicTokenizer(o.publicVocabPath, hyper.numWords);
  const x = padSequences(
    data.texts.map((t) => tokenizer.textToSequence(t)),
    { maxlen: hyper.maxlen },
  );
  const r = await trainSeedDp(x, data.labels, hyper, dp, o.onDpEpoch ? { onEpoch: o.onDpEpoch } : {});
  const durationS = (performance.now() - t0) / 1000;
  const model = new SeedModel(r.model, tokenizer, hyper.maxlen);
  const metrics: Record<string, BinaryMetrics> = {};
  if (evalData) metrics["eval"] = await evaluate(model, evalData);
  const manifest = await saveSeedPackage(o.outDir, model, {
    preset: "seed",
    hyper: { ...hyper, dp: true },
    training: { ...training, durationS, epochs: r.privacy.epochs },
    metrics,
    privacy: r.privacy,
  });
  return { manifest, model, finished: true };
}

import { InvalidInputError } from "@aidc/core";
import { permutation } from "../data/split.js";
import { NgramHasher, type HashingConfig } from "../fast/ngrams.js";
import { featurize, type Csr, type FastParams } from "../fast/train.js";

/**
 * FedAvg (McMahan et al., AISTATS 2017) and FedProx (Li et al., MLSys 2020) for the `fast` preset's linear model:
 * logistic regression on binarized hashed n-grams scaled by naive-Bayes log-count ratios. The ratios are the one
 * data statistic the model needs before training; they come from a first "counts" round whose per-site vectors
 * are summed (securely when secure aggregation is on), so no site's counts are seen alone. Under DP the counts
 * round is skipped and every feature has scale 1 (the counts would be a release not covered by the accountant).
 */
export interface FederatedHyper {
  readonly bits: number;
  readonly maxN: number;
  /** Laplace smoothing of the naive-Bayes ratios. */
  readonly alpha: number;
  /** N-grams seen in fewer documents (over all sites) get no weight. */
  readonly minDf: number;
  /** False: every feature has scale 1 and no counts round (required under DP). */
  readonly nbScaling: boolean;
  readonly localEpochs: number;
  readonly learningRate: number;
  /** Step of round r is learningRate / (1 + lrDecay · (r − 1)). */
  readonly lrDecay: number;
  readonly l2: number;
  /** FedProx proximal weight μ (0 = FedAvg): each local step also pulls weights towards the round's global model. */
  readonly mu: number;
  /** A site returns the average of its local iterates (Polyak–Ruppert) instead of the last one. */
  readonly average: boolean;
  /** Global step on the averaged update (1 = plain FedAvg). */
  readonly serverLearningRate: number;
  readonly seed: number;
}

export const FEDERATED_DEFAULTS: FederatedHyper = {
  bits: 20,
  maxN: 3,
  alpha: 1,
  minDf: 5,
  nbScaling: true,
  localEpochs: 1,
  learningRate: 0.02,
  lrDecay: 0.1,
  l2: 1e-6,
  mu: 0,
  average: true,
  serverLearningRate: 1,
  seed: 42,
};

export function hashingOf(hyper: Pick<FederatedHyper, "bits" | "maxN">): HashingConfig {
  return { kind: "hashed-ngrams", bits: hyper.bits, maxN: hyper.maxN };
}

/** One site's shard, featurized once (it never leaves the site). */
export interface SiteData {
  readonly csr: Csr;
  readonly labels: Uint8Array;
}

export function prepareSite(texts: readonly string[], labels: ArrayLike<number>, hashing: HashingConfig): SiteData {
  if (texts.length === 0)
    throw new InvalidInputError("Empty site", [{ code: "empty", path: "texts", message: "a site needs at least one row" }]);
  return { csr: featurize(new NgramHasher(hashing), texts, 0, 0), labels: Uint8Array.from(labels, (y) => (y === 1 ? 1 : 0)) };
}

/** The global model: per-bucket feature scale (NB ratio or 1), regression weights and bias. */
export interface GlobalModel {
  readonly scale: Float32Array;
  readonly weights: Float32Array;
  readonly bias: number;
}

/** A site's counts vector: documents per bucket among positives, then among negatives, then #pos, #neg. */
export function siteCounts(site: SiteData, dim: number): Float64Array {
  const out = new Float64Array(2 * dim + 2);
  const { offsets, ids } = site.csr;
  for (let i = 0; i < site.labels.length; i++) {
    const base = site.labels[i] === 1 ? 0 : dim;
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) out[base + ids[k]!]! += 1;
    out[2 * dim + (site.labels[i] === 1 ? 0 : 1)]! += 1;
  }
  return out;
}

/** The first global model from the summed counts (NB ratios as in trainFast), or scale 1 without NB scaling. */
export function initialModel(hyper: FederatedHyper, summedCounts?: ArrayLike<number>): GlobalModel {
  const dim = 2 ** hyper.bits;
  const scale = new Float32Array(dim);
  if (!hyper.nbScaling || !summedCounts) {
    scale.fill(1);
    return { scale, weights: new Float32Array(dim), bias: 0 };
  }
  if (summedCounts.length !== 2 * dim + 2) {
    throw new InvalidInputError("Bad counts", [
      { code: "invalid", path: "counts", message: `has ${summedCounts.length} values, expected ${2 * dim + 2}` },
    ]);
  }
  let pSum = 0;
  let qSum = 0;
  for (let j = 0; j < dim; j++) {
    pSum += Math.max(0, summedCounts[j] ?? 0) + hyper.alpha;
    qSum += Math.max(0, summedCounts[dim + j] ?? 0) + hyper.alpha;
  }
  const logNorm = Math.log(qSum / pSum);
  for (let j = 0; j < dim; j++) {
    const p = Math.max(0, summedCounts[j] ?? 0);
    const q = Math.max(0, summedCounts[dim + j] ?? 0);
    scale[j] = p + q < hyper.minDf ? 0 : Math.log((p + hyper.alpha) / (q + hyper.alpha)) + logNorm;
  }
  const nPos = Math.max(0, summedCounts[2 * dim] ?? 0);
  const nNeg = Math.max(0, summedCounts[2 * dim + 1] ?? 0);
  return { scale, weights: new Float32Array(dim), bias: Math.log((nPos + 1) / (nNeg + 1)) };
}

export interface LocalResult {
  /** New minus old weights, then the bias change as the last entry (length dim + 1). */
  readonly delta: Float32Array;
  readonly rows: number;
  readonly loss: number;
  readonly accuracy: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Local training of one site for one round: SGD from the global model (with FedProx's pull when μ > 0). */
export function localTrain(site: SiteData, global: GlobalModel, round: number, siteIndex: number, hyper: FederatedHyper): LocalResult {
  const dim = global.weights.length;
  const { offsets, ids } = site.csr;
  const rows = site.labels.length;
  const v = Float32Array.from(global.weights);
  const v0 = global.weights;
  const r = global.scale;
  const u = hyper.average ? new Float32Array(dim) : undefined;
  let bias = global.bias;
  let biasU = 0;
  let step = 1;
  const lr = hyper.learningRate / (1 + hyper.lrDecay * (round - 1));
  let loss = 0;
  let correct = 0;
  for (let epoch = 1; epoch <= hyper.localEpochs; epoch++) {
    const order = permutation(rows, hyper.seed + 1_000_003 * round + 10_007 * siteIndex + epoch);
    for (let t = 0; t < rows; t++) {
      const i = order[t]!;
      const a = offsets[i]!;
      const b = offsets[i + 1]!;
      let z = bias;
      for (let k = a; k < b; k++) z += r[ids[k]!]! * v[ids[k]!]!;
      const y = site.labels[i]!;
      const s = sigmoid(z);
      if (epoch === hyper.localEpochs) {
        loss += -(y * Math.log(s + 1e-12) + (1 - y) * Math.log(1 - s + 1e-12));
        if (s >= 0.5 === (y === 1)) correct++;
      }
      const g = s - y;
      for (let k = a; k < b; k++) {
        const j = ids[k]!;
        const vj = v[j]!;
        const d = -lr * (g * r[j]! + hyper.l2 * vj + hyper.mu * (vj - v0[j]!));
        v[j] = vj + d;
        if (u) u[j]! += step * d;
      }
      const db = -lr * 0.1 * (g + hyper.mu * (bias - global.bias));
      bias += db;
      biasU += step * db;
      step++;
    }
  }
  const delta = new Float32Array(dim + 1);
  for (let j = 0; j < dim; j++) delta[j] = v[j]! - v0[j]! - (u ? u[j]! / step : 0);
  delta[dim] = bias - global.bias - (u ? biasU / step : 0);
  return { delta, rows, loss: loss / rows, accuracy: correct / rows };
}

/** The next global model: old + serverLearningRate × the aggregated (already averaged) update. */
export function applyUpdate(global: GlobalModel, averaged: ArrayLike<number>, serverLearningRate: number): GlobalModel {
  const dim = global.weights.length;
  if (averaged.length !== dim + 1) {
    throw new InvalidInputError("Bad update", [
      { code: "invalid", path: "update", message: `has ${averaged.length} values, expected ${dim + 1}` },
    ]);
  }
  const weights = new Float32Array(dim);
  for (let j = 0; j < dim; j++) weights[j] = global.weights[j]! + serverLearningRate * (averaged[j] ?? 0);
  return { scale: global.scale, weights, bias: global.bias + serverLearningRate * (averaged[dim] ?? 0) };
}

/** The global model as a `fast` preset model (effective weight = scale × weight), servable like any fast model. */
export function toFastParams(global: GlobalModel, hashing: HashingConfig): FastParams {
  const weights = new Float32Array(global.weights.length);
  for (let j = 0; j < weights.length; j++) weights[j] = global.scale[j]! * global.weights[j]!;
  return { hashing, weights, bias: global.bias };
}

import { mulberry32, permutation } from "../data/split.js";
import { NgramHasher, fastTokens, type HashingConfig } from "./ngrams.js";

/** Hyper-parameters of the `fast` preset: NB-weighted logistic regression on binarized hashed n-grams. */
export interface FastHyper {
  readonly bits: number;
  readonly maxN: number;
  /** Laplace smoothing of the naive-Bayes log-count ratios. */
  readonly alpha: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  /** Weights are `r_j * (v_j + prior)`: the logistic regression starts from (and is pulled towards) scaled NB. */
  readonly prior: number;
  /** N-grams seen in fewer training documents get no weight (stops memorizing one review's rare trigrams). */
  readonly minDf: number;
  /** Return the average of the SGD iterates (Polyak–Ruppert), which generalizes better than the last one. */
  readonly average: boolean;
  /**
   * Extra training rows per review: random spans of 4–40 tokens with the review's label. Whatever its value, one
   * span per review calibrates the bias so that short texts are predicted positive at the training prior rate.
   */
  readonly crops: number;
  readonly seed: number;
}

export const FAST_DEFAULTS: FastHyper = {
  bits: 23,
  maxN: 3,
  alpha: 1,
  epochs: 4,
  learningRate: 0.02,
  l2: 1e-6,
  prior: 0,
  minDf: 5,
  average: true,
  crops: 0,
  seed: 42,
};

export interface FastParams {
  readonly hashing: HashingConfig;
  /** Effective weight per bucket (NB ratio × regression weight); a document's logit is `bias + Σ weights[j]`. */
  readonly weights: Float32Array;
  readonly bias: number;
}

export interface EpochReport {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Features of many documents in CSR form. */
export interface Csr {
  readonly offsets: Uint32Array;
  readonly ids: Uint32Array;
  /** Source document of each row (crops point at the review they were cut from). */
  readonly doc: Uint32Array;
}

/** Features of many documents in CSR form: rows 0..n-1 are the documents, then `crops` random spans of each. */
export function featurize(hasher: NgramHasher, texts: readonly string[], crops = 0, seed = 0): Csr {
  const rand = mulberry32(seed);
  const parts: Uint32Array[] = [];
  const docs: number[] = [];
  const cropParts: Uint32Array[] = [];
  const cropDocs: number[] = [];
  texts.forEach((t, i) => {
    const tokens = fastTokens(t);
    parts.push(hasher.features(tokens));
    docs.push(i);
    for (let c = 0; c < crops; c++) {
      const len = Math.min(tokens.length, 4 + Math.floor(rand() * 37));
      const start = Math.floor(rand() * (tokens.length - len + 1));
      cropParts.push(hasher.features(tokens.slice(start, start + len)));
      cropDocs.push(i);
    }
  });
  const all = [...parts, ...cropParts];
  const offsets = new Uint32Array(all.length + 1);
  let total = 0;
  all.forEach((p, i) => {
    total += p.length;
    offsets[i + 1] = total;
  });
  const ids = new Uint32Array(total);
  all.forEach((p, i) => ids.set(p, offsets[i]));
  return { offsets, ids, doc: Uint32Array.from([...docs, ...cropDocs]) };
}

export function trainFast(
  texts: readonly string[],
  labels: ArrayLike<number>,
  hyper: FastHyper = FAST_DEFAULTS,
  onEpoch?: (r: EpochReport) => void,
): FastParams {
  const hashing: HashingConfig = { kind: "hashed-ngrams", bits: hyper.bits, maxN: hyper.maxN };
  const hasher = new NgramHasher(hashing);
  // at least one crop per review: even when crops are not trained on, they calibrate the bias for short texts
  const { offsets, ids, doc } = featurize(hasher, texts, Math.max(1, hyper.crops), hyper.seed);
  const allRows = offsets.length - 1;
  const rows = texts.length * (1 + hyper.crops);
  const dim = 2 ** hyper.bits;
  const n = texts.length;

  // naive-Bayes log-count ratios on binarized features
  const p = new Float32Array(dim);
  const q = new Float32Array(dim);
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    const pos = labels[i] === 1;
    if (pos) nPos++;
    const c = pos ? p : q;
    for (let k = offsets[i] ?? 0; k < (offsets[i + 1] ?? 0); k++) c[ids[k] ?? 0]! += 1;
  }
  let pSum = 0;
  let qSum = 0;
  for (let j = 0; j < dim; j++) {
    pSum += (p[j] ?? 0) + hyper.alpha;
    qSum += (q[j] ?? 0) + hyper.alpha;
  }
  const r = new Float32Array(dim);
  const logNorm = Math.log(qSum / pSum);
  for (let j = 0; j < dim; j++) {
    const pj = p[j] ?? 0;
    const qj = q[j] ?? 0;
    r[j] = pj + qj < hyper.minDf ? 0 : Math.log((pj + hyper.alpha) / (qj + hyper.alpha)) + logNorm;
  }

  // logistic regression on x_ij = r_j, weights v_j + prior, SGD with a decaying step and lazy L2
  const v = new Float32Array(dim);
  const u = hyper.average ? new Float32Array(dim) : undefined; // Σ step·Δv, for the averaged iterate v − u/step
  let step = 1;
  let bias = Math.log((nPos + 1) / (n - nPos + 1));
  for (let epoch = 1; epoch <= hyper.epochs; epoch++) {
    const order = permutation(rows, hyper.seed + epoch);
    const lr = hyper.learningRate / (1 + 0.5 * (epoch - 1));
    let loss = 0;
    let correct = 0;
    for (let t = 0; t < rows; t++) {
      const i = order[t] ?? 0;
      const a = offsets[i] ?? 0;
      const b = offsets[i + 1] ?? 0;
      let z = bias;
      for (let k = a; k < b; k++) {
        const j = ids[k] ?? 0;
        z += (r[j] ?? 0) * ((v[j] ?? 0) + hyper.prior);
      }
      const y = labels[doc[i] ?? 0] === 1 ? 1 : 0;
      const s = sigmoid(z);
      loss += -(y * Math.log(s + 1e-12) + (1 - y) * Math.log(1 - s + 1e-12));
      if (s >= 0.5 === (y === 1)) correct++;
      const g = s - y;
      for (let k = a; k < b; k++) {
        const j = ids[k] ?? 0;
        const delta = -lr * (g * (r[j] ?? 0) + hyper.l2 * (v[j] ?? 0));
        v[j] = (v[j] ?? 0) + delta;
        if (u) u[j] = (u[j] ?? 0) + step * delta;
      }
      step++;
      bias -= lr * g * 0.1;
    }
    onEpoch?.({ epoch, loss: loss / rows, accuracy: correct / rows });
  }
  if (u) for (let j = 0; j < dim; j++) v[j] = (v[j] ?? 0) - (u[j] ?? 0) / step;
  const weights = new Float32Array(dim);
  for (let j = 0; j < dim; j++) weights[j] = (r[j] ?? 0) * ((v[j] ?? 0) + hyper.prior);
  // Balance short texts: shift the bias so that the training crops are predicted positive at the training prior rate.
  if (allRows > n) {
    const logits = new Float64Array(allRows - n);
    for (let i = n; i < allRows; i++) logits[i - n] = logitOfFeatures({ hashing, weights, bias }, ids.subarray(offsets[i], offsets[i + 1]));
    logits.sort();
    const cut = logits[Math.min(logits.length - 1, Math.floor((1 - nPos / n) * logits.length))] ?? 0;
    bias -= cut;
  }
  return { hashing, weights, bias };
}

/** Probability of the positive class for each text. */
export function predictFast(params: FastParams, hasher: NgramHasher, texts: readonly string[]): Float32Array {
  const out = new Float32Array(texts.length);
  texts.forEach((t, i) => (out[i] = sigmoid(logitOfFeatures(params, hasher.features(fastTokens(t))))));
  return out;
}

export function logitOfFeatures(params: FastParams, ids: Uint32Array): number {
  let z = params.bias;
  for (let k = 0; k < ids.length; k++) z += params.weights[ids[k] ?? 0] ?? 0;
  return z;
}

import { tf, useWasm } from "../seed/backend.js";
import { buildSeedNetwork, type SeedHyper } from "../seed/network.js";
import type { DpEpochReport } from "./dp-linear.js";
import { DpBudget, planDp, poissonSample, secureNoise, type DpOptions, type NoiseSource, type PrivacyRecord } from "./dpsgd.js";

/**
 * DP-SGD for the `seed` preset's LSTM (Embedding → LSTM → Dense), with tfjs.
 *
 * Per-example gradients by micro-batches of one: each sampled review gets its own forward/backward pass, its
 * gradient over ALL trainable tensors is clipped to global L2 norm C, and the clipped gradients are summed. Then
 * N(0, σ²C²) is added to every coordinate of every tensor, the sum is divided by the expected batch q·n, and Adam
 * applies it (post-processing). That is exact DP-SGD, and slow: one backward pass per example (no vectorised
 * per-example trick in tfjs for a recurrent layer), so it suits small data or short sequences.
 *
 * The vocabulary is NOT learnt here: the caller passes sequences made with a public vocabulary (a tokenizer fitted
 * on the training texts would release which words they contain, outside the budget).
 */
export const SEED_DP_DEFAULTS = { clip: 1, batch: 256, epochs: 3 };

export const SEED_DP_NOTES = [
  "per-example gradients by micro-batches of one; clipping over the global norm of all LSTM, embedding and dense tensors",
  "the vocabulary came from a public word list given by the caller, not from the training texts",
  "no early stopping or validation split (they read the training data); training loss/accuracy are not reported",
];

export async function trainSeedDp(
  x: Int32Array,
  labels: ArrayLike<number>,
  hyper: SeedHyper,
  dp: DpOptions,
  options: { noise?: NoiseSource; onEpoch?: (r: DpEpochReport) => void } = {},
): Promise<{ model: tf.LayersModel; privacy: PrivacyRecord }> {
  await useWasm();
  const n = labels.length;
  const maxlen = hyper.maxlen;
  if (x.length !== n * maxlen) throw new RangeError(`x has ${x.length} ids, expected rows × maxlen = ${n * maxlen}`);
  const plan = planDp(dp, n, SEED_DP_DEFAULTS);
  const noise = options.noise ?? secureNoise();
  const model = buildSeedNetwork(hyper);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(hyper.learningRate);
  const budget = new DpBudget(plan);
  const sd = plan.noiseMultiplier * plan.clip;
  const denom = plan.samplingRate * n;
  let epochsDone = 0;
  let stoppedByBudget = false;
  for (let epoch = 1; epoch <= plan.epochs; epoch++) {
    if (!budget.fits(plan.stepsPerEpoch)) {
      stoppedByBudget = true;
      break;
    }
    for (let s = 0; s < plan.stepsPerEpoch; s++) {
      let sums = vars.map((v) => tf.zerosLike(v) as tf.Tensor);
      for (const i of poissonSample(n, plan.samplingRate, noise)) {
        const next = tf.tidy(() => {
          const xs = tf.tensor2d(x.subarray(i * maxlen, (i + 1) * maxlen), [1, maxlen], "int32");
          const ys = tf.tensor2d([labels[i] === 1 ? 1 : 0], [1, 1]);
          const { grads } = tf.variableGrads(
            () => tf.metrics.binaryCrossentropy(ys, model.apply(xs, { training: true }) as tf.Tensor).mean() as tf.Scalar,
            vars,
          );
          const gs = vars.map((v) => grads[v.name] as tf.Tensor);
          const norm = tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g)))));
          const scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(plan.clip), tf.maximum(norm, tf.scalar(1e-12))));
          return gs.map((g, k) => tf.add(sums[k] as tf.Tensor, tf.mul(g, scale)));
        });
        for (const t of sums) t.dispose();
        sums = next;
      }
      const noisy = vars.map((v, k) => {
        const z = new Float64Array(v.size);
        noise.normals(z);
        const tensor = tf.tidy(() => tf.div(tf.add(sums[k] as tf.Tensor, tf.mul(tf.tensor(Float32Array.from(z), v.shape), sd)), denom));
        return { name: v.name, tensor };
      });
      optimizer.applyGradients(noisy);
      for (const t of [...sums, ...noisy.map((g) => g.tensor)]) t.dispose();
    }
    budget.spend(plan.stepsPerEpoch);
    epochsDone = epoch;
    options.onEpoch?.({ epoch, steps: budget.steps, epsilon: budget.epsilonAfter(budget.steps).epsilon, delta: plan.delta });
  }
  optimizer.dispose();
  return { model, privacy: budget.record(epochsDone, stoppedByBudget, SEED_DP_NOTES) };
}

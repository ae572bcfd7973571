import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { permutation, validationSplit } from "../data/split.js";
import { tf, useWasm } from "./backend.js";
import { buildSeedNetwork, type SeedHyper } from "./network.js";
import { modelSnapshot, restoreModel, snapshot, snapshotBytes, snapshotFromBytes, tensorsOf, type WeightSpec } from "./weights.js";

export interface SeedEpochReport {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
  readonly durationS: number;
}

export interface SeedProgress {
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly loss: number;
  readonly accuracy: number;
}

export interface SeedTrainOptions {
  /** Write a checkpoint here after every epoch. */
  readonly checkpointDir?: string;
  /** Continue from the checkpoint in `checkpointDir` when there is one. */
  readonly resume?: boolean;
  /** Stop after this many epochs of this call (for tests of resume; the epoch count of the run is `hyper.epochs`). */
  readonly maxEpochsThisRun?: number;
  readonly onBatch?: (p: SeedProgress) => void;
  readonly onEpoch?: (r: SeedEpochReport) => void;
}

export interface SeedTrainResult {
  readonly model: tf.LayersModel;
  readonly history: SeedEpochReport[];
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly finished: boolean;
  readonly resumedFromEpoch: number;
}

interface CheckpointState {
  readonly epoch: number;
  readonly history: SeedEpochReport[];
  readonly bestEpoch: number;
  readonly bestValLoss: number;
  readonly wait: number;
  readonly weightSpecs: WeightSpec[];
  readonly optimizerSpecs: WeightSpec[];
}

function bce(y: number, p: number): number {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
}

function gatherRows(x: Int32Array, maxlen: number, rows: ArrayLike<number>, from: number, to: number): Int32Array {
  const out = new Int32Array((to - from) * maxlen);
  for (let i = from; i < to; i++) {
    const r = rows[i] ?? 0;
    out.set(x.subarray(r * maxlen, (r + 1) * maxlen), (i - from) * maxlen);
  }
  return out;
}

/** Scores of padded rows, in batches. */
export function predictPadded(model: tf.LayersModel, x: Int32Array, maxlen: number, batchSize = 256): Float32Array {
  const n = x.length / maxlen;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += batchSize) {
    const m = Math.min(batchSize, n - i);
    const scores = tf.tidy(() => {
      const xs = tf.tensor2d(x.subarray(i * maxlen, (i + m) * maxlen), [m, maxlen], "int32");
      return (model.predict(xs) as tf.Tensor).dataSync() as Float32Array;
    });
    out.set(scores.subarray(0, m), i);
  }
  return out;
}

function writeCheckpoint(dir: string, state: CheckpointState, last: Uint8Array, best: Uint8Array, opt: Uint8Array): void {
  mkdirSync(dir, { recursive: true });
  // write then rename, so a job preempted mid-write leaves the previous checkpoint intact
  const put = (name: string, data: Uint8Array | string): void => {
    writeFileSync(join(dir, `${name}.tmp`), data);
    renameSync(join(dir, `${name}.tmp`), join(dir, name));
  };
  put("last.bin", last);
  put("best.bin", best);
  put("optimizer.bin", opt);
  put("state.json", JSON.stringify(state));
}

/**
 * The Keras training loop of the `seed` preset, done by hand for control: seeded per-epoch shuffles, Keras'
 * validation split (the last 20 % of the rows), early stopping on val_loss with best-weights restore, a checkpoint
 * after every epoch, and resume from it (weights, Adam state, early-stopping state, history).
 */
export async function trainSeed(x: Int32Array, y: Uint8Array, h: SeedHyper, opts: SeedTrainOptions = {}): Promise<SeedTrainResult> {
  await useWasm();
  const n = y.length;
  const split = validationSplit(n, h.validationSplit);
  const model = buildSeedNetwork(h);
  let history: SeedEpochReport[] = [];
  let bestEpoch = 0;
  let bestValLoss = Infinity;
  let wait = 0;
  let startEpoch = 1;
  let best = modelSnapshot(model);
  const ckpt = opts.checkpointDir;
  if (ckpt !== undefined && opts.resume && existsSync(join(ckpt, "state.json"))) {
    const state = JSON.parse(readFileSync(join(ckpt, "state.json"), "utf8")) as CheckpointState;
    restoreModel(model, snapshotFromBytes(state.weightSpecs, readFileSync(join(ckpt, "last.bin"))));
    best = snapshotFromBytes(state.weightSpecs, readFileSync(join(ckpt, "best.bin")));
    const optState = tensorsOf(snapshotFromBytes(state.optimizerSpecs, readFileSync(join(ckpt, "optimizer.bin"))));
    await model.optimizer.setWeights(optState);
    ({ history, bestEpoch, bestValLoss, wait } = state);
    startEpoch = state.epoch + 1;
  }
  const resumedFromEpoch = startEpoch - 1;
  const yVal = Uint8Array.from(split.validation, (i) => y[i] ?? 0);
  const xVal = gatherRows(x, h.maxlen, split.validation, 0, split.validation.length);
  let stoppedEarly = wait >= h.patience;
  let ranThisCall = 0;
  for (let epoch = startEpoch; epoch <= h.epochs && !stoppedEarly; epoch++) {
    if (opts.maxEpochsThisRun !== undefined && ranThisCall >= opts.maxEpochsThisRun) break;
    const t0 = performance.now();
    const order = permutation(split.train.length, h.seed * 1000 + epoch);
    const rows = Uint32Array.from(order, (i) => split.train[i] ?? 0);
    const batches = Math.ceil(rows.length / h.batchSize);
    let lossSum = 0;
    let accSum = 0;
    for (let b = 0; b < batches; b++) {
      const from = b * h.batchSize;
      const to = Math.min(rows.length, from + h.batchSize);
      const xs = tf.tensor2d(gatherRows(x, h.maxlen, rows, from, to), [to - from, h.maxlen], "int32");
      const ys = tf.tensor2d(
        Float32Array.from(rows.subarray(from, to), (r) => y[r] ?? 0),
        [to - from, 1],
      );
      const [loss, acc] = (await model.trainOnBatch(xs, ys)) as number[];
      xs.dispose();
      ys.dispose();
      lossSum += (loss ?? 0) * (to - from);
      accSum += (acc ?? 0) * (to - from);
      opts.onBatch?.({ epoch, batch: b + 1, batches, loss: lossSum / to, accuracy: accSum / to });
    }
    const val = predictPadded(model, xVal, h.maxlen);
    let valLoss = 0;
    let valCorrect = 0;
    val.forEach((p, i) => {
      valLoss += bce(yVal[i] ?? 0, p);
      if (p >= 0.5 === (yVal[i] === 1)) valCorrect++;
    });
    const nVal = Math.max(1, val.length);
    const report: SeedEpochReport = {
      epoch,
      loss: lossSum / rows.length,
      accuracy: accSum / rows.length,
      valLoss: valLoss / nVal,
      valAccuracy: valCorrect / nVal,
      durationS: (performance.now() - t0) / 1000,
    };
    history.push(report);
    if (report.valLoss < bestValLoss) {
      bestValLoss = report.valLoss;
      bestEpoch = epoch;
      wait = 0;
      best = modelSnapshot(model);
    } else if (++wait >= h.patience) stoppedEarly = true;
    opts.onEpoch?.(report);
    if (ckpt !== undefined) {
      const last = modelSnapshot(model);
      const optNamed = await model.optimizer.getWeights();
      const opt = snapshot(optNamed);
      writeCheckpoint(
        ckpt,
        { epoch, history, bestEpoch, bestValLoss, wait, weightSpecs: last.specs, optimizerSpecs: opt.specs },
        snapshotBytes(last),
        snapshotBytes(best),
        snapshotBytes(opt),
      );
    }
    ranThisCall++;
  }
  const finished = stoppedEarly || history.length >= h.epochs;
  if (finished && bestEpoch > 0) restoreModel(model, best);
  return { model, history, bestEpoch, stoppedEarly, finished, resumedFromEpoch };
}

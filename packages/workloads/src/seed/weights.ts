import { tf } from "./backend.js";

export interface WeightSpec {
  readonly name: string;
  readonly shape: number[];
}

/** A copy of some tensors' values, detached from tfjs memory. */
export interface WeightSnapshot {
  readonly specs: WeightSpec[];
  readonly data: Float32Array;
}

export function snapshot(named: readonly { name: string; tensor: tf.Tensor }[]): WeightSnapshot {
  const total = named.reduce((s, n) => s + n.tensor.size, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const n of named) {
    data.set(n.tensor.dataSync() as Float32Array, at);
    at += n.tensor.size;
  }
  return { specs: named.map((n) => ({ name: n.name, shape: [...n.tensor.shape] })), data };
}

export function modelSnapshot(model: tf.LayersModel): WeightSnapshot {
  const values = model.getWeights();
  return snapshot(model.weights.map((w, i) => ({ name: w.originalName, tensor: values[i] as tf.Tensor })));
}

/** Tensors of a snapshot, in order (the caller owns and disposes them). */
export function tensorsOf(s: WeightSnapshot): { name: string; tensor: tf.Tensor }[] {
  let at = 0;
  return s.specs.map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(s.data.subarray(at, at + size), spec.shape, "float32");
    at += size;
    return { name: spec.name, tensor };
  });
}

export function restoreModel(model: tf.LayersModel, s: WeightSnapshot): void {
  const ts = tensorsOf(s);
  if (ts.length !== model.weights.length) throw new Error(`snapshot has ${ts.length} tensors, the model ${model.weights.length}`);
  model.setWeights(ts.map((t) => t.tensor));
  for (const t of ts) t.tensor.dispose();
}

export function snapshotBytes(s: WeightSnapshot): Uint8Array {
  return new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength);
}

export function snapshotFromBytes(specs: WeightSpec[], bytes: Uint8Array): WeightSnapshot {
  const copy = bytes.slice();
  return { specs, data: new Float32Array(copy.buffer, 0, copy.byteLength / 4) };
}

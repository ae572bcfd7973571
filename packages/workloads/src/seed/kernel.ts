import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";

interface BackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput?: (shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: ArrayLike<number>) => TensorInfo;
  makeTensorInfo?: (shape: number[], dtype: tf.DataType, values?: ArrayLike<number>) => TensorInfo;
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Plain scatter-add for `UnsortedSegmentSum` (the gradient of Embedding/gather): out[ids[i]] += x[i]. The wasm backend
 * has no such kernel and the CPU one materializes every segment's intermediates; this is one pass over `x`.
 * Ids outside [0, numSegments) are dropped, as TensorFlow does.
 */
export const scatterAddKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs["x"] as TensorInfo;
  const segmentIds = inputs["segmentIds"] as TensorInfo;
  const numSegments = Number((attrs as { numSegments?: number } | undefined)?.numSegments);
  const be = backend as unknown as BackendLike;
  const xv = be.readSync(x.dataId);
  const ids = be.readSync(segmentIds.dataId);
  const nIds = product(segmentIds.shape);
  const inner = nIds === 0 ? 0 : product(x.shape) / nIds;
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = x.dtype === "int32" ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < nIds; i++) {
    const s = ids[i] ?? -1;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) out[dst + k] = (out[dst + k] ?? 0) + (xv[src + k] ?? 0);
  }
  if (be.makeOutput) return be.makeOutput(outShape, x.dtype, undefined, out);
  if (be.makeTensorInfo) return be.makeTensorInfo(outShape, x.dtype, out);
  throw new Error(`backend cannot make outputs for UnsortedSegmentSum`);
};

const registered = new Set<string>();

/** Register the scatter-add kernel for the given backends (idempotent). */
export function registerScatterAdd(backends: readonly string[] = ["wasm"]): void {
  for (const backendName of backends) {
    if (registered.has(backendName)) continue;
    const config: KernelConfig = { kernelName: "UnsortedSegmentSum", backendName, kernelFunc: scatterAddKernel };
    if (tf.getKernel("UnsortedSegmentSum", backendName) !== undefined) tf.unregisterKernel("UnsortedSegmentSum", backendName);
    tf.registerKernel(config);
    registered.add(backendName);
  }
}

/**
 * The wasm BatchMatMul runs transposed operands (every matmul gradient has one) on a slow generic loop: ~6× slower
 * than XNNPACK's path. This wrapper transposes the operand explicitly (wasm Transpose kernel) and calls the stock
 * kernel without transpose flags. Same numbers, about half the time of an LSTM training step.
 */
export function registerTransposeFreeMatMul(): void {
  if (registered.has("wasm:BatchMatMul")) return;
  const stock = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (stock === undefined || transpose === undefined) return;
  const swapLast = (t: TensorInfo, backend: unknown): TensorInfo => {
    const rank = t.shape.length;
    const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    return transpose.kernelFunc({ inputs: { x: t }, backend: backend as never, attrs: { perm } }) as TensorInfo;
  };
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const a = inputs["a"] as TensorInfo;
    const b = inputs["b"] as TensorInfo;
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return stock.kernelFunc({ inputs, backend, ...(attrs ? { attrs } : {}) });
    const at = transposeA ? swapLast(a, backend) : a;
    const bt = transposeB ? swapLast(b, backend) : b;
    const out = stock.kernelFunc({ inputs: { a: at, b: bt }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    const be = backend as unknown as { disposeData(id: object): void };
    if (at !== a) be.disposeData(at.dataId);
    if (bt !== b) be.disposeData(bt.dataId);
    return out;
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...stock, kernelFunc });
  registered.add("wasm:BatchMatMul");
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Copy x[begin : begin + size] into a new tensor of `outShape` (same element count), reading the heap in place. */
function sliceInPlace(x: TensorInfo, b: number[], sz: number[], outShape: number[], backend: unknown): TensorInfo {
  const rank = x.shape.length;
  const be = backend as WasmBackendLike;
  const out = be.makeOutput(outShape, x.dtype);
  const src = be.typedArrayFromHeap(x); // views taken after makeOutput: allocation may grow the heap
  const dst = be.typedArrayFromHeap(out);
  if (dst.length === 0) return out;
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = (strides[i + 1] ?? 1) * (x.shape[i + 1] ?? 1);
  const run = sz[rank - 1] ?? 1;
  const idx = new Array<number>(Math.max(0, rank - 1)).fill(0);
  for (let o = 0; o < dst.length; o += run) {
    let off = b[rank - 1] ?? 0;
    for (let d = 0; d < rank - 1; d++) off += ((b[d] ?? 0) + (idx[d] ?? 0)) * (strides[d] ?? 1);
    dst.set(src.subarray(off, off + run), o);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d] = (idx[d] ?? 0) + 1;
      if ((idx[d] ?? 0) < (sz[d] ?? 1)) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * The wasm Slice and Unpack kernels copy their whole input out of the wasm heap for every slice, so unstacking an
 * LSTM input of T steps copies it T times (quadratic in the sequence length). These read the heap in place.
 */
export function registerInPlaceSlice(): void {
  if (registered.has("wasm:Slice")) return;
  const stockSlice = tf.getKernel("Slice", "wasm");
  const stockUnpack = tf.getKernel("Unpack", "wasm");
  if (stockSlice === undefined || stockUnpack === undefined) return;
  const plain = (t: TensorInfo): boolean => t.dtype === "float32" || t.dtype === "int32" || t.dtype === "bool";
  const slice: KernelFunc = ({ inputs, backend, attrs }) => {
    const x = inputs["x"] as TensorInfo;
    if (!plain(x)) return stockSlice.kernelFunc({ inputs, backend, ...(attrs ? { attrs } : {}) });
    const { begin, size } = attrs as { begin: number | number[]; size: number | number[] };
    const rank = x.shape.length;
    const b = typeof begin === "number" ? [begin] : [...begin];
    while (b.length < rank) b.push(0);
    const sz = (typeof size === "number" ? [size] : [...size]).map((s, i) => (s === -1 ? (x.shape[i] ?? 0) - (b[i] ?? 0) : s));
    while (sz.length < rank) sz.push((x.shape[sz.length] ?? 0) - (b[sz.length] ?? 0));
    return sliceInPlace(x, b, sz, sz, backend);
  };
  const unpack: KernelFunc = ({ inputs, backend, attrs }) => {
    const value = inputs["value"] as TensorInfo;
    if (!plain(value)) return stockUnpack.kernelFunc({ inputs, backend, ...(attrs ? { attrs } : {}) });
    const rank = value.shape.length;
    let axis = (attrs as { axis: number }).axis;
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const sz = value.shape.map((d, i) => (i === axis ? 1 : d));
    return Array.from({ length: value.shape[axis] ?? 0 }, (_, k) => {
      const b = value.shape.map((_, i) => (i === axis ? k : 0));
      return sliceInPlace(value, b, sz, outShape, backend);
    });
  };
  tf.unregisterKernel("Slice", "wasm");
  tf.registerKernel({ ...stockSlice, kernelFunc: slice });
  tf.unregisterKernel("Unpack", "wasm");
  tf.registerKernel({ ...stockUnpack, kernelFunc: unpack });
  registered.add("wasm:Slice");
}

/**
 * tfjs clones every tensor it saves for the backward pass through the Identity kernel, which on wasm copies the data.
 * Tensors are immutable, so the clone can share the data with a reference count, as the CPU and WebGL backends do.
 */
export function registerSharedIdentity(): void {
  if (registered.has("wasm:Identity")) return;
  const stock = tf.getKernel("Identity", "wasm");
  if (stock === undefined) return;
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const x = inputs["x"] as TensorInfo;
    if (x.dtype === "string") return stock.kernelFunc({ inputs, backend, ...(attrs ? { attrs } : {}) });
    (backend as unknown as { incRef(id: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({ ...stock, kernelFunc });
  registered.add("wasm:Identity");
}

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerInPlaceSlice, registerScatterAdd, registerSharedIdentity, registerTransposeFreeMatMul } from "./kernel.js";

let ready: Promise<void> | undefined;

/**
 * Switch tfjs to the wasm backend (SIMD, one thread) with the scatter-add kernel and, unless `stockKernels` (for
 * benchmarks), the faster MatMul/Slice/Unpack/Identity kernels; the first call decides.
 */
export function useWasm(options: { stockKernels?: boolean } = {}): Promise<void> {
  ready ??= (async () => {
    registerScatterAdd(["wasm"]);
    if (!options.stockKernels) {
      registerTransposeFreeMatMul();
      registerInPlaceSlice();
      registerSharedIdentity();
    }
    const ok = await tf.setBackend("wasm");
    if (!ok) throw new Error("tfjs wasm backend failed to initialize");
    await tf.ready();
  })();
  return ready;
}

export { tf };

/** Run `fn` with tfjs' advice lines (the tfjs-node banner, the orthogonal-initializer note) kept off the console. */
export function quietly<T>(fn: () => T): T {
  const warn = console.warn;
  const log = console.log;
  const noisy = /tfjs-node|Orthogonal initializer|looks like you are running TensorFlow\.js|^=+$/;
  console.warn = (...args: unknown[]) => (noisy.test(String(args[0])) ? undefined : warn(...args));
  console.log = (...args: unknown[]) => (noisy.test(String(args[0])) ? undefined : log(...args));
  try {
    return fn();
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

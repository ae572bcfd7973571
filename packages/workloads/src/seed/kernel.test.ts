import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./backend.js";

/** The stock CPU kernel (not overridden: only wasm gets the scatter-add) versus ours on wasm, on small inputs. */
async function both(x: number[], shape: number[], ids: number[], numSegments: number): Promise<{ stock: number[]; ours: number[] }> {
  await tf.setBackend("cpu");
  const stock = Array.from(tf.unsortedSegmentSum(tf.tensor(x, shape), tf.tensor1d(ids, "int32"), numSegments).dataSync());
  await useWasm();
  await tf.setBackend("wasm");
  const ours = Array.from(tf.unsortedSegmentSum(tf.tensor(x, shape), tf.tensor1d(ids, "int32"), numSegments).dataSync());
  return { stock, ours };
}

describe("scatter-add UnsortedSegmentSum kernel", () => {
  it("matches the stock CPU kernel on 1-D, 2-D and 3-D inputs with repeated and unused segments", async () => {
    const cases: [number[], number[], number[], number][] = [
      [[1, 2, 3, 4, 5], [5], [0, 2, 0, 4, 2], 6],
      [Array.from({ length: 12 }, (_, i) => i * 0.5 - 2), [4, 3], [3, 0, 3, 1], 5],
      [Array.from({ length: 24 }, (_, i) => Math.sin(i)), [3, 2, 4], [1, 1, 0], 3],
    ];
    for (const [x, shape, ids, n] of cases) {
      const { stock, ours } = await both(x, shape, ids, n);
      expect(ours.length).toBe(stock.length);
      ours.forEach((v, i) => expect(v).toBeCloseTo(stock[i] ?? NaN, 6));
    }
  });

  it("gives the Embedding gradient on wasm that the CPU backend gives", async () => {
    const grads: number[][] = [];
    for (const backend of ["cpu", "wasm"]) {
      if (backend === "wasm") await useWasm();
      await tf.setBackend(backend);
      const table = tf.variable(
        tf.tensor2d(
          Array.from({ length: 20 }, (_, i) => i / 10),
          [10, 2],
        ),
      );
      const ids = tf.tensor1d([1, 7, 1, 3, 9, 7, 7], "int32");
      const { grads: g } = tf.variableGrads(() => tf.gather(table, ids).square().sum() as tf.Scalar, [table]);
      grads.push(Array.from(Object.values(g)[0]?.dataSync() ?? []));
      table.dispose();
    }
    const [cpu, wasm] = grads;
    expect(wasm?.length).toBe(20);
    wasm?.forEach((v, i) => expect(v).toBeCloseTo(cpu?.[i] ?? NaN, 5));
    // row 7 is gathered three times: gradient 3 · 2 · value
    expect(wasm?.[14]).toBeCloseTo(3 * 2 * 1.4, 5);
  });

  it("the transpose-free MatMul and the in-place Slice/Unpack give the stock CPU kernels' numbers", async () => {
    const run = async (backend: string): Promise<number[][]> => {
      if (backend === "wasm") await useWasm();
      await tf.setBackend(backend);
      const a = tf.tensor(
        Array.from({ length: 24 }, (_, i) => Math.cos(i)),
        [2, 3, 4],
      );
      const b = tf.tensor(
        Array.from({ length: 30 }, (_, i) => Math.sin(i * 0.7)),
        [2, 3, 5],
      );
      const m = tf.tensor(
        Array.from({ length: 12 }, (_, i) => i - 5),
        [4, 3],
      );
      const out = [
        tf.matMul(a, b, true, false), // [2,4,5]
        tf.matMul(b, a, true, false), // [2,5,4]
        tf.matMul(m, m, false, true), // [4,4]
        tf.matMul(m, m, true, false), // [3,3]
        tf.slice(a, [1, 1, 1], [1, 2, 2]),
        tf.slice(a, [0, 2], [-1, 1]),
        tf.slice(tf.tensor1d([1, 2, 3, 4, 5], "int32"), 2, 2),
        ...tf.unstack(a, 1),
        (() => {
          // a clone shares data with its source on wasm: disposing the source must leave the clone readable
          const src = tf.tensor([1.5, -2, 3], [3]);
          const copy = tf.clone(src);
          src.dispose();
          return copy;
        })(),
        ...tf.unstack(a, 2),
      ];
      return out.map((t) => [...t.shape, ...Array.from(t.dataSync())]);
    };
    const cpu = await run("cpu");
    const wasm = await run("wasm");
    expect(wasm.length).toBe(cpu.length);
    wasm.forEach((row, i) => {
      expect(row.length).toBe(cpu[i]?.length);
      row.forEach((v, j) => expect(v).toBeCloseTo(cpu[i]?.[j] ?? NaN, 5));
    });
  });
});

import { describe, expect, it } from "vitest";
import { DynamicBatcher } from "./batcher.js";

describe("dynamic batcher", () => {
  it("groups concurrent requests into batches of at most maxBatchSize and returns each its own results", async () => {
    const sizes: number[] = [];
    const b = new DynamicBatcher<number, number>(
      (xs) => {
        sizes.push(xs.length);
        return xs.map((x) => x * 10);
      },
      { maxBatchSize: 4, maxQueueDelayMs: 20 },
    );
    const results = await Promise.all([b.submit([1]), b.submit([2, 3]), b.submit([4, 5, 6]), b.submit([7])]);
    expect(results).toEqual([[10], [20, 30], [40, 50, 60], [70]]);
    expect(sizes.every((s) => s <= 4)).toBe(true);
    expect(sizes.reduce((a, c) => a + c, 0)).toBe(7);
    expect(sizes.length).toBeLessThan(4); // fewer model calls than requests
    expect(b.stats()).toEqual({ batches: sizes.length, items: 7 });
  });

  it("runs each request alone when batching is off, and passes model errors to the requests of the batch", async () => {
    const sizes: number[] = [];
    const off = new DynamicBatcher<number, number>((xs) => (sizes.push(xs.length), xs), { maxBatchSize: 100, maxQueueDelayMs: 0 });
    await Promise.all([off.submit([1, 2]), off.submit([3])]);
    expect(sizes[0]).toBe(2);
    const failing = new DynamicBatcher<number, number>(
      () => {
        throw new Error("boom");
      },
      { maxBatchSize: 2, maxQueueDelayMs: 1 },
    );
    await expect(failing.submit([1])).rejects.toThrow("boom");
    expect(await failing.submit([])).toEqual([]);
  });
});

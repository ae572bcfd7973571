import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SortedWindow, median, normalTail, squash } from "./stats.js";

describe("numeric helpers", () => {
  it("SortedWindow keeps the median and MAD of the last values exactly like a full sort", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 80 }),
        (cap, xs) => {
          const w = new SortedWindow(cap);
          xs.forEach((x, i) => {
            w.push(x);
            const last = xs.slice(Math.max(0, i + 1 - cap), i + 1);
            const m = median(last);
            expect(w.median()).toBe(m);
            expect(w.medianAbsDeviation(m)).toBe(median(last.map((v) => Math.abs(v - m))));
          });
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it("has a normal tail and a non-saturating squash", () => {
    expect(normalTail(0)).toBeCloseTo(0.5, 6);
    expect(normalTail(1.959964)).toBeCloseTo(0.025, 5);
    expect(squash(30)).toBeLessThan(squash(60));
    expect(squash(60)).toBeLessThan(1);
    expect(squash(-3)).toBe(0.5);
  });
});

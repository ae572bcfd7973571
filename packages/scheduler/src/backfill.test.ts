import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Availability } from "./backfill.js";

describe("Availability", () => {
  it("earliest() equals a brute-force scan over every breakpoint, after any reservations", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.record({ endS: fc.integer({ min: 0, max: 500 }), gpus: fc.integer({ min: 1, max: 4 }) }), { maxLength: 12 }),
        fc.array(
          fc.record({ at: fc.integer({ min: 0, max: 500 }), dur: fc.integer({ min: 1, max: 200 }), gpus: fc.integer({ min: 1, max: 3 }) }),
          { maxLength: 4 },
        ),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 300 }),
        (freeNow, ends, takes, gpus, dur) => {
          const av = new Availability(0, freeNow, ends);
          for (const t of takes) av.take(t.at, t.at + t.dur, t.gpus);
          const candidates = [0, ...ends.map((e) => e.endS), ...takes.flatMap((t) => [t.at, t.at + t.dur])].sort((a, b) => a - b);
          const brute = candidates.find((t) => av.minFree(t, t + dur) >= gpus) ?? Infinity;
          expect(av.earliest(gpus, dur)).toBe(brute);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it("minFree() equals the minimum of the timeline rebuilt by hand over [start, end)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.record({ endS: fc.integer({ min: 0, max: 500 }), gpus: fc.integer({ min: 1, max: 4 }) }), { maxLength: 12 }),
        fc.array(
          fc.record({ at: fc.integer({ min: 0, max: 500 }), dur: fc.integer({ min: 1, max: 200 }), gpus: fc.integer({ min: 1, max: 3 }) }),
          { maxLength: 4 },
        ),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 1, max: 300 }),
        (freeNow, ends, takes, start, dur) => {
          const av = new Availability(0, freeNow, ends);
          for (const t of takes) av.take(t.at, t.at + t.dur, t.gpus);
          const freeAt = (t: number): number =>
            freeNow +
            ends.filter((e) => e.endS <= t).reduce((a, e) => a + e.gpus, 0) -
            takes.filter((x) => x.at <= t && t < x.at + x.dur).reduce((a, x) => a + x.gpus, 0);
          const points = [start, ...ends.map((e) => e.endS), ...takes.flatMap((t) => [t.at, t.at + t.dur])].filter(
            (t) => t >= start && t < start + dur,
          );
          expect(av.minFree(start, start + dur)).toBe(Math.min(...points.map(freeAt)));
        },
      ),
      { numRuns: 500, seed: 11 },
    );
  });
});

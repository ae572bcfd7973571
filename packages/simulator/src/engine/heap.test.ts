import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EventHeap } from "./heap.js";

describe("EventHeap", () => {
  it("pops by (time, priority, seq) for any insertion order", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3 })), { maxLength: 200 }), (items) => {
        const h = new EventHeap();
        items.forEach(([t, p], i) => h.push({ timeS: t, priority: p, type: "tick", jobIndex: i, token: 0 }));
        const out: number[] = [];
        while (h.size > 0) out.push(h.pop()?.jobIndex ?? -1);
        const expected = items
          .map(([t, p], i) => ({ t, p, i }))
          .sort((a, b) => a.t - b.t || a.p - b.p || a.i - b.i)
          .map((x) => x.i);
        expect(out).toEqual(expected);
      }),
    );
  });
});

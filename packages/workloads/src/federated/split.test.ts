import { describe, expect, it } from "vitest";
import { labelSkewSplit, positiveShares, sampleDirichlet, sourceSplit } from "./split.js";
import { mulberry32 } from "../data/split.js";

const labels = Uint8Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? 1 : 0));

describe("non-IID splits", () => {
  it("label skew: a partition of every row, skewed at small alpha, near balanced at large alpha", () => {
    const skew = labelSkewSplit(labels, { sites: 10, alpha: 0.1, seed: 1, minRows: 10 });
    const all = skew.sites.flatMap((s) => Array.from(s)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    const shares = positiveShares(labels, skew);
    expect(shares.filter((p) => p < 0.1 || p > 0.9).length).toBeGreaterThanOrEqual(3);
    const iid = positiveShares(labels, labelSkewSplit(labels, { sites: 10, alpha: 1000, seed: 1 }));
    for (const p of iid) expect(Math.abs(p - 0.5)).toBeLessThan(0.1);
  });

  it("label skew is deterministic under a seed and changes with it", () => {
    const a = labelSkewSplit(labels, { sites: 5, alpha: 0.5, seed: 3 });
    const b = labelSkewSplit(labels, { sites: 5, alpha: 0.5, seed: 3 });
    const c = labelSkewSplit(labels, { sites: 5, alpha: 0.5, seed: 4 });
    expect(a.sites.map((s) => Array.from(s))).toEqual(b.sites.map((s) => Array.from(s)));
    expect(a.sites.map((s) => s.length)).not.toEqual(c.sites.map((s) => s.length));
  });

  it("Dirichlet draws sum to 1 and have the right mean", () => {
    const rand = mulberry32(9);
    let first = 0;
    for (let t = 0; t < 2000; t++) {
      const p = sampleDirichlet(4, 0.3, rand);
      expect(Math.abs(p.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-9);
      first += p[0]!;
    }
    expect(Math.abs(first / 2000 - 0.25)).toBeLessThan(0.03);
  });

  it("by source: every source on exactly one site, sizes balanced", () => {
    const keys = Array.from({ length: 900 }, (_, i) => `src${i % 9}`);
    const split = sourceSplit(keys, 3);
    const where = new Map<string, Set<number>>();
    split.sites.forEach((rows, k) => rows.forEach((i) => where.set(keys[i]!, (where.get(keys[i]!) ?? new Set()).add(k))));
    for (const sites of where.values()) expect(sites.size).toBe(1);
    expect(split.sites.map((s) => s.length)).toEqual([300, 300, 300]);
  });

  it("bad input names the field", () => {
    expect(() => labelSkewSplit(labels, { sites: 1, alpha: 1, seed: 1 })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: "sites" })] }),
    );
    expect(() => labelSkewSplit(labels, { sites: 3, alpha: 0, seed: 1 })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: "alpha" })] }),
    );
    expect(() => sourceSplit(["a", "a", "b"], 3)).toThrow(/Cannot split/);
  });
});

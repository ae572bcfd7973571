import { describe, expect, it } from "vitest";
import {
  SecureSum,
  decodeFixed,
  encodeFixed,
  expandMask,
  exportPrivateKey,
  generateSiteKeys,
  importSiteKeys,
  maskUpdate,
  pairSecret,
  revealPairMask,
} from "./secagg.js";
import { mulberry32 } from "../data/split.js";

const DIM = 4096;
const FRAC = 16;

function plainUpdates(n: number): Float64Array[] {
  const rand = mulberry32(3);
  // sparse-looking updates: most entries 0, some small values (what a site's model delta looks like)
  return Array.from({ length: n }, () => Float64Array.from({ length: DIM }, () => (rand() < 0.2 ? (rand() - 0.5) * 0.2 : 0)));
}

function setup(n: number) {
  const keys = Array.from({ length: n }, (_, i) => generateSiteKeys(i));
  const peers = new Map(keys.map((k) => [k.site, k.publicKey] as const));
  return { keys, peers };
}

describe("secure aggregation with pairwise masks", () => {
  it("both sides of a pair derive the same secret, and different rounds give independent masks", () => {
    const [a, b] = [generateSiteKeys(0), generateSiteKeys(1)];
    expect(Buffer.from(pairSecret(a, b.publicKey)).equals(Buffer.from(pairSecret(b, a.publicKey)))).toBe(true);
    const s = pairSecret(a, b.publicKey);
    const m1 = expandMask(s, "run/round-1", 64);
    const m2 = expandMask(s, "run/round-2", 64);
    expect(Array.from(m1)).not.toEqual(Array.from(m2));
    expect(Array.from(expandMask(s, "run/round-1", 64))).toEqual(Array.from(m1));
  });

  it("the coordinator's sum of masked updates equals the exact sum of the encoded updates", () => {
    const { keys, peers } = setup(5);
    const updates = plainUpdates(5);
    const encoded = updates.map((u) => encodeFixed(u, FRAC, 5));
    const sum = new SecureSum(DIM, new Set([0, 1, 2, 3, 4]));
    keys.forEach((k, i) => sum.add(i, maskUpdate(k, encoded[i]!, peers, "r1")));
    const got = sum.result();
    const exact = new Uint32Array(DIM);
    for (const e of encoded) for (let j = 0; j < DIM; j++) exact[j] = (exact[j]! + e[j]!) >>> 0;
    expect(Array.from(got)).toEqual(Array.from(exact)); // bit-exact, not approximately
    const decoded = decodeFixed(got, FRAC);
    for (let j = 0; j < DIM; j += 97) {
      const truth = updates.reduce((s, u) => s + u[j]!, 0);
      expect(Math.abs(decoded[j]! - truth)).toBeLessThanOrEqual((5 * 0.5) / 2 ** FRAC + 1e-12);
    }
  });

  it("a single masked update reveals nothing useful: uniform-looking words, uncorrelated with the update", () => {
    const { keys, peers } = setup(3);
    const update = plainUpdates(1)[0]!;
    const masked = maskUpdate(keys[1]!, encodeFixed(update, FRAC, 3), peers, "r1");
    // the plaintext is 80 % zeros; the masked vector's top bytes are spread evenly over 256 values (chi-square)
    const counts = new Array<number>(256).fill(0);
    for (const w of masked) counts[w >>> 24]!++;
    const expected = DIM / 256;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(340); // 255 degrees of freedom: the 99.9th percentile is ≈ 330.5
    expect(masked.filter((w) => w === 0).length).toBeLessThan(5);
    // decoding the masked vector as if it were the update gives values unrelated to it
    const decoded = decodeFixed(masked, FRAC);
    let sxy = 0,
      sxx = 0,
      syy = 0;
    const mx = update.reduce((s, x) => s + x, 0) / DIM;
    const my = decoded.reduce((s, y) => s + y, 0) / DIM;
    for (let j = 0; j < DIM; j++) {
      sxy += (update[j]! - mx) * (decoded[j]! - my);
      sxx += (update[j]! - mx) ** 2;
      syy += (decoded[j]! - my) ** 2;
    }
    expect(Math.abs(sxy / Math.sqrt(sxx * syy))).toBeLessThan(0.1);
    // and the zero entries of the update are not recognisable in the masked vector
    const zeroIx = [...update.keys()].filter((j) => update[j] === 0);
    const zeroHits = zeroIx.filter((j) => masked[j] === 0).length;
    expect(zeroHits).toBeLessThan(3);
  });

  it("a dropped site's masks are removed with the survivors' reveals; its late update is refused", () => {
    const { keys, peers } = setup(4);
    const updates = plainUpdates(4);
    const encoded = updates.map((u) => encodeFixed(u, FRAC, 4));
    const sum = new SecureSum(DIM, new Set([0, 1, 2, 3]));
    for (const i of [0, 1, 3]) sum.add(i, maskUpdate(keys[i]!, encoded[i]!, peers, "r7"));
    expect(() => sum.result()).toThrow(/waiting for sites 2/);
    sum.markDropped([2]);
    for (const i of [0, 1, 3]) sum.removeMask(revealPairMask(keys[i]!, 2, keys[2]!.publicKey, "r7", DIM));
    const exact = new Uint32Array(DIM);
    for (const i of [0, 1, 3]) for (let j = 0; j < DIM; j++) exact[j] = (exact[j]! + encoded[i]![j]!) >>> 0;
    expect(Array.from(sum.result())).toEqual(Array.from(exact));
    expect(() => sum.add(2, maskUpdate(keys[2]!, encoded[2]!, peers, "r7"))).toThrow(/late update is refused/);
  });

  it("refuses duplicates, strangers, wrong sizes and values that could overflow the sum", () => {
    const sum = new SecureSum(8, new Set([0, 1]));
    sum.add(0, new Uint32Array(8));
    expect(() => sum.add(0, new Uint32Array(8))).toThrow(/sent twice/);
    expect(() => sum.add(5, new Uint32Array(8))).toThrow(/not in this round/);
    expect(() => sum.add(1, new Uint32Array(7))).toThrow(/sent 7 values/);
    expect(() => encodeFixed([1e9], FRAC, 2)).toThrow(/update\[0\]/);
    expect(() => encodeFixed([Number.NaN], FRAC, 2)).toThrow(/update\[0\]/);
  });

  it("a site's private key survives export and import (a site job keeps it between rounds)", () => {
    const a = generateSiteKeys(3);
    const b = generateSiteKeys(4);
    const again = importSiteKeys(3, exportPrivateKey(a));
    expect(Buffer.from(again.publicKey).equals(Buffer.from(a.publicKey))).toBe(true);
    expect(Buffer.from(pairSecret(again, b.publicKey)).equals(Buffer.from(pairSecret(b, a.publicKey)))).toBe(true);
  });
});

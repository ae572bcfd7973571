import { describe, expect, it } from "vitest";
import { PROFILES, makeSweep, normalise, optimiseThreshold, probationRows, scaledSigmoid, scoreFile, windowF1 } from "./scoring.js";

/** A detector output with 1 at the given rows and 0 elsewhere. */
function spikes(rows: number, at: readonly number[]): Float64Array {
  const s = new Float64Array(rows);
  for (const i of at) s[i] = 1;
  return s;
}

describe("NAB scoring", () => {
  const rows = 1000;
  const windows = [
    { startRow: 300, endRow: 399 },
    { startRow: 700, endRow: 799 },
  ];
  const sweep = makeSweep(rows, windows);

  it("uses NAB's probationary period: 15% of the rows, at most 750", () => {
    expect(probationRows(1000)).toBe(150);
    expect(probationRows(4032)).toBe(604);
    expect(probationRows(10320)).toBe(750);
  });

  it("has NAB's sigmoid: ≈0.987 at a window's left edge, 0 at its right edge, −1 far after", () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 4);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 4);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3)).toBe(-1);
  });

  it("scores the perfect detector 100 and the null detector 0 under every profile", () => {
    for (const p of Object.values(PROFILES)) {
      const perfect = scoreFile(sweep, spikes(rows, [300, 700]), 0.5, p);
      expect(normalise(perfect.raw, 2, p)).toBeCloseTo(100, 10);
      const none = scoreFile(sweep, spikes(rows, []), 0.5, p);
      expect(normalise(none.raw, 2, p)).toBe(0);
    }
  });

  it("rewards early detections more and counts only the best one per window", () => {
    const early = scoreFile(sweep, spikes(rows, [310]), 0.5, PROFILES.standard).raw;
    const late = scoreFile(sweep, spikes(rows, [390]), 0.5, PROFILES.standard).raw;
    const both = scoreFile(sweep, spikes(rows, [310, 320, 390]), 0.5, PROFILES.standard).raw;
    expect(early).toBeGreaterThan(late);
    expect(both).toBeCloseTo(early, 12);
  });

  it("charges each flagged row outside the windows, less right after a window, nothing in probation", () => {
    const fpFar = scoreFile(sweep, spikes(rows, [200]), 0.5, PROFILES.standard);
    expect(fpFar.raw).toBeCloseTo(-2 - 0.11, 12);
    expect(fpFar.fpRows).toBe(1);
    const fpNear = scoreFile(sweep, spikes(rows, [402]), 0.5, PROFILES.standard).raw;
    expect(fpNear).toBeGreaterThan(fpFar.raw);
    expect(scoreFile(sweep, spikes(rows, [10]), 0.5, PROFILES.standard).raw).toBe(-2);
    const lowFp = scoreFile(sweep, spikes(rows, [200]), 0.5, PROFILES.lowFp).raw;
    expect(lowFp).toBeCloseTo(-2 - 0.22, 12);
  });

  it("tunes one threshold over the corpus that maximises the summed score", () => {
    // scores: 0.9 at both window starts, 0.95 on ten rows outside windows; the best threshold excludes those
    const s = spikes(rows, []);
    s[300] = 0.9;
    s[700] = 0.9;
    for (let i = 500; i < 510; i++) s[i] = 0.95;
    const best = optimiseThreshold([{ sweep, scores: s }], PROFILES.standard);
    expect(best.threshold).toBe(0.9);
    expect(normalise(best.raw, 2, PROFILES.standard)).toBeLessThan(100);
    expect(scoreFile(sweep, s, best.threshold, PROFILES.standard).raw).toBeCloseTo(best.raw, 12);
    // with only two noisy rows the FP cost (0.22) is worth the two windows
    const cheap = spikes(rows, []);
    cheap[300] = 0.5;
    cheap[700] = 0.5;
    cheap[500] = 0.8;
    cheap[501] = 0.8;
    expect(optimiseThreshold([{ sweep, scores: cheap }], PROFILES.standard).threshold).toBe(0.5);
  });

  it("computes window precision, recall and F1 from counts", () => {
    expect(windowF1({ tp: 2, fn: 2, fp: 2 })).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(windowF1({ tp: 0, fn: 3, fp: 0 })).toEqual({ precision: 0, recall: 0, f1: 0 });
  });
});

import { describe, expect, it } from "vitest";
import { jobRetryDelayS, MAX_RETRY_DELAY_S, RETRY_JITTER, retryDelayS, unitFromString } from "./retry.js";

describe("retry backoff", () => {
  it("doubles with every retry from the base, exactly at the middle of the jitter band", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayS(10, n, 0.5))).toEqual([10, 20, 40, 80]);
  });

  it("spreads each delay by ±20 % of itself at the ends of the band", () => {
    expect(retryDelayS(10, 1, 0)).toBeCloseTo(8, 9);
    expect(retryDelayS(10, 3, 0.999999)).toBeCloseTo(48, 3);
    expect(RETRY_JITTER).toBe(0.2);
  });

  it("stops growing at the cap, and is 0 without a base (retry at once)", () => {
    expect(retryDelayS(60, 30, 0.5)).toBe(MAX_RETRY_DELAY_S);
    expect(retryDelayS(0, 5, 0.9)).toBe(0);
  });

  it("draws a job's jitter from its id and retry number: the same every time, different across jobs", () => {
    expect(jobRetryDelayS("j-1", 10, 2)).toBe(jobRetryDelayS("j-1", 10, 2));
    const spread = new Set(Array.from({ length: 50 }, (_, i) => jobRetryDelayS(`job-${i}`, 10, 1)));
    expect(spread.size).toBeGreaterThan(45);
    for (const d of spread) expect(d >= 8 && d < 12).toBe(true);
  });

  it("maps strings evenly enough onto [0, 1)", () => {
    const us = Array.from({ length: 2000 }, (_, i) => unitFromString(`x${i}`));
    expect(Math.min(...us)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...us)).toBeLessThan(1);
    const low = us.filter((u) => u < 0.5).length;
    expect(low).toBeGreaterThan(900);
    expect(low).toBeLessThan(1100);
  });
});

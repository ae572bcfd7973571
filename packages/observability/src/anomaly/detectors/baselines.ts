import { Ring, normalTail } from "../stats.js";
import type { Detector, DetectorContext } from "../types.js";

/**
 * "Bootstrap" static-threshold baseline: learns the value range during the probationary rows; then a
 * value outside that range (widened by `marginFraction` of its width) scores excess / (excess + 1),
 * the excess measured in range widths, so that a tuned threshold acts as a static limit.
 */
export function staticThreshold(ctx: DetectorContext, marginFraction = 0.1): Detector {
  let seen = 0;
  let lo = Infinity;
  let hi = -Infinity;
  return {
    update(_t, v) {
      if (seen < Math.max(1, ctx.probationRows)) {
        seen++;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        return 0;
      }
      const range = Math.max(hi - lo, 1e-9);
      const excess = Math.max(v - hi, lo - v, 0) / range;
      return excess <= marginFraction ? 0 : excess / (excess + 1);
    },
  };
}

/**
 * NAB's "windowed Gaussian" baseline, re-implemented: mean and standard deviation of the trailing
 * `windowSize` values; score = 1 − tail probability of the value under that Gaussian.
 */
export function windowedGaussian(_ctx: DetectorContext, windowSize = 6400): Detector {
  const ring = new Ring(windowSize);
  let sum = 0;
  let sumSq = 0;
  return {
    update(_t, v) {
      let score = 0;
      if (ring.size > 1) {
        const mean = sum / ring.size;
        const std = Math.sqrt(Math.max(0, sumSq / ring.size - mean * mean));
        score = std === 0 ? (v === mean ? 0.5 : 1) : 1 - normalTail(Math.abs(v - mean) / std);
      }
      const old = ring.push(v);
      sum += v;
      sumSq += v * v;
      if (old !== undefined) {
        sum -= old;
        sumSq -= old * old;
      }
      return score;
    },
  };
}

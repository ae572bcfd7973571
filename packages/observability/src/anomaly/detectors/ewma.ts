import { Ewm, SortedWindow, squash } from "../stats.js";
import type { Detector, DetectorContext } from "../types.js";

/** Scale floor so that a perfectly flat history does not turn every tiny wiggle into an alarm. */
export function scaleFloor(level: number, scale: number): number {
  return Math.max(scale, 1e-3 * Math.abs(level), 1e-9);
}

/**
 * EWMA detector: z = (x − EWMA mean) / EWMA std of the history before x; score = 1 − two-sided
 * normal tail of z. Residual z is also exposed for the ensemble.
 */
export class EwmaDetector implements Detector {
  private readonly ewm: Ewm;
  lastZ = 0;
  constructor(alpha = 0.02) {
    this.ewm = new Ewm(alpha);
  }
  update(_t: number, v: number): number {
    const z = this.ewm.n < 2 ? 0 : (v - this.ewm.mean) / scaleFloor(this.ewm.mean, this.ewm.std);
    this.ewm.update(v);
    this.lastZ = z;
    return squash(z);
  }
}

export function ewma(_ctx: DetectorContext, alpha = 0.02): Detector {
  return new EwmaDetector(alpha);
}

/**
 * Robust z-score: (x − median) / (1.4826 · MAD) over a trailing window; median and MAD are
 * refreshed every `refreshEvery` points to keep the cost low.
 */
export class RobustZDetector implements Detector {
  private readonly window: SortedWindow;
  private med = 0;
  private mad = 0;
  private sinceRefresh = Infinity;
  lastZ = 0;
  constructor(
    windowSize = 288,
    private readonly refreshEvery = 6,
  ) {
    this.window = new SortedWindow(windowSize);
  }
  update(_t: number, v: number): number {
    if (this.sinceRefresh >= this.refreshEvery && this.window.size > 2) {
      this.med = this.window.median();
      const vals = this.window.values();
      const meanAbsDev = vals.reduce((s, x) => s + Math.abs(x - this.med), 0) / vals.length;
      // MAD is 0 on quantised or mostly-flat data; fall back to the mean absolute deviation then
      this.mad = Math.max(1.4826 * this.window.medianAbsDeviation(this.med), 1.2533 * meanAbsDev);
      this.sinceRefresh = 0;
    }
    const z = this.window.size > 2 ? (v - this.med) / scaleFloor(this.med, this.mad) : 0;
    this.window.push(v);
    this.sinceRefresh++;
    this.lastZ = z;
    return squash(z);
  }
}

export function robustZ(_ctx: DetectorContext, windowSize = 288): Detector {
  return new RobustZDetector(windowSize);
}

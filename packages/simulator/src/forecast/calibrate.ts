import { SampleWindow, quantileFrom } from "../predict/band.js";

/** Seconds added to waits before taking logs (a start "now" has wait 0). */
const OFFSET_S = 60;

/**
 * Conformal calibration of start bands (conformalized quantile regression, in log-wait space):
 * for forecasts whose job has started since, it records how far the real start fell below the band's
 * low end and above its high end; a new band is widened (or narrowed) on each side by the 90th
 * percentile of those misses, so that about 80 % of real starts fall inside. Feed it only jobs that
 * have started: a live twin records each job's band when it forecasts it and calls observe() at its start.
 */
export class StartBandCalibrator {
  private readonly below: SampleWindow;
  private readonly above: SampleWindow;

  constructor(
    /** Matured forecasts remembered (the latest). */
    readonly window = 500,
    /** Matured forecasts needed before bands are adjusted. */
    readonly minCount = 50,
    /** Band coverage aimed at (split evenly between the two ends). */
    readonly coverage = 0.8,
  ) {
    this.below = new SampleWindow(window);
    this.above = new SampleWindow(window);
  }

  get count(): number {
    return this.below.count;
  }

  /** A job forecast at nowS with band [lo, hi] started at actualS. */
  observe(nowS: number, band: readonly [number, number], actualS: number): void {
    const y = logWait(nowS, actualS);
    this.below.add(logWait(nowS, band[0]) - y);
    this.above.add(y - logWait(nowS, band[1]));
  }

  /** The calibrated band (the raw one until minCount forecasts have matured). */
  adjust(nowS: number, band: readonly [number, number]): [number, number] {
    if (this.count < this.minCount) return [band[0], band[1]];
    const miss = (1 - this.coverage) / 2;
    // the conformal quantile: rank ⌈(n + 1)(1 − miss)⌉ of n
    const at = (w: SampleWindow): number => {
      const n = w.count;
      const q = Math.min(1, Math.ceil((n + 1) * (1 - miss)) / n);
      return quantileFrom(w.ascending(), 0, q);
    };
    const lo = Math.exp(logWait(nowS, band[0]) - at(this.below)) - OFFSET_S;
    const hi = Math.exp(logWait(nowS, band[1]) + at(this.above)) - OFFSET_S;
    return [nowS + Math.max(0, lo), nowS + Math.max(0, lo, hi)];
  }
}

function logWait(nowS: number, tS: number): number {
  return Math.log(Math.max(0, tS - nowS) + OFFSET_S);
}

import type { Detector, DetectorContext } from "../types.js";
import { CusumDetector } from "./changepoint.js";
import { EwmaDetector, RobustZDetector } from "./ewma.js";
import { Likelihood } from "./likelihood.js";
import { SeasonalDetector } from "./seasonal.js";

export interface EnsembleOptions {
  /** Rows after an alarm-level score during which the output is damped (one alarm per event). */
  readonly refractoryRows: number;
  /** If set, the refractory period is this long in time instead of `refractoryRows` samples. */
  readonly refractoryMs?: number;
  /** Score at which the ensemble considers that it raised an alarm (for the refractory period). */
  readonly alarmLevel: number;
  /** Rows during which the components learn before their scores feed the likelihood stage. */
  readonly componentWarmupRows: number;
  /** Anomaly-likelihood windows: short-term average and history, in rows. */
  readonly likelihoodShortRows: number;
  readonly likelihoodHistoryRows: number;
  readonly weights: { readonly robust: number; readonly ewma: number; readonly seasonal: number; readonly cusum: number };
}

export const DEFAULT_ENSEMBLE: EnsembleOptions = {
  refractoryRows: 200,
  alarmLevel: 0.5,
  componentWarmupRows: 0,
  likelihoodShortRows: 10,
  likelihoodHistoryRows: 4000,
  weights: { robust: 1, ewma: 1, seasonal: 1, cusum: 1 },
};

/**
 * Our best detector: robust z-score, EWMA, seasonal baseline and CUSUM run side by side; each
 * component's surprise goes through its own anomaly-likelihood stage, the ensemble takes the
 * weighted maximum, then damps its output for a refractory period after an alarm.
 */
export class EnsembleDetector implements Detector {
  private readonly robust = new RobustZDetector();
  private readonly ewma = new EwmaDetector(0.02);
  private readonly seasonal = new SeasonalDetector();
  private readonly cusum = new CusumDetector();
  private readonly like: Likelihood[];
  private sinceAlarm = Infinity;
  private alarmAtMs = -Infinity;
  private rows = 0;
  constructor(
    private readonly opts: EnsembleOptions = DEFAULT_ENSEMBLE,
    warmupRows = 300,
  ) {
    this.like = [0, 1, 2, 3].map(() => new Likelihood(opts.likelihoodShortRows, opts.likelihoodHistoryRows, warmupRows));
  }
  update(t: number, v: number): number {
    const w = this.opts.weights;
    const raws = [this.robust.update(t, v), this.ewma.update(t, v), this.seasonal.update(t, v), this.cusum.update(t, v)];
    const ws = [w.robust, w.ewma, w.seasonal, w.cusum];
    let score = 0;
    this.rows++;
    if (this.rows <= this.opts.componentWarmupRows) return 0; // components still learning: keep their noise out of the history
    raws.forEach((r, i) => {
      const l = this.like[i]?.update(r) ?? 0;
      score = Math.max(score, l * (ws[i] ?? 0));
    });
    score = Math.min(1, score);
    this.sinceAlarm++;
    const refractory =
      this.opts.refractoryMs !== undefined ? t - this.alarmAtMs <= this.opts.refractoryMs : this.sinceAlarm <= this.opts.refractoryRows;
    if (refractory) return score * 0.5;
    if (score >= this.opts.alarmLevel) {
      this.sinceAlarm = 0;
      this.alarmAtMs = t;
    }
    return score;
  }
}

/**
 * Warm-up follows the probationary period: the components learn for half of it (at most 300 rows),
 * the likelihood stage collects history for the rest (50 to 300 rows), so scoring starts in time.
 */
export function ensemble(ctx: DetectorContext, opts?: Partial<EnsembleOptions>): Detector {
  const componentWarmupRows = Math.min(300, Math.floor(ctx.probationRows / 2));
  const likelihoodRows = Math.max(50, Math.min(300, ctx.probationRows - componentWarmupRows));
  return new EnsembleDetector({ ...DEFAULT_ENSEMBLE, componentWarmupRows, ...opts }, likelihoodRows);
}

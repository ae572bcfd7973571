import { round, type ForecastGain, type Recommendation } from "./types.js";

/** The part of a what-if summary (POST /api/v1/whatif `before`/`after`) that decides a gain. */
export interface ForecastSummary {
  readonly pending: number;
  readonly meanDelayS: number;
  readonly neverStart: number;
}

export interface ForecastThresholds {
  /** A change gains when it saves at least this share of the mean wait… */
  readonly minGainPct: number;
  /** …and at least this many seconds (or lets a job start that would not start within the horizon). */
  readonly minGainS: number;
}
export const FORECAST_DEFAULTS: ForecastThresholds = { minGainPct: 1, minGainS: 1 };

export function forecastGain(before: ForecastSummary, after: ForecastSummary): ForecastGain {
  const gainS = before.meanDelayS - after.meanDelayS;
  return {
    pending: before.pending,
    meanDelayBeforeS: round(before.meanDelayS, 1),
    meanDelayAfterS: round(after.meanDelayS, 1),
    neverStartBefore: before.neverStart,
    neverStartAfter: after.neverStart,
    gainS: round(gainS, 1),
    gainPct: before.meanDelayS > 0 ? round((100 * gainS) / before.meanDelayS, 1) : 0,
    basis: `what-if forecast of the ${before.pending} job(s) pending now, before and after the change`,
  };
}

/** Whether a forecast shows a gain: fewer jobs left waiting beyond the horizon, or a shorter mean wait without leaving more. */
export function showsGain(g: ForecastGain, t: ForecastThresholds = FORECAST_DEFAULTS): boolean {
  if (g.neverStartAfter < g.neverStartBefore) return true;
  if (g.neverStartAfter > g.neverStartBefore) return false;
  return g.gainS >= t.minGainS && g.gainPct >= t.minGainPct;
}

/**
 * Recommendations after their proposed changes were forecast: a change whose forecast shows no gain is
 * dropped, the others carry the forecast. Recommendations without a change, or whose change could not be
 * forecast (`forecasts` has no entry: e.g. the scheduler has not made its first pass), are kept as they are;
 * so are changes forecast on an empty queue (nothing pending: the forecast cannot tell, the evidence stands).
 */
export function withForecasts(
  recs: readonly Recommendation[],
  forecasts: ReadonlyMap<string, { readonly before: ForecastSummary; readonly after: ForecastSummary }>,
  t: ForecastThresholds = FORECAST_DEFAULTS,
): Recommendation[] {
  const out: Recommendation[] = [];
  for (const r of recs) {
    const f = r.change === undefined ? undefined : forecasts.get(r.id);
    if (f === undefined) {
      out.push(r);
      continue;
    }
    const forecast = forecastGain(f.before, f.after);
    if (f.before.pending === 0 || showsGain(forecast, t)) out.push({ ...r, forecast });
  }
  return out;
}

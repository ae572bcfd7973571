import type { TwinPending } from "@aidc/simulator";
import type { ForecastWire, Summary } from "./types.js";

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const a = sorted[lo] ?? 0;
  return a + ((sorted[Math.min(sorted.length - 1, lo + 1)] ?? a) - a) * (pos - lo);
}

/** Time-weighted mean utilization over [fromS, fromS + spanS] of a step series (each point holds until the next). */
export function meanUtilization(series: ForecastWire["utilization"], fromS: number, spanS: number): number {
  const toS = fromS + spanS;
  let sum = 0;
  let covered = 0;
  series.forEach((p, i) => {
    const next = series[i + 1]?.tS ?? (i > 0 ? p.tS + (p.tS - (series[i - 1]?.tS ?? p.tS)) : toS);
    const a = Math.max(fromS, p.tS);
    const b = Math.min(toS, next);
    if (b > a) {
      sum += p.ratio * (b - a);
      covered += b - a;
    }
  });
  return covered > 0 ? sum / covered : 0;
}

/**
 * The queue as a forecast sees it: pending jobs, their queue delay (forecast start − submission; jobs
 * that do not start within the horizon are counted apart) and the utilization of the next hours.
 */
export function summarize(pending: readonly TwinPending[], f: ForecastWire, nowS: number): Summary {
  const starts = new Map(f.jobs.map((j) => [j.jobId, j.startS]));
  const delays: number[] = [];
  let never = 0;
  for (const p of pending) {
    const s = starts.get(p.job.id);
    if (s === undefined) never++;
    else delays.push(Math.max(0, s - Math.min(p.job.submitS, nowS)));
  }
  delays.sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    pending: pending.length,
    meanDelayS: round(delays.length > 0 ? delays.reduce((a, b) => a + b, 0) / delays.length : 0),
    p50DelayS: round(quantile(delays, 0.5)),
    p90DelayS: round(quantile(delays, 0.9)),
    maxDelayS: round(delays.at(-1) ?? 0),
    utilizationNext1h: Math.round(meanUtilization(f.utilization, nowS, 3600) * 1000) / 1000,
    utilizationNext6h: Math.round(meanUtilization(f.utilization, nowS, 6 * 3600) * 1000) / 1000,
    neverStart: never,
  };
}

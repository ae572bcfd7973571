import { StartBandCalibrator, type JobForecast } from "@aidc/simulator";
import type { TwinView } from "./types.js";

const MAX_TRACKED = 100_000;

/**
 * Calibrated start bands for the live twin: the band each job got when the twin first forecast it is
 * remembered; when the job starts, the conformal calibrator learns how far off the band was, and every
 * new band is widened or narrowed so that about 80 % of real starts fall inside.
 */
export class LiveBands {
  private readonly calibrator = new StartBandCalibrator();
  private readonly first = new Map<string, { readonly nowS: number; readonly band: readonly [number, number] }>();

  /** Started jobs that taught the calibrator so far. */
  get matured(): number {
    return this.calibrator.count;
  }

  /** Learn from the jobs that started since the last forecast, then calibrate this forecast's bands. */
  update(view: TwinView, jobs: readonly JobForecast[], nowS: number): JobForecast[] {
    for (const r of view.running) {
      const seen = this.first.get(r.id);
      if (seen === undefined) continue;
      this.calibrator.observe(seen.nowS, seen.band, r.startS);
      this.first.delete(r.id);
    }
    // jobs no longer waiting (cancelled, or started and seen above) are forgotten
    const waiting = new Set(view.pending.map((p) => p.id));
    for (const id of this.first.keys()) if (!waiting.has(id)) this.first.delete(id);
    return jobs.map((j) => {
      if (j.startBandS === undefined || j.startS === undefined) return j;
      if (!this.first.has(j.jobId) && this.first.size < MAX_TRACKED) this.first.set(j.jobId, { nowS, band: j.startBandS });
      const [lo, hi] = this.calibrator.adjust(nowS, j.startBandS);
      return { ...j, startBandS: [Math.min(lo, j.startS), Math.max(hi, j.startS)] as const };
    });
  }
}

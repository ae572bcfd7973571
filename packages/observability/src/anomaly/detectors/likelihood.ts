import { Ring, normalTail } from "../stats.js";

/**
 * Anomaly likelihood (after Numenta's HTM post-processing): how unusual the short-term average of
 * raw scores is compared with the distribution of that average over a long history. Returns a
 * log-scaled likelihood in [0, 1] (0.5 ≈ 1 − 1e-5 likelihood).
 */
export class Likelihood {
  private readonly short: Ring;
  private readonly history: Ring;
  private shortSum = 0;
  private sum = 0;
  private sumSq = 0;
  constructor(
    shortWindow = 10,
    historyWindow = 4000,
    private readonly minHistory = 300,
  ) {
    this.short = new Ring(shortWindow);
    this.history = new Ring(historyWindow);
  }
  update(raw: number): number {
    const dropped = this.short.push(raw);
    this.shortSum += raw - (dropped ?? 0);
    const avg = this.shortSum / this.short.size;
    let out = 0;
    if (this.history.size >= this.minHistory) {
      const n = this.history.size;
      const mean = this.sum / n;
      const std = Math.max(Math.sqrt(Math.max(0, this.sumSq / n - mean * mean)), 1e-4);
      const likelihood = 1 - normalTail((avg - mean) / std);
      out = Math.min(1, Math.log(1.0000000001 - likelihood) / Math.log(1.0000000001 - 0.9999999999));
    }
    const old = this.history.push(avg);
    this.sum += avg - (old ?? 0);
    this.sumSq += avg * avg - (old ?? 0) * (old ?? 0);
    return Math.max(0, out);
  }
}

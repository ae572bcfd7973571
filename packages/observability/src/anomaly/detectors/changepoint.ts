import { Ewm } from "../stats.js";
import type { Detector, DetectorContext } from "../types.js";
import { scaleFloor } from "./ewma.js";

/**
 * Two-sided CUSUM change-point detector on values standardised by a slow EWMA baseline.
 * S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k); score = 1 − exp(−max(S⁺, S⁻) / h).
 * When a statistic crosses `h` the change is accepted: the baseline restarts from the new level.
 */
export class CusumDetector implements Detector {
  private base: Ewm;
  private up = 0;
  private down = 0;
  lastStat = 0;
  constructor(
    private readonly alpha = 0.005,
    private readonly k = 0.5,
    readonly h = 8,
  ) {
    this.base = new Ewm(alpha);
  }
  update(_t: number, v: number): number {
    if (this.base.n < 20) {
      this.base.update(v);
      return 0;
    }
    const z = Math.max(-6, Math.min(6, (v - this.base.mean) / scaleFloor(this.base.mean, this.base.std)));
    this.up = Math.max(0, this.up + z - this.k);
    this.down = Math.max(0, this.down - z - this.k);
    const stat = Math.max(this.up, this.down);
    this.lastStat = stat;
    if (stat > this.h) {
      const restart = new Ewm(this.alpha);
      restart.update(v);
      restart.variance = this.base.variance;
      restart.n = 20;
      this.base = restart;
      this.up = 0;
      this.down = 0;
    } else this.base.update(v);
    return 1 - Math.exp(-stat / this.h);
  }
}

export function cusum(_ctx: DetectorContext): Detector {
  return new CusumDetector();
}

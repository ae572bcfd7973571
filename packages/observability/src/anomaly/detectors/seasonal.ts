import { Ewm, squash } from "../stats.js";
import type { Detector, DetectorContext } from "../types.js";
import { scaleFloor } from "./ewma.js";

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** Infers the sampling step from the first timestamps (median gap), then the slots of a period. */
class StepEstimator {
  private readonly gaps: number[] = [];
  private lastT: number | undefined;
  stepMs: number | undefined;
  update(t: number): void {
    if (this.lastT !== undefined && t > this.lastT && this.stepMs === undefined) {
      this.gaps.push(t - this.lastT);
      if (this.gaps.length >= 31) this.stepMs = [...this.gaps].sort((a, b) => a - b)[15];
    }
    this.lastT = t;
  }
}

/** One seasonal profile: an EWMA per phase slot of a period, with the running error it makes. */
class Profile {
  private readonly level: Float64Array;
  private readonly seen: Uint8Array;
  readonly error = new Ewm(0.01);
  constructor(
    readonly periodMs: number,
    readonly stepMs: number,
    private readonly alpha: number,
  ) {
    const slots = Math.max(1, Math.round(periodMs / stepMs));
    this.level = new Float64Array(slots);
    this.seen = new Uint8Array(slots);
  }
  private slot(t: number): number {
    const phase = ((t % this.periodMs) + this.periodMs) % this.periodMs;
    return Math.min(this.level.length - 1, Math.floor(phase / this.stepMs));
  }
  predict(t: number): number | undefined {
    const s = this.slot(t);
    return this.seen[s] ? this.level[s] : undefined;
  }
  learn(t: number, v: number): void {
    const s = this.slot(t);
    this.level[s] = this.seen[s] ? (this.level[s] ?? 0) + this.alpha * (v - (this.level[s] ?? 0)) : v;
    this.seen[s] = 1;
  }
}

/**
 * Seasonal baseline: daily and weekly profiles (period slots inferred from the timestamps' step)
 * compete with a plain EWMA level; the model with the lowest running absolute error predicts the
 * next value, and z = residual / that model's running error scale.
 */
export class SeasonalDetector implements Detector {
  private readonly step = new StepEstimator();
  private readonly levelModel = new Ewm(0.05);
  private readonly levelError = new Ewm(0.01);
  private profiles: Profile[] = [];
  lastZ = 0;
  update(t: number, v: number): number {
    this.step.update(t);
    if (this.profiles.length === 0 && this.step.stepMs !== undefined && this.step.stepMs <= DAY_MS / 12) {
      this.profiles = [new Profile(DAY_MS, this.step.stepMs, 0.25), new Profile(WEEK_MS, this.step.stepMs, 0.5)];
    }
    // candidates: [prediction, error scale]
    let bestPred = this.levelModel.n > 0 ? this.levelModel.mean : v;
    let bestErr = this.levelError.n > 10 ? this.levelError.mean : Infinity;
    for (const p of this.profiles) {
      const pred = p.predict(t);
      if (pred !== undefined && p.error.n > 30 && p.error.mean < bestErr * 0.8) {
        bestPred = pred;
        bestErr = p.error.mean;
      }
    }
    const scale = 1.2533 * (Number.isFinite(bestErr) ? bestErr : 0); // mean |e| → σ for a Gaussian
    const z = this.levelModel.n < 10 ? 0 : (v - bestPred) / scaleFloor(bestPred, scale);
    this.levelError.update(Math.abs(v - (this.levelModel.n > 0 ? this.levelModel.mean : v)));
    this.levelModel.update(v);
    for (const p of this.profiles) {
      const pred = p.predict(t);
      if (pred !== undefined) p.error.update(Math.abs(v - pred));
      p.learn(t, v);
    }
    this.lastZ = z;
    return squash(z);
  }
}

export function seasonal(_ctx: DetectorContext): Detector {
  return new SeasonalDetector();
}

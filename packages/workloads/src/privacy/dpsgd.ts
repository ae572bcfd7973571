import { randomFillSync } from "node:crypto";
import { InvalidInputError, type Issue } from "@aidc/core";
import { mulberry32 } from "../data/split.js";
import { DEFAULT_ORDERS, epsilonFromRdp, noiseForEpsilon, sampledGaussianRdp } from "./rdp.js";

/**
 * The pieces of DP-SGD (Abadi et al. 2016, Algorithm 1) shared by the presets: the plan (σ from a target ε),
 * Poisson sampling, the noise source and the running budget. The trainers own the model-specific part
 * (per-example gradients and their clipping).
 */

/** What the user asks for (`aidc train sentiment --dp-epsilon E --dp-delta D [--dp-clip C --dp-batch B]`). */
export interface DpOptions {
  /** Target ε. Without `noiseMultiplier`, σ is chosen so the planned epochs spend at most this. */
  readonly epsilon?: number;
  readonly delta: number;
  /** Clipping norm C of each example's gradient. */
  readonly clip?: number;
  /** Expected batch size; the Poisson sampling rate is q = batch / rows. */
  readonly batch?: number;
  /** Planned epochs (steps = round(epochs · rows / batch)); the preset's own default when absent. */
  readonly epochs?: number;
  /** A fixed σ instead of choosing it; `epsilon` is then only the cap at which training stops. */
  readonly noiseMultiplier?: number;
}

/** What the model package stores (manifest `privacy`), the API returns and `aidc eval` prints. */
export interface PrivacyRecord {
  readonly mechanism: "dp-sgd";
  readonly accountant: "rdp";
  readonly conversion: "improved";
  readonly sampling: "poisson";
  /** ε actually spent by the steps taken, at `delta`. */
  readonly epsilon: number;
  readonly delta: number;
  readonly targetEpsilon: number | null;
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
  readonly samplingRate: number;
  readonly expectedBatch: number;
  readonly steps: number;
  readonly epochs: number;
  /** The RDP order at which ε was reached. */
  readonly order: number;
  /** True when training stopped early because one more epoch would have exceeded the target ε. */
  readonly stoppedByBudget: boolean;
  /** How the preset kept data-dependent statistics out of the model (e.g. the fast preset's NB ratios). */
  readonly notes: readonly string[];
}

export interface DpPlan {
  readonly rows: number;
  readonly samplingRate: number;
  readonly expectedBatch: number;
  readonly stepsPerEpoch: number;
  readonly epochs: number;
  readonly noiseMultiplier: number;
  readonly clip: number;
  readonly delta: number;
  readonly targetEpsilon: number | null;
}

/** Check the options (issues name the field, as the CLI flags map to them) and choose σ. */
export function planDp(o: DpOptions, rows: number, defaults: { clip: number; batch: number; epochs: number }): DpPlan {
  const issues: Issue[] = [];
  const bad = (path: string, message: string): void => void issues.push({ code: "invalid_value", path, message });
  const clip = o.clip ?? defaults.clip;
  const batch = o.batch ?? defaults.batch;
  const epochs = o.epochs ?? defaults.epochs;
  if (o.epsilon !== undefined && !(o.epsilon > 0)) bad("dp.epsilon", `must be > 0, got ${o.epsilon}`);
  if (!(o.delta > 0 && o.delta < 1)) bad("dp.delta", `must be in (0, 1), got ${o.delta}`);
  else if (rows > 0 && o.delta >= 1 / rows)
    bad("dp.delta", `must be below 1/rows = ${(1 / rows).toExponential(2)} (else one example may leak outright), got ${o.delta}`);
  if (!(clip > 0 && Number.isFinite(clip))) bad("dp.clip", `must be > 0, got ${clip}`);
  if (!(Number.isInteger(batch) && batch >= 1 && batch <= rows)) bad("dp.batch", `must be a whole number in [1, ${rows}], got ${batch}`);
  if (!(Number.isInteger(epochs) && epochs >= 1)) bad("dp.epochs", `must be a whole number ≥ 1, got ${epochs}`);
  // σ = 0 (no guarantee, ε = ∞) only as an explicit baseline for benchmarks: never together with a target ε
  const zeroOk = o.noiseMultiplier === 0 && o.epsilon === undefined;
  if (o.noiseMultiplier !== undefined && !zeroOk && !(o.noiseMultiplier > 0 && Number.isFinite(o.noiseMultiplier)))
    bad("dp.noiseMultiplier", `must be > 0, got ${o.noiseMultiplier}`);
  if (o.epsilon === undefined && o.noiseMultiplier === undefined) bad("dp.epsilon", "give a target epsilon or a noise multiplier");
  if (issues.length > 0) throw new InvalidInputError("Invalid differential-privacy options", issues);
  const samplingRate = batch / rows;
  const stepsPerEpoch = Math.max(1, Math.round(rows / batch));
  const noiseMultiplier =
    o.noiseMultiplier ?? noiseForEpsilon({ samplingRate, steps: stepsPerEpoch * epochs, delta: o.delta, epsilon: o.epsilon as number });
  return {
    rows,
    samplingRate,
    expectedBatch: batch,
    stepsPerEpoch,
    epochs,
    noiseMultiplier,
    clip,
    delta: o.delta,
    targetEpsilon: o.epsilon ?? null,
  };
}

/** ε spent after t steps of one plan; per-step RDP is computed once, so asking after every epoch is cheap. */
export class DpBudget {
  private readonly perStep: number[];
  private spentSteps = 0;
  constructor(private readonly plan: DpPlan) {
    this.perStep = DEFAULT_ORDERS.map((a) => sampledGaussianRdp(plan.samplingRate, plan.noiseMultiplier, a));
  }
  epsilonAfter(steps: number): { epsilon: number; order: number } {
    const r = epsilonFromRdp(
      DEFAULT_ORDERS,
      this.perStep.map((x) => x * steps),
      this.plan.delta,
    );
    return { epsilon: r.epsilon, order: r.order };
  }
  /** Whether `more` steps still fit the target (always true without a target). */
  fits(more: number): boolean {
    const t = this.plan.targetEpsilon;
    return t === null || this.epsilonAfter(this.spentSteps + more).epsilon <= t;
  }
  spend(steps: number): void {
    this.spentSteps += steps;
  }
  get steps(): number {
    return this.spentSteps;
  }
  record(epochs: number, stoppedByBudget: boolean, notes: readonly string[]): PrivacyRecord {
    const { epsilon, order } = this.epsilonAfter(this.spentSteps);
    const p = this.plan;
    return {
      mechanism: "dp-sgd",
      accountant: "rdp",
      conversion: "improved",
      sampling: "poisson",
      epsilon,
      delta: p.delta,
      targetEpsilon: p.targetEpsilon,
      noiseMultiplier: p.noiseMultiplier,
      clipNorm: p.clip,
      samplingRate: p.samplingRate,
      expectedBatch: p.expectedBatch,
      steps: this.spentSteps,
      epochs,
      order,
      stoppedByBudget,
      notes,
    };
  }
}

/** Uniform numbers in [0, 1) and standard normals: the randomness that the guarantee rests on. */
export interface NoiseSource {
  uniform(): number;
  /** Fill `out` with independent N(0, 1) draws. */
  normals(out: Float64Array): void;
}

/**
 * Noise from the operating system's CSPRNG. A seeded PRNG would let whoever knows or guesses the seed subtract
 * the noise and undo the guarantee, so training uses this one; `seededNoise` exists for tests only.
 */
export function secureNoise(): NoiseSource {
  const buf = new Uint32Array(8192);
  let at = buf.length;
  const u32 = (): number => {
    if (at === buf.length) {
      randomFillSync(buf);
      at = 0;
    }
    return buf[at++] as number;
  };
  // 53 random bits, never exactly 0 (Box–Muller takes a log)
  const uniform = (): number => ((u32() >>> 5) * 67108864 + (u32() >>> 6) + 0.5) / 9007199254740992;
  return { uniform, normals: (out) => boxMuller(out, uniform) };
}

/** Deterministic noise for tests (NOT private: the seed reproduces the noise). */
export function seededNoise(seed: number): NoiseSource {
  const r = mulberry32(seed);
  const uniform = (): number => (r() * 4294967296 + 0.5) / 4294967297;
  return { uniform, normals: (out) => boxMuller(out, uniform) };
}

function boxMuller(out: Float64Array, uniform: () => number): void {
  for (let i = 0; i < out.length; i += 2) {
    const rad = Math.sqrt(-2 * Math.log(uniform()));
    const th = 2 * Math.PI * uniform();
    out[i] = rad * Math.cos(th);
    if (i + 1 < out.length) out[i + 1] = rad * Math.sin(th);
  }
}

/** Poisson sampling: every row joins independently with probability q (the sampling the accountant assumes). */
export function poissonSample(rows: number, q: number, noise: NoiseSource): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows; i++) if (noise.uniform() < q) out.push(i);
  return out;
}

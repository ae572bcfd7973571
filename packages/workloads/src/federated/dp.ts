import { randomBytes } from "node:crypto";
import { InvalidInputError } from "@aidc/core";

/**
 * Differential privacy on federated updates at the level of a whole site (DP-FedAvg, McMahan, Ramage, Talwar,
 * Zhang, ICLR 2018): each round every participating site's update is clipped to L2 norm `clip`, the sum gets
 * Gaussian noise of standard deviation `noiseMultiplier × clip`, and the sum is divided by the fixed expected
 * number of participants q·K (their "fixed-denominator" estimator, whose sensitivity is clip / (q·K)). Sites join
 * a round by Poisson sampling with rate q, so the sampled Gaussian mechanism's RDP accountant gives ε after T
 * rounds (the neighbouring relation is adding or removing one site's whole data).
 */
export interface UpdateDp {
  readonly clip: number;
  readonly noiseMultiplier: number;
  readonly delta: number;
}

export function checkUpdateDp(dp: UpdateDp): void {
  const issues = [];
  if (!(dp.clip > 0)) issues.push({ code: "invalid", path: "dp.clip", message: `must be > 0, got ${dp.clip}` });
  if (!(dp.noiseMultiplier >= 0))
    issues.push({ code: "invalid", path: "dp.noiseMultiplier", message: `must be ≥ 0, got ${dp.noiseMultiplier}` });
  if (!(dp.delta > 0 && dp.delta < 1)) issues.push({ code: "invalid", path: "dp.delta", message: `must be in (0, 1), got ${dp.delta}` });
  if (issues.length > 0) throw new InvalidInputError("Bad DP settings for federated updates", issues);
}

/** Scales `v` in place to L2 norm ≤ clip; returns the norm before clipping. */
export function clipL2(v: Float32Array | Float64Array, clip: number): number {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  const norm = Math.sqrt(sq);
  if (norm > clip) {
    const f = clip / norm;
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * f;
  }
  return norm;
}

/** Uniform (0, 1) from the operating system's CSPRNG: DP noise must not come from a seeded, guessable stream. */
export function cryptoUniform(): () => number {
  let buf = randomBytes(0);
  let at = 0;
  return () => {
    if (at + 6 > buf.length) {
      buf = randomBytes(65536);
      at = 0;
    }
    const x = buf.readUIntLE(at, 6);
    at += 6;
    return (x + 0.5) / 2 ** 48;
  };
}

/** Adds N(0, std²) to every entry of `v` (Box–Muller). */
export function addGaussian(v: Float32Array | Float64Array, std: number, uniform: () => number = cryptoUniform()): void {
  if (std === 0) return;
  for (let i = 0; i < v.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform())) * std;
    const t = 2 * Math.PI * uniform();
    v[i] = v[i]! + r * Math.cos(t);
    if (i + 1 < v.length) v[i + 1] = v[i + 1]! + r * Math.sin(t);
  }
}

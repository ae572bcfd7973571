import type { RuntimePrediction } from "@aidc/core";
import type { ResolvedProfile } from "@aidc/scheduler";
import { seededRng } from "../engine/rng.js";
import { runFork } from "./run.js";
import type { ForecastOptions, ForecastResult, JobForecast, TwinState } from "./types.js";

const Z90 = 1.2815515655446004;
const DEFAULT_HORIZON_S = 7 * 86400;

/**
 * A run time drawn from a prediction's band: a two-piece log-normal through p10, p50 and p90
 * (z is a standard normal draw).
 */
export function drawRuntime(p: RuntimePrediction, z: number): number {
  const m = Math.log(Math.max(1e-3, p.p50S));
  const side = z >= 0 ? Math.log(Math.max(p.p90S, p.p50S, 1e-3)) - m : m - Math.log(Math.max(1e-3, Math.min(p.p10S, p.p50S)));
  return side === 0 ? p.p50S : Math.exp(m + (z / Z90) * side);
}

/** Standard normal draws (Box–Muller) from a seeded generator. */
function normals(seed: number): () => number {
  const rng = seededRng(seed);
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    const u = 1 - rng.next();
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * The q-quantile of a small sample, read at rank q·(n + 1) (the expected share of the distribution
 * below the i-th of n draws is i / (n + 1)), so that [q10, q90] of 16 draws covers 80 %, not ~70 %.
 */
function quantileOf(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = Math.min(sorted.length - 1, Math.max(0, q * (sorted.length + 1) - 1));
  const lo = Math.floor(pos);
  const a = sorted[lo] ?? NaN;
  const b = sorted[Math.min(sorted.length - 1, lo + 1)] ?? a;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return pos - lo > 0 ? b : a;
  return a + (b - a) * (pos - lo);
}

/**
 * Forecast when each pending job starts: fork the state into the simulator's loop (decide +
 * applyDecisions) and run it forward with p50 run times (the point forecast, `after`, utilization),
 * then with `samples` seeded draws from each job's run-time band (the start's 80 % band).
 */
export function forecastTwin(state: TwinState, profile: ResolvedProfile, options: ForecastOptions = {}): ForecastResult {
  const t0 = options.clock?.() ?? 0;
  const horizonS = options.horizonS ?? DEFAULT_HORIZON_S;
  const endS = state.nowS + horizonS;
  const seed = options.seed ?? 1;
  const samples = Math.max(0, Math.floor(options.samples ?? (state.pending.length + state.running.length > 2000 ? 8 : 16)));
  const rho = Math.min(1, Math.max(0, options.correlation ?? 0.5));
  const nP = state.pending.length;
  let targets: Uint8Array | undefined;
  if (options.targets) {
    const want = new Set(options.targets);
    targets = Uint8Array.from(state.pending, (p) => (want.has(p.job.id) ? 1 : 0));
  }
  const stepS = options.utilizationStepS ?? 600;
  const batchS = options.batchS ?? (nP + state.running.length > 1000 ? 60 : 0);
  const usageUntilS = state.nowS + Math.min(horizonS, 86400);
  // every run gets its own seeded copy of the profile's randomness: same input + seed, same forecast
  const profileFor = (k: number): ResolvedProfile => ({
    ...profile,
    args: { ...profile.args, rng: seededRng((seed * 7919 + k) ^ 0x5bd1e995) },
  });

  const p50Running = Float64Array.from(state.running, (r) => r.runtime.p50S);
  const p50Pending = Float64Array.from(state.pending, (p) => p.runtime.p50S);
  const base = runFork({
    state,
    profile: profileFor(0),
    runningS: p50Running,
    pendingS: p50Pending,
    endS,
    batchS,
    ...(targets ? { targets } : {}),
    detail: true,
    usageUntilS,
  });

  const starts: Float64Array[] = [];
  for (let s = 1; s <= samples; s++) {
    const z = normals(seed * 1000003 + s);
    const common = z();
    const draw = (p: RuntimePrediction): number => drawRuntime(p, Math.sqrt(rho) * common + Math.sqrt(1 - rho) * z());
    const runningS = Float64Array.from(state.running, (r) => draw(r.runtime));
    const pendingS = Float64Array.from(state.pending, (p) => draw(p.runtime));
    const out = runFork({
      state,
      profile: profileFor(s),
      runningS,
      pendingS,
      endS,
      batchS,
      ...(targets ? { targets } : {}),
      detail: false,
    });
    starts.push(out.startS);
  }

  const jobs = new Map<string, JobForecast>();
  const column = new Float64Array(samples);
  for (let i = 0; i < nP; i++) {
    const p = state.pending[i];
    if (!p || (targets && !targets[i])) continue;
    const s = base.startS[i] ?? NaN;
    const started = !Number.isNaN(s);
    let band: [number, number] | undefined;
    if (samples > 0) {
      for (let k = 0; k < samples; k++) {
        const v = starts[k]?.[i] ?? NaN;
        column[k] = Number.isNaN(v) ? Infinity : v;
      }
      column.sort();
      const lo = quantileOf(column, 0.1);
      const hi = quantileOf(column, 0.9);
      if (Number.isFinite(lo)) band = [started ? Math.min(lo, s) : lo, Math.min(endS, started ? Math.max(hi, s) : hi)];
    }
    const a = base.after[i] ?? -1;
    const after = a >= 0 ? state.running[a]?.job.id : a <= -2 ? state.pending[-2 - a]?.job.id : undefined;
    jobs.set(p.job.id, {
      jobId: p.job.id,
      ...(started ? { startS: s, endS: s + p.runtime.p50S } : {}),
      ...(band ? { startBandS: band } : {}),
      ...(after !== undefined ? { after } : {}),
    });
  }
  const utilization = buckets(base.usage, state.nowS, usageUntilS, stepS);
  return { jobs, utilization, wallMs: options.clock ? options.clock() - t0 : 0 };
}

/** Time-weighted mean of a step function (change points t0, r0, t1, r1, …) per bucket of stepS. */
function buckets(points: readonly number[], fromS: number, toS: number, stepS: number): { tS: number; ratio: number }[] {
  const out: { tS: number; ratio: number }[] = [];
  if (points.length < 2 || !(stepS > 0)) return out;
  let k = 0;
  for (let b = fromS; b < toS; b += stepS) {
    const e = Math.min(toS, b + stepS);
    let area = 0;
    let t = b;
    while (t < e) {
      while (k + 2 < points.length && (points[k + 2] ?? Infinity) <= t) k += 2;
      const r = points[k + 1] ?? 0;
      const next = k + 2 < points.length ? Math.min(e, points[k + 2] ?? e) : e;
      area += r * (next - t);
      t = next;
    }
    out.push({ tS: b, ratio: area / (e - b) });
  }
  return out;
}

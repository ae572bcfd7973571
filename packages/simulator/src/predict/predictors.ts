import type { PredictedJob, RuntimePrediction, RuntimePredictor } from "@aidc/core";
import { MIN_SAMPLES, SampleWindow, bandOf, defaultBand, type Band } from "./band.js";

const withBasis = (b: Band, basis: string): RuntimePrediction => ({ p10S: b.p10S, p50S: b.p50S, p90S: b.p90S, basis });

/**
 * A point predictor made calibrated: every observed job records actual / point in a window of
 * ratios, and the band is the point times the ratios' 10/50/90th percentiles (conditioned on the
 * elapsed time). Until MIN_SAMPLES ratios are known, `fallback` ratios are used.
 */
class Calibrated {
  readonly ratios: SampleWindow;
  constructor(
    private readonly fallback: readonly [number, number, number],
    capacity: number,
  ) {
    this.ratios = new SampleWindow(capacity);
  }
  band(point: number, elapsedS: number | undefined): Band {
    if (this.ratios.count < MIN_SAMPLES) return defaultBand(point, this.fallback, elapsedS);
    return bandOf(this.ratios.ascending(), point, elapsedS);
  }
  learn(point: number | undefined, runtimeS: number): void {
    if (point !== undefined && point > 0 && runtimeS > 0) this.ratios.add(runtimeS / point);
  }
}

export interface PredictorOptions {
  /** Finished jobs remembered for the error ratios (default 2000). */
  readonly window?: number;
}

/** The user's time limit (Slurm-style upper bound) as the point; the band comes from actual / limit. */
export function userBoundPredictor(o: PredictorOptions = {}): RuntimePredictor {
  const cal = new Calibrated([0.1, 0.5, 1], o.window ?? 2000);
  return {
    name: "userBound",
    predict(job) {
      const limit = job.maxRuntimeS;
      if (limit === undefined || !(limit > 0)) return undefined;
      const b = cal.band(limit, job.elapsedS);
      const cap = Math.max(limit, job.elapsedS ?? 0);
      return withBasis({ p10S: Math.min(b.p10S, cap), p50S: Math.min(b.p50S, cap), p90S: Math.min(b.p90S, cap) }, "user time limit");
    },
    observe(job, runtimeS) {
      cal.learn(job.maxRuntimeS, runtimeS);
    },
  };
}

/** The user's own run-time estimate (runtimeEstimateS), calibrated by actual / estimate: better than the limit when given. */
export function userEstimatePredictor(o: PredictorOptions = {}): RuntimePredictor {
  const cal = new Calibrated([0.5, 1, 1.5], o.window ?? 2000);
  return {
    name: "userEstimate",
    predict(job) {
      const e = job.runtimeEstimateS;
      if (e === undefined || !(e > 0)) return undefined;
      return withBasis(cal.band(e, job.elapsedS), "user's estimate");
    },
    observe(job, runtimeS) {
      cal.learn(job.runtimeEstimateS, runtimeS);
    },
  };
}

/** The planner's estimate (built-in workloads, jobs naming a model/scenario), calibrated by actual / estimate. */
export function plannerPredictor(o: PredictorOptions = {}): RuntimePredictor {
  const cal = new Calibrated([0.5, 1, 2], o.window ?? 2000);
  return {
    name: "planner",
    predict(job) {
      if (job.plannerS === undefined || !(job.plannerS > 0)) return undefined;
      return withBasis(cal.band(job.plannerS, job.elapsedS), "planner estimate");
    },
    observe(job, runtimeS) {
      cal.learn(job.plannerS, runtimeS);
    },
  };
}

/**
 * History (Tsafrir et al. 2007): the mean of the last two runs of the same user and job name, else of
 * the same user and queue, else (no user known, e.g. a trace) of the same queue and GPU count.
 * Each key level has its own error ratios, so each band is calibrated for the answers it gives.
 */
export function historyPredictor(o: PredictorOptions & { readonly runs?: number } = {}): RuntimePredictor {
  const runs = Math.max(1, o.runs ?? 2);
  const last = new Map<string, number[]>();
  const levels = ["user+name", "user+queue", "queue+gpus"] as const;
  const cal = levels.map(() => new Calibrated([0.2, 1, 5], o.window ?? 2000));
  const keysOf = (job: PredictedJob): (string | undefined)[] => [
    job.user !== undefined && job.name !== undefined ? `n\u0000${job.user}\u0000${job.name}` : undefined,
    job.user !== undefined ? `q\u0000${job.user}\u0000${job.queue}` : undefined,
    job.user === undefined ? `g\u0000${job.queue}\u0000${job.gpus}` : undefined,
  ];
  const mean = (key: string | undefined): number | undefined => {
    const list = key === undefined ? undefined : last.get(key);
    return list && list.length > 0 ? list.reduce((a, b) => a + b, 0) / list.length : undefined;
  };
  return {
    name: "history",
    predict(job) {
      const keys = keysOf(job);
      for (let i = 0; i < keys.length; i++) {
        const m = mean(keys[i]);
        if (m !== undefined) return withBasis((cal[i] as Calibrated).band(m, job.elapsedS), `history (${levels[i]})`);
      }
      return undefined;
    },
    observe(job, runtimeS) {
      keysOf(job).forEach((key, i) => {
        if (key === undefined) return;
        (cal[i] as Calibrated).learn(mean(key), runtimeS);
        const list = last.get(key) ?? [];
        list.push(runtimeS);
        if (list.length > runs) list.shift();
        last.set(key, list);
      });
    },
  };
}

/** The queue's empirical distribution of finished run times (the fallback); a calibrated band by construction. */
export function queueDistributionPredictor(o: PredictorOptions = {}): RuntimePredictor {
  const byQueue = new Map<string, SampleWindow>();
  const all = new SampleWindow(o.window ?? 2000);
  return {
    name: "queueDistribution",
    predict(job) {
      const q = byQueue.get(job.queue);
      const w = q && q.count >= MIN_SAMPLES ? q : all.count >= MIN_SAMPLES ? all : undefined;
      if (!w) return undefined;
      return withBasis(bandOf(w.ascending(), 1, job.elapsedS), w === q ? `run times of queue ${job.queue}` : "run times of all queues");
    },
    observe(job, runtimeS) {
      if (!(runtimeS > 0)) return;
      let q = byQueue.get(job.queue);
      if (!q) byQueue.set(job.queue, (q = new SampleWindow(o.window ?? 2000)));
      q.add(runtimeS);
      all.add(runtimeS);
    },
  };
}

/** The first predictor that answers; observe() feeds all of them. */
export function chainPredictor(predictors: readonly RuntimePredictor[], name = predictors.map((p) => p.name).join(">")): RuntimePredictor {
  return {
    name,
    predict(job) {
      for (const p of predictors) {
        const r = p.predict(job);
        if (r !== undefined) return r;
      }
      return undefined;
    },
    observe(job, runtimeS) {
      for (const p of predictors) p.observe?.(job, runtimeS);
    },
  };
}

/** The default chain: planner, history, the user's estimate, the user's limit (each calibrated), then the queue's distribution. */
export function defaultPredictor(o: PredictorOptions = {}): RuntimePredictor {
  return chainPredictor(
    [plannerPredictor(o), historyPredictor(o), userEstimatePredictor(o), userBoundPredictor(o), queueDistributionPredictor(o)],
    "default",
  );
}

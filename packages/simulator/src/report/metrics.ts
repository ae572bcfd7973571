import type { JobOutcome } from "../engine/recorder.js";
import type { SimResult } from "../engine/simulate.js";

export interface QueueMetrics {
  readonly jobs: number;
  readonly avgJctS: number;
  readonly p50JctS: number;
  readonly p99JctS: number;
  readonly avgQueueS: number;
  readonly p99QueueS: number;
  readonly avgSlowdown: number;
  readonly gpuHours: number;
  /** This queue's share of all GPU time used. */
  readonly share: number;
  /** The share it is entitled to (its partition's or quota's fraction), when known. */
  readonly entitlement?: number;
  readonly preemptions: number;
}

export interface SimMetrics extends Omit<QueueMetrics, "share"> {
  readonly policy: string;
  readonly finished: number;
  readonly unschedulable: number;
  readonly p50QueueS: number;
  readonly makespanS: number;
  readonly gpuUtilization: number;
  readonly events: number;
  readonly passes: number;
  readonly nodeFailures: number;
  readonly byQueue: Record<string, QueueMetrics>;
}

/** Linear-interpolated quantile (numpy/pandas default) of an ascending array. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  return a + ((sorted[hi] ?? a) - a) * (pos - lo);
}

const round = (x: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function summarize(list: readonly JobOutcome[]): Omit<QueueMetrics, "share"> {
  const done = list.filter((o) => o.jctS !== undefined);
  const jct = Float64Array.from(done, (o) => o.jctS ?? 0).sort();
  const queue = Float64Array.from(done, (o) => o.queueS ?? 0).sort();
  let sj = 0;
  let sq = 0;
  let slow = 0;
  let gpuS = 0;
  let pre = 0;
  for (const o of done) {
    sj += o.jctS ?? 0;
    sq += o.queueS ?? 0;
    slow += (o.jctS ?? 0) / Math.max(o.durationS, 1);
    gpuS += o.durationS * o.gpus;
  }
  for (const o of list) pre += o.preemptions;
  const n = Math.max(done.length, 1);
  return {
    jobs: list.length,
    avgJctS: round(sj / n),
    p50JctS: round(quantile(jct, 0.5)),
    p99JctS: round(quantile(jct, 0.99)),
    avgQueueS: round(sq / n),
    p99QueueS: round(quantile(queue, 0.99)),
    avgSlowdown: round(slow / n),
    gpuHours: round(gpuS / 3600),
    preemptions: pre,
  };
}

/** Aggregate a run into the figures `aidc sim run --json` prints (deterministic key order). */
export function computeMetrics(policy: string, result: SimResult, entitlements: Readonly<Record<string, number>> = {}): SimMetrics {
  const all = summarize(result.outcomes);
  let first = Infinity;
  let last = -Infinity;
  let finished = 0;
  for (const o of result.outcomes) {
    first = Math.min(first, o.submitS);
    if (o.endS !== undefined) {
      last = Math.max(last, o.endS);
      finished++;
    }
  }
  const makespan = Number.isFinite(first) && Number.isFinite(last) ? last - first : 0;
  const groups = new Map<string, JobOutcome[]>();
  for (const o of result.outcomes) {
    const g = groups.get(o.queue);
    if (g) g.push(o);
    else groups.set(o.queue, [o]);
  }
  const byQueue: Record<string, QueueMetrics> = {};
  const totalGpuH = all.gpuHours || 1;
  for (const q of [...groups.keys()].sort()) {
    const s = summarize(groups.get(q) ?? []);
    const e = entitlements[q];
    byQueue[q] = { ...s, share: round(s.gpuHours / totalGpuH, 4), ...(e !== undefined ? { entitlement: round(e, 4) } : {}) };
  }
  const { jobs, avgJctS, p50JctS, p99JctS, avgQueueS, p99QueueS, avgSlowdown, gpuHours, preemptions } = all;
  const queues = Float64Array.from(
    result.outcomes.filter((o) => o.queueS !== undefined),
    (o) => o.queueS ?? 0,
  ).sort();
  return {
    policy,
    jobs,
    finished,
    unschedulable: result.unschedulable.length,
    avgJctS,
    p50JctS,
    p99JctS,
    avgQueueS,
    p50QueueS: round(quantile(queues, 0.5)),
    p99QueueS,
    avgSlowdown,
    makespanS: round(makespan),
    gpuUtilization: round(makespan > 0 ? result.gpuSeconds / (result.totalGpus * makespan) : 0, 4),
    gpuHours,
    preemptions,
    events: result.events,
    passes: result.passes,
    nodeFailures: result.failures,
    byQueue,
  };
}

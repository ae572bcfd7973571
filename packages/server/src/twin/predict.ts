import type { Catalog, ClusterModel, JobSpec, Placement, PredictedJob, RuntimePrediction, RuntimePredictor } from "@aidc/core";
import { ESTIMATE_LABELS, PlannerEstimator } from "@aidc/planner";
import { defaultPredictor } from "@aidc/simulator";
import type { JobRecord } from "../store/jobs.js";
import type { JobStore } from "../store/port.js";

/** Run time assumed when nothing is known about a job (the scheduling loop's default estimate). */
export const UNKNOWN_RUNTIME_S = 3600;
/** Finished jobs read per refresh (the first one reads the latest this many). */
const HISTORY_BATCH = 2000;

/**
 * The live server's runtime predictors: the planner for built-in workloads and jobs naming a model,
 * history learned from this store's finished jobs, the user's time limit, the queue's distribution
 * (simulator's `defaultPredictor`), then the user's estimate or one hour with a wide band.
 */
export class LivePredictor {
  private readonly chain: RuntimePredictor = defaultPredictor();
  private readonly planner: PlannerEstimator;
  private readonly plannerCache = new Map<string, number | undefined>();
  private watermarkMs = -1;
  private learned = 0;
  private learning: Promise<void> | undefined;

  constructor(
    private readonly jobs: JobStore,
    catalog: Catalog,
    private readonly cluster: ClusterModel,
  ) {
    this.planner = new PlannerEstimator(catalog);
  }

  /** Finished jobs the history predictors have seen. */
  get observed(): number {
    return this.learned;
  }

  /** Learn from jobs that succeeded since the last call (bounded per call); concurrent calls share one. */
  learn(get: (id: string) => Promise<JobRecord | undefined>): Promise<void> {
    this.learning ??= this.learnNow(get).finally(() => (this.learning = undefined));
    return this.learning;
  }

  private async learnNow(get: (id: string) => Promise<JobRecord | undefined>): Promise<void> {
    const first = this.watermarkMs < 0;
    const rows = await this.jobs.succeeded(HISTORY_BATCH, first ? undefined : this.watermarkMs);
    const jobs = await Promise.all(rows.map((row) => get(row.id)));
    if (first) this.watermarkMs = Math.max(this.watermarkMs, 0);
    for (const [i, row] of rows.entries()) {
      const job = jobs[i];
      if (row.finishedAtMs !== undefined) this.watermarkMs = Math.max(this.watermarkMs, row.finishedAtMs);
      if (job?.startedAtMs === undefined || job.finishedAtMs === undefined) continue;
      const runtimeS = (job.finishedAtMs - job.startedAtMs) / 1000;
      if (!(runtimeS > 0)) continue;
      this.chain.observe?.(this.predicted(job, gpusOf(job.spec)), runtimeS);
      this.learned++;
    }
  }

  /** A job's predicted total run time; `elapsedS` conditions a running job's answer on what it has run. */
  predict(job: JobRecord, gpus: number, elapsedS?: number, gpuType?: string): RuntimePrediction {
    const p = this.predicted(job, gpus, elapsedS, gpuType);
    const hit = this.chain.predict(p);
    if (hit !== undefined) return hit;
    const point = job.spec.runtimeEstimateS ?? UNKNOWN_RUNTIME_S;
    const basis = job.spec.runtimeEstimateS !== undefined ? "user's estimate" : "no estimate, history or time limit: one hour";
    const e = elapsedS ?? 0;
    const p50S = Math.max(point, e * 2);
    return { p10S: Math.max(1, e, p50S / 4), p50S, p90S: Math.max(p50S * 4, e * 10), basis };
  }

  private predicted(job: JobRecord, gpus: number, elapsedS?: number, gpuType?: string): PredictedJob {
    const plannerS = this.plannerS(job, gpus, gpuType);
    return {
      user: job.user,
      name: job.name,
      queue: job.queue,
      gpus,
      ...(job.spec.maxRuntimeS !== undefined ? { maxRuntimeS: job.spec.maxRuntimeS } : {}),
      ...(job.spec.runtimeEstimateS !== undefined ? { runtimeEstimateS: job.spec.runtimeEstimateS } : {}),
      ...(plannerS !== undefined ? { plannerS } : {}),
      ...(elapsedS !== undefined && elapsedS > 0 ? { elapsedS } : {}),
    };
  }

  /** The planner's run time for built-in workloads and jobs naming a model (cached per job). */
  private plannerS(job: JobRecord, gpus: number, gpuType?: string): number | undefined {
    if (this.plannerCache.has(job.id)) return this.plannerCache.get(job.id);
    // the planner answers only for built-in workloads and jobs that name a model: skip the others cheaply
    const named = "workload" in job.spec.run || job.spec.labels[ESTIMATE_LABELS.model] !== undefined;
    const value = named ? this.plannerEstimate(job.spec, gpus, gpuType ?? this.typeOf(job)) : undefined;
    if (this.plannerCache.size > 100_000) this.plannerCache.clear();
    this.plannerCache.set(job.id, value);
    return value;
  }

  private plannerEstimate(spec: JobSpec, gpus: number, gpuType: string | undefined): number | undefined {
    if (gpus <= 0 || gpuType === undefined) return undefined;
    const typed: JobSpec = {
      ...spec,
      tasks: spec.tasks.map((t) => ({ ...t, resources: { ...t.resources, gpuType: t.resources.gpuType ?? gpuType } })),
    };
    const placement: Placement = {
      tasks: [{ task: "all", replica: 0, node: "twin", gpuIndices: Array.from({ length: gpus }, (_, i) => i) }],
    };
    try {
      const d = this.planner.estimate(typed, placement);
      return d !== undefined && d.durationS > 0 ? d.durationS : undefined;
    } catch {
      return undefined; // the planner does not answer for this job
    }
  }

  /** The job's GPU type: its own, else that of its placement's first node, else its partition's most common. */
  private typeOf(job: JobRecord): string | undefined {
    const own = job.spec.tasks.find((t) => t.resources.gpuType !== undefined)?.resources.gpuType;
    if (own !== undefined) return own;
    const node = job.placement?.tasks[0]?.node;
    const placed = node === undefined ? undefined : this.cluster.nodes.find((n) => n.name === node)?.accelerator;
    if (placed !== undefined) return placed;
    const partition =
      this.cluster.queues.find((q) => q.name === job.queue)?.partition ?? this.cluster.partitions.find((p) => p.default)?.name;
    const counts = new Map<string, number>();
    for (const n of this.cluster.nodes) {
      if (n.accelerator === undefined || (partition !== undefined && !n.partitions.includes(partition))) continue;
      counts.set(n.accelerator, (counts.get(n.accelerator) ?? 0) + n.gpus);
    }
    return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  }
}

/** Whole GPUs a job asks for (a GPU share counts as one per replica). */
export function gpusOf(spec: JobSpec): number {
  return spec.tasks.reduce((s, t) => s + t.replicas * (t.resources.gpus > 0 ? t.resources.gpus : t.resources.gpuMilli ? 1 : 0), 0);
}

import { round, type Recommendation } from "./types.js";

/** The planner's estimate of one run of a job on some accelerator and GPU count. */
export interface RunEstimate {
  readonly gpuType: string;
  readonly gpus: number;
  readonly durationS: number;
  /** The planner's explanation (model, parallelism, MFU). */
  readonly basis: string;
  /** Whether this cluster has nodes of that type. */
  readonly inCluster: boolean;
}

/** A job with a planner estimate as submitted and for alternatives (computed by the server with the planner). */
export interface PlacementCandidate {
  readonly jobId: string;
  readonly jobName: string;
  readonly current: RunEstimate;
  readonly alternatives: readonly RunEstimate[];
  /** Price of one GPU-hour used for every type (the catalog has no per-type prices). */
  readonly usdPerGpuHour: number;
}

export interface GpuTypeThresholds {
  /** "Faster": runtime at most (1 - minGain) of the current, without more than maxExtraGpuHours more GPU-hours. */
  readonly minGain: number;
  readonly maxExtraGpuHours: number;
  /** "Cheaper": GPU-hours at most (1 - minGain) of the current, and runtime at most maxSlowdown x the current. */
  readonly maxSlowdown: number;
}
export const GPU_TYPE_DEFAULTS: GpuTypeThresholds = { minGain: 0.2, maxExtraGpuHours: 0.1, maxSlowdown: 1.5 };

const gpuHours = (e: RunEstimate): number => (e.gpus * e.durationS) / 3600;

/**
 * Jobs the planner predicts would run clearly faster (or for clearly fewer GPU-hours) on another
 * accelerator type or GPU count. Alternatives this cluster has are preferred; others are reported at
 * severity info (a purchase/cloud question). Cost = GPU-hours x one flat price for every type.
 */
export function gpuTypeRule(candidates: readonly PlacementCandidate[], t: GpuTypeThresholds = GPU_TYPE_DEFAULTS): Recommendation[] {
  const out: Recommendation[] = [];
  for (const c of candidates) {
    const cur = c.current;
    if (!(cur.durationS > 0)) continue;
    const qualifying = c.alternatives
      .filter((a) => a.durationS > 0 && (a.gpuType !== cur.gpuType || a.gpus !== cur.gpus))
      .map((a) => {
        const faster = a.durationS <= (1 - t.minGain) * cur.durationS && gpuHours(a) <= (1 + t.maxExtraGpuHours) * gpuHours(cur);
        const cheaper = gpuHours(a) <= (1 - t.minGain) * gpuHours(cur) && a.durationS <= t.maxSlowdown * cur.durationS;
        return { a, faster, cheaper, saved: gpuHours(cur) - gpuHours(a) };
      })
      .filter((x) => x.faster || x.cheaper)
      .sort((x, y) => Number(y.a.inCluster) - Number(x.a.inCluster) || y.saved - x.saved || x.a.durationS - y.a.durationS);
    const best = qualifying[0];
    if (best === undefined) continue;
    const a = best.a;
    const runtimeCut = 1 - a.durationS / cur.durationS;
    const what =
      a.gpuType === cur.gpuType
        ? `${a.gpus} GPUs instead of ${cur.gpus}`
        : `${a.gpus} x ${a.gpuType} instead of ${cur.gpus} x ${cur.gpuType}`;
    const gain =
      best.saved > 0
        ? {
            value: round(best.saved * c.usdPerGpuHour),
            unit: "costUsdPerRun" as const,
            basis: `${round(best.saved)} GPU-hours less per run x $${c.usdPerGpuHour}/GPU-hour (one flat price for every type; the catalog has no per-type prices)`,
          }
        : {
            value: round(100 * runtimeCut, 1),
            unit: "runtimeReductionPct" as const,
            basis: "planner runtime estimates of both configurations",
          };
    out.push({
      id: `gpu-type/${c.jobId}`,
      kind: "gpu-type",
      severity: a.inCluster ? "warning" : "info",
      title: `Job ${c.jobName} would run ${runtimeCut >= 0 ? `${Math.round(100 * runtimeCut)}% faster` : `${Math.round(-100 * runtimeCut)}% slower`} for ${Math.round((100 * best.saved) / gpuHours(cur))}% fewer GPU-hours on ${what}${a.inCluster ? "" : " (not in this cluster)"}`,
      evidence: {
        source: "planner estimates (PlannerEstimator: model and work from the job's labels)",
        jobId: c.jobId,
        current: { ...cur, gpuHours: round(gpuHours(cur), 3) },
        suggested: { ...a, gpuHours: round(gpuHours(a), 3) },
        alternativesCompared: c.alternatives.length,
        assumptions:
          "analytic model (no measurement of this job); the same work per run; runtimes of a new run, not the remainder of a running one; flat price per GPU-hour",
      },
      expectedGain: gain,
      action: a.inCluster
        ? {
            description: `Resubmit with resources.gpuType: ${a.gpuType} and ${a.gpus} GPU(s) in total`,
            command: `aidc submit <job file with gpuType ${a.gpuType}>`,
          }
        : { description: `Consider ${a.gpuType} capacity for this workload (plan it with aidc plan)`, command: "aidc plan train …" },
    });
  }
  return out;
}

import { jobGpus, round, type JobView, type Recommendation } from "./types.js";

/** GPU utilisation samples of one job (`aidc_job_gpu_utilization_ratio{job=…}`), [timeMs, ratio 0-1]. */
export interface JobUtilization {
  readonly jobId: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface IdleGpuThresholds {
  /** Look at this many seconds before now. */
  readonly windowS: number;
  /** At least this many samples, covering at least `minSpanS`, before saying anything. */
  readonly minSamples: number;
  readonly minSpanS: number;
  /** Mean utilisation below this = under-used; below `idleRatio` = idle. */
  readonly lowRatio: number;
  readonly idleRatio: number;
  /** Utilisation a right-sized job should reach (sizes the suggested GPU count from the p90). */
  readonly targetRatio: number;
}

export const IDLE_GPU_DEFAULTS: IdleGpuThresholds = {
  windowS: 3600,
  minSamples: 3,
  minSpanS: 600,
  lowRatio: 0.3,
  idleRatio: 0.05,
  targetRatio: 0.7,
};

function p90(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(0.9 * (s.length - 1) + 0.5))] ?? 0;
}

/**
 * Running jobs whose GPUs stay (nearly) idle: mean utilisation over the window below `lowRatio`.
 * Gain = GPU-hours a week that would be freed if the job kept this pattern for a week
 * (all its GPUs when idle; the GPUs above what its p90 needs at `targetRatio` when under-used).
 */
export function idleGpuRule(
  jobs: readonly JobView[],
  utilization: readonly JobUtilization[],
  nowMs: number,
  t: IdleGpuThresholds = IDLE_GPU_DEFAULTS,
): Recommendation[] {
  const out: Recommendation[] = [];
  const byJob = new Map(utilization.map((u) => [u.jobId, u]));
  for (const j of jobs) {
    if (j.state !== "running") continue;
    const gpus = jobGpus(j);
    if (gpus < 1) continue;
    const pts = (byJob.get(j.id)?.points ?? []).filter(([tm, v]) => tm >= nowMs - t.windowS * 1000 && tm <= nowMs && Number.isFinite(v));
    if (pts.length < t.minSamples) continue;
    const spanS = (pts[pts.length - 1]![0] - pts[0]![0]) / 1000;
    if (spanS < t.minSpanS) continue;
    const values = pts.map(([, v]) => Math.min(1, Math.max(0, v)));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    if (mean >= t.lowRatio) continue;
    const peak = p90(values);
    const idle = mean < t.idleRatio;
    const needed = idle ? 0 : Math.max(1, Math.ceil((gpus * peak) / t.targetRatio));
    const freed = Math.max(0, Math.floor(gpus) - needed);
    if (!idle && freed === 0) continue;
    out.push({
      id: `idle-gpus/${j.id}`,
      kind: "idle-gpus",
      severity: idle ? "warning" : "info",
      title: idle
        ? `Job ${j.name} holds ${gpus} GPU(s) that stayed idle (mean ${(100 * mean).toFixed(1)}% over ${Math.round(spanS / 60)} min)`
        : `Job ${j.name} uses its ${gpus} GPU(s) at ${(100 * mean).toFixed(1)}% on average; ${needed} would do`,
      evidence: {
        source: `aidc_job_gpu_utilization_ratio{job="${j.id}"}`,
        jobId: j.id,
        queue: j.queue,
        gpus,
        samples: values.length,
        spanS: Math.round(spanS),
        meanUtilization: round(mean, 3),
        p90Utilization: round(peak, 3),
        thresholds: { lowRatio: t.lowRatio, idleRatio: t.idleRatio, targetRatio: t.targetRatio },
      },
      expectedGain: {
        value: round(freed * 168, 1),
        unit: "gpuHoursPerWeek",
        basis: idle
          ? `${gpus} GPU(s) x 168 h, if the job stays idle for a week`
          : `${freed} GPU(s) above what the p90 utilisation needs at ${t.targetRatio * 100}% target, x 168 h`,
      },
      action: idle
        ? { description: "Check whether the job is stuck (logs); cancel it if so", command: `aidc logs ${j.id} && aidc cancel ${j.id}` }
        : {
            description: `Resubmit with ${needed} GPU(s) instead of ${gpus} (or raise its batch size to use them)`,
            command: `aidc job ${j.id}`,
          },
    });
  }
  return out;
}

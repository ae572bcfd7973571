/** What a recommendation is about. */
export const RECOMMENDATION_KINDS = [
  "idle-gpus",
  "fragmentation",
  "queue-imbalance",
  "gpu-type",
  "storage",
  "scheduling-policy",
  "capacity",
] as const;
export type RecommendationKind = (typeof RECOMMENDATION_KINDS)[number];

export const RECOMMENDATION_SEVERITIES = ["info", "warning", "critical"] as const;
export type RecommendationSeverity = (typeof RECOMMENDATION_SEVERITIES)[number];

export const GAIN_UNITS = ["gpuHoursPerWeek", "gpus", "queueDelayReductionPct", "runtimeReductionPct", "costUsdPerRun", "bytes"] as const;
export type GainUnit = (typeof GAIN_UNITS)[number];

export interface ExpectedGain {
  readonly value: number;
  readonly unit: GainUnit;
  /** How the number was obtained and what it assumes. */
  readonly basis: string;
}

export interface RecommendationAction {
  readonly description: string;
  /** A command to run, when there is one. */
  readonly command?: string;
  /** An API call, e.g. `POST /api/v1/artifacts/tiering {"hotVersions":2}`. */
  readonly api?: string;
}

/**
 * A change to the cluster or its scheduling that a recommendation proposes, in the terms of
 * POST /api/v1/whatif, so the server can forecast it on the live queue before showing it.
 */
export interface ProposedChange {
  readonly policy?: string;
  /** A SchedulerProfile (YAML text). */
  readonly profile?: string;
  readonly quotas?: readonly {
    readonly queue: string;
    readonly nominalGpus: number;
    readonly cohort?: string;
    readonly borrowingLimitGpus?: number;
  }[];
  readonly addNodes?: readonly {
    readonly system?: string;
    readonly accelerator?: string;
    readonly count: number;
    readonly rack?: string;
  }[];
}

/** What the what-if forecast says a proposed change does to the jobs pending now. */
export interface ForecastGain {
  readonly pending: number;
  readonly meanDelayBeforeS: number;
  readonly meanDelayAfterS: number;
  readonly neverStartBefore: number;
  readonly neverStartAfter: number;
  /** Mean wait saved per pending job (seconds; negative: they wait longer). */
  readonly gainS: number;
  readonly gainPct: number;
  readonly basis: string;
}

export interface Recommendation {
  /** Stable for the same finding (kind + subject), so a client can track or dismiss it. */
  readonly id: string;
  readonly kind: RecommendationKind;
  readonly severity: RecommendationSeverity;
  readonly title: string;
  /** The numbers behind the finding; `source` names the data they came from. */
  readonly evidence: Readonly<Record<string, unknown>> & { readonly source: string };
  readonly expectedGain: ExpectedGain;
  readonly action: RecommendationAction;
  /** The change the action makes, when it is one the what-if can forecast. */
  readonly change?: ProposedChange;
  /** The what-if forecast of `change` on the live queue (set by the server before the recommendation is shown). */
  readonly forecast?: ForecastGain;
}

/** A job as the rules see it (running, admitted or pending). Whole GPUs per replica; fractional shares count as 0. */
export interface JobView {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly state: "pending" | "admitted" | "running";
  readonly gang: boolean;
  readonly tasks: readonly { readonly replicas: number; readonly gpus: number; readonly gpuMilli?: number; readonly gpuType?: string }[];
  readonly submittedAtMs: number;
  readonly startedAtMs?: number;
  /** GPUs held per node (running/admitted jobs). */
  readonly placement?: readonly { readonly node: string; readonly gpus: number }[];
}

export interface NodeView {
  readonly name: string;
  readonly gpus: number;
  /** Catalog accelerator id. */
  readonly accelerator?: string;
  readonly cordoned?: boolean;
  /** Catalog system id (e.g. dgx-h100), when the cluster file names one. */
  readonly system?: string;
  readonly rack?: string;
  readonly partitions?: readonly string[];
}

/** Total whole GPUs a job asks for (gpuMilli shares as fractions). */
export function jobGpus(j: JobView): number {
  return j.tasks.reduce((s, t) => s + t.replicas * (t.gpuMilli !== undefined ? t.gpuMilli / 1000 : t.gpus), 0);
}

export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

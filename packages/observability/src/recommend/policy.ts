import { round, type Recommendation } from "./types.js";

/** One replay of the recent finished jobs under a policy (simulator metrics). */
export interface PolicyReplay {
  readonly policy: string;
  readonly jobs: number;
  readonly avgQueueS: number;
  readonly avgJctS?: number;
}

export interface PolicyThresholds {
  /** Recommend only when the best policy cuts the average queueing delay by this share… */
  readonly minReduction: number;
  /** …and by at least this many seconds… */
  readonly minReductionS: number;
  /** …on at least this many jobs. */
  readonly minJobs: number;
}
export const POLICY_DEFAULTS: PolicyThresholds = { minReduction: 0.2, minReductionS: 30, minJobs: 5 };

/**
 * Compare replays of the same trace (the last week's finished jobs on this cluster) under the current
 * policy and alternatives; recommend the best if it cuts the average queueing delay by a meaningful margin.
 * The baseline is the replay under the current policy (not the measured delays), so both sides share the simulator's assumptions.
 */
export function policyRule(
  input: { readonly current: string; readonly replays: readonly PolicyReplay[]; readonly windowS: number },
  t: PolicyThresholds = POLICY_DEFAULTS,
): Recommendation[] {
  const base = input.replays.find((r) => r.policy === input.current);
  if (base === undefined || base.jobs < t.minJobs) return [];
  const best = input.replays.filter((r) => r.policy !== input.current).sort((a, b) => a.avgQueueS - b.avgQueueS)[0];
  if (best === undefined) return [];
  const cutS = base.avgQueueS - best.avgQueueS;
  if (cutS < t.minReductionS || cutS < t.minReduction * base.avgQueueS) return [];
  const pct = (100 * cutS) / base.avgQueueS;
  return [
    {
      id: `scheduling-policy/${best.policy}`,
      kind: "scheduling-policy",
      severity: pct >= 50 ? "warning" : "info",
      title: `Policy ${best.policy} would cut the average queueing delay by ${pct.toFixed(0)}% (${round(base.avgQueueS, 0)} s -> ${round(best.avgQueueS, 0)} s) on the last ${Math.round(input.windowS / 86400)} day(s) of jobs`,
      evidence: {
        source: "simulator replay of finished jobs (historyTrace) on this cluster",
        currentPolicy: input.current,
        jobs: base.jobs,
        windowS: input.windowS,
        replays: input.replays.map((r) => ({
          ...r,
          avgQueueS: round(r.avgQueueS, 1),
          ...(r.avgJctS !== undefined ? { avgJctS: round(r.avgJctS, 1) } : {}),
        })),
      },
      expectedGain: {
        value: round(pct, 1),
        unit: "queueDelayReductionPct",
        basis: `replay of ${base.jobs} finished jobs with their measured runtimes under ${input.current} vs ${best.policy}`,
      },
      action: { description: `Restart the server with --policy ${best.policy}`, command: `aidc serve --policy ${best.policy} …` },
      change: { policy: best.policy },
    },
  ];
}

import { AidcError } from "@aidc/core";

export const BACKFILL = ["none", "easy", "conservative"] as const;
export type Backfill = (typeof BACKFILL)[number];
export const PREEMPTION = ["none", "priority", "reclaim", "admission"] as const;
export type PreemptionMode = (typeof PREEMPTION)[number];

/**
 * A policy: which plugin fills each extension point plus the pass's mode.
 * `strict` stops a partition's pass at its first job that does not fit (head-of-line blocking);
 * otherwise later jobs may start (subject to reservations when backfilling).
 * `admission` preemption re-admits running and pending jobs in queue order against each partition's
 * capacity every pass and evicts running jobs that fall outside (Helios SRTF, Tiresias LAS).
 */
export interface PolicySpec {
  readonly name: string;
  readonly description: string;
  readonly queueSort: string;
  readonly placement: string;
  readonly strict: boolean;
  readonly backfill: Backfill;
  readonly preemption: PreemptionMode;
  readonly quotas: boolean;
  /**
   * Seconds a job keeps its GPUs after its work is done. Only to reproduce the Helios simulator's tick
   * loop, where a preemptive-SRTF job ends one tick after its remaining time reaches 0.
   */
  readonly endLagS?: number;
}

const P = (s: PolicySpec): PolicySpec => s;

export const POLICIES: readonly PolicySpec[] = [
  P({
    name: "fifo",
    description: "first in, first out; head-of-line blocking; best-fit placement",
    queueSort: "fifo",
    placement: "best-fit",
    strict: true,
    backfill: "none",
    preemption: "none",
    quotas: false,
  }),
  P({
    name: "fifo-strict",
    description: "Helios FIFO: strict order, consolidate placement on 8-GPU nodes",
    queueSort: "fifo",
    placement: "consolidate",
    strict: true,
    backfill: "none",
    preemption: "none",
    quotas: false,
  }),
  P({
    name: "greedy",
    description: "FIFO order, but any job that fits starts (no reservation)",
    queueSort: "fifo",
    placement: "best-fit",
    strict: false,
    backfill: "none",
    preemption: "none",
    quotas: false,
  }),
  P({
    name: "sjf",
    description: "shortest job first (runtime estimate), jobs that fit start",
    queueSort: "sjf",
    placement: "best-fit",
    strict: false,
    backfill: "none",
    preemption: "none",
    quotas: false,
  }),
  P({
    name: "sjf-strict",
    description: "Helios SJF: strict shortest-first order, consolidate placement",
    queueSort: "sjf",
    placement: "consolidate",
    strict: true,
    backfill: "none",
    preemption: "none",
    quotas: false,
  }),
  P({
    name: "srtf",
    description: "preemptive shortest remaining time first, best-fit placement",
    queueSort: "srtf",
    placement: "best-fit",
    strict: false,
    backfill: "none",
    preemption: "admission",
    quotas: false,
  }),
  P({
    name: "srtf-preemptive",
    description: "Helios SRTF: admission by remaining time against VC capacity, consolidate, checkpoint penalty",
    queueSort: "srtf",
    placement: "consolidate",
    strict: false,
    backfill: "none",
    preemption: "admission",
    quotas: false,
    endLagS: 1,
  }),
  P({
    name: "las",
    description: "Tiresias 2D-LAS: least attained GPU service (discretized levels) first, preemptive",
    queueSort: "las",
    placement: "best-fit",
    strict: false,
    backfill: "none",
    preemption: "admission",
    quotas: false,
  }),
  P({
    name: "priority",
    description: "highest priority first with aging; preempts lower priority after the minimum run time",
    queueSort: "priority-aging",
    placement: "best-fit",
    strict: false,
    backfill: "none",
    preemption: "priority",
    quotas: false,
  }),
  P({
    name: "drf",
    description: "fair share: lowest queue share first, per-queue quotas with cohort borrowing and reclaim",
    queueSort: "drf",
    placement: "best-fit",
    strict: false,
    backfill: "none",
    preemption: "reclaim",
    quotas: true,
  }),
  P({
    name: "backfill-easy",
    description: "FIFO with EASY backfill: the first blocked job holds a reservation",
    queueSort: "fifo",
    placement: "best-fit",
    strict: false,
    backfill: "easy",
    preemption: "none",
    quotas: false,
  }),
  P({
    name: "backfill-conservative",
    description: "FIFO with conservative backfill: every blocked job holds a reservation",
    queueSort: "fifo",
    placement: "best-fit",
    strict: false,
    backfill: "conservative",
    preemption: "none",
    quotas: false,
  }),
  P({
    name: "topology",
    description: "FIFO (jobs that fit start), topology-aware placement: node > rack > pod",
    queueSort: "fifo",
    placement: "topology-aware",
    strict: false,
    backfill: "none",
    preemption: "none",
    quotas: false,
  }),
];

function index(): Map<string, PolicySpec> {
  const m = new Map<string, PolicySpec>();
  for (const p of POLICIES) {
    if (m.has(p.name)) throw new AidcError("DUPLICATE_POLICY", `Cannot register policy "${p.name}": the name is taken`);
    m.set(p.name, p);
  }
  return m;
}
const BY_NAME = index();

export function findPolicy(name: string): PolicySpec | undefined {
  return BY_NAME.get(name);
}

export function policyNames(): string[] {
  return POLICIES.map((p) => p.name);
}

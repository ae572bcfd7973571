import { round, type JobView, type NodeView, type Recommendation } from "./types.js";

export interface FragmentationThresholds {
  /** Only pending jobs waiting at least this long. */
  readonly minPendingS: number;
  /** Never suggest moving more than this many running jobs for one gang. */
  readonly maxMoves: number;
}
export const FRAGMENTATION_DEFAULTS: FragmentationThresholds = { minPendingS: 0, maxMoves: 4 };

interface Item {
  readonly job: string;
  readonly gpus: number;
  node: string;
}

/** Whole-GPU replicas of a job, largest first. */
function replicasOf(j: JobView): number[] {
  return j.tasks.flatMap((t) => Array.from({ length: t.replicas }, () => (t.gpuMilli !== undefined ? 0 : t.gpus))).sort((a, b) => b - a);
}

/** First-fit-decreasing of the replicas into `free`; returns the assignment or undefined. */
function fit(replicas: readonly number[], free: Map<string, number>, eligible: (n: string) => boolean): string[] | undefined {
  const f = new Map(free);
  const where: string[] = [];
  for (const r of replicas) {
    if (r === 0) continue;
    const best = [...f.entries()].filter(([n, g]) => eligible(n) && g >= r).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0];
    if (best === undefined) return undefined;
    f.set(best[0], best[1] - r);
    where.push(best[0]);
  }
  return where;
}

/**
 * Try to make room for `replicas` by moving a few running jobs (whole jobs on one node) to other nodes'
 * free GPUs: for each target node (most free first) move its smallest jobs off until the largest
 * replica fits, then check that the whole gang fits. Returns the moves or undefined.
 */
function repack(
  replicas: readonly number[],
  free: ReadonlyMap<string, number>,
  items: readonly Item[],
  eligible: (n: string) => boolean,
  maxMoves: number,
): { moves: { job: string; gpus: number; from: string; to: string }[]; target: string } | undefined {
  const targets = [...free.entries()].filter(([n]) => eligible(n)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [target] of targets) {
    const f = new Map(free);
    const moves: { job: string; gpus: number; from: string; to: string }[] = [];
    const onTarget = items.filter((i) => i.node === target).sort((a, b) => a.gpus - b.gpus || a.job.localeCompare(b.job));
    for (const it of onTarget) {
      if (fit(replicas, f, eligible) !== undefined || moves.length >= maxMoves) break;
      const dest = [...f.entries()]
        .filter(([n, g]) => n !== target && g >= it.gpus)
        .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0];
      if (dest === undefined) continue;
      f.set(dest[0], dest[1] - it.gpus);
      f.set(target, (f.get(target) ?? 0) + it.gpus);
      moves.push({ job: it.job, gpus: it.gpus, from: target, to: dest[0] });
    }
    if (moves.length > 0 && fit(replicas, f, eligible) !== undefined) return { moves, target };
  }
  return undefined;
}

/**
 * Pending gangs that do not fit although the eligible nodes have enough free GPUs in total, and that a
 * re-pack of at most `maxMoves` single-node running jobs would let start. Nodes must have the job's
 * gpuType (catalog id) and not be cordoned; partitions and CPU/memory are not checked.
 */
export function fragmentationRule(
  nodes: readonly NodeView[],
  freeGpus: Readonly<Record<string, number>>,
  jobs: readonly JobView[],
  nowMs: number,
  t: FragmentationThresholds = FRAGMENTATION_DEFAULTS,
): Recommendation[] {
  const out: Recommendation[] = [];
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const free = new Map(nodes.filter((n) => !n.cordoned).map((n) => [n.name, Math.max(0, freeGpus[n.name] ?? 0)]));
  const items: Item[] = jobs
    .filter((j) => j.state !== "pending" && j.placement !== undefined && j.placement.length === 1 && j.placement[0]!.gpus >= 1)
    .map((j) => ({ job: j.id, gpus: j.placement![0]!.gpus, node: j.placement![0]!.node }));
  const pending = jobs
    .filter((j) => j.state === "pending" && nowMs - j.submittedAtMs >= t.minPendingS * 1000)
    .map((j) => ({ j, replicas: replicasOf(j) }))
    .filter((p) => p.replicas.some((r) => r > 0))
    .sort((a, b) => b.replicas.reduce((s, r) => s + r, 0) - a.replicas.reduce((s, r) => s + r, 0));
  for (const { j, replicas } of pending) {
    const types = new Set(j.tasks.map((x) => x.gpuType).filter((x): x is string => x !== undefined));
    const eligible = (n: string): boolean => {
      const node = byName.get(n);
      return node !== undefined && !node.cordoned && (types.size === 0 || (node.accelerator !== undefined && types.has(node.accelerator)));
    };
    const demand = replicas.reduce((s, r) => s + r, 0);
    const totalFree = [...free.entries()].filter(([n]) => eligible(n)).reduce((s, [, g]) => s + g, 0);
    if (totalFree < demand || fit(replicas, free, eligible) !== undefined) continue;
    const plan = repack(replicas, free, items, eligible, t.maxMoves);
    if (plan === undefined) continue;
    const largestFree = Math.max(0, ...[...free.entries()].filter(([n]) => eligible(n)).map(([, g]) => g));
    out.push({
      id: `fragmentation/${j.id}`,
      kind: "fragmentation",
      severity: "warning",
      title: `Gang ${j.name} (${demand} GPUs) waits although ${totalFree} GPUs are free: they are scattered; moving ${plan.moves.length} job(s) makes room on ${plan.target}`,
      evidence: {
        source: "scheduler free GPUs per node + running job placements",
        jobId: j.id,
        replicasGpus: replicas,
        totalFreeGpus: totalFree,
        largestFreeBlock: largestFree,
        freeByNode: Object.fromEntries([...free.entries()].filter(([n]) => eligible(n))),
        /** Share of the free GPUs that sit on nodes too small for the largest replica. */
        strandedShare: round(
          [...free.entries()].filter(([n, g]) => eligible(n) && g < replicas[0]!).reduce((s, [, g]) => s + g, 0) / Math.max(1, totalFree),
          3,
        ),
        moves: plan.moves,
      },
      expectedGain: {
        value: demand,
        unit: "gpus",
        basis: `the ${demand} GPUs of ${j.name} could start now instead of waiting for running jobs to end (each moved job restarts from its last checkpoint)`,
      },
      action: {
        description: `Requeue ${plan.moves.map((m) => m.job).join(", ")} so they restart on ${[...new Set(plan.moves.map((m) => m.to))].join(", ")} (no live migration: cancel and resubmit, or use a preemptive/consolidating policy)`,
        command: plan.moves.map((m) => `aidc cancel ${m.job}`).join(" && "),
      },
    });
    // the freed room is promised to this gang; do not offer it to the next one
    break;
  }
  return out;
}

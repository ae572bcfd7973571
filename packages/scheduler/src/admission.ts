import { Scratch } from "./scratch.js";
import { neverFits } from "./eligible.js";
import { placeJob } from "./plugins/filter/fit.js";
import { checkpointPenaltyS, remainingAt } from "./plugins/types.js";
import type { ResolvedProfile } from "./profile.js";
import type {
  ClusterSnapshot,
  DecideContext,
  Decisions,
  Explanation,
  PlacementDecision,
  Preemption,
  RunningJob,
  SchedJob,
} from "./types.js";

type Cand = { readonly job: SchedJob; readonly run: RunningJob | undefined; readonly key: number };

/**
 * Preemptive admission (Helios SRTF, Tiresias LAS): per partition, pending and running jobs are
 * ordered by the queue-sort key (ties: pending before running, then the given order) and admitted
 * against the partition's GPU count; running jobs that fall outside are preempted (after the
 * minimum run time) and pay a checkpoint penalty; admitted pending jobs are then placed in order.
 */
export function decideAdmission(
  snapshot: ClusterSnapshot,
  pending: readonly SchedJob[],
  profile: ResolvedProfile,
  ctx: DecideContext,
): Decisions {
  const now = ctx.nowS;
  const explain = ctx.explain !== false;
  const placements: PlacementDecision[] = [];
  const preemptions: Preemption[] = [];
  const explanations: Explanation[] = [];
  if (pending.length === 0) return { placements, preemptions, reservations: [], explanations };
  const byScope = new Map<number, SchedJob[]>();
  for (const j of pending) {
    // a job that can never fit is never admitted (it would evict running jobs for nothing)
    const never = neverFits(j, snapshot.topology);
    if (never !== undefined) {
      if (explain) explanations.push({ jobId: j.id, reason: "NEVER_FITS", message: never });
      continue;
    }
    const l = byScope.get(j.partition);
    if (l) l.push(j);
    else byScope.set(j.partition, [j]);
  }
  let runByScope: Map<number, RunningJob[]> | undefined;
  const runningIn = (scope: number): RunningJob[] => {
    if (!runByScope) {
      runByScope = new Map();
      for (const r of snapshot.running.values()) {
        const sc = byScope.has(r.partition) ? r.partition : byScope.has(-1) ? -1 : undefined;
        if (sc === undefined) continue;
        const l = runByScope.get(sc);
        if (l) l.push(r);
        else runByScope.set(sc, [r]);
      }
    }
    return runByScope.get(scope) ?? [];
  };
  const view = new Scratch(snapshot);
  let revisit = Infinity;
  const key = profile.queueSort;
  for (const scope of [...byScope.keys()].sort((a, b) => a - b)) {
    const pend = byScope.get(scope) ?? [];
    let demand = 0;
    for (const j of pend) demand += j.gpus;
    const free = scope >= 0 ? view.partitionFree(scope) : view.freeFor(pend[0] as SchedJob);
    // fast path: everything pending fits beside the running jobs, so nobody is preempted
    const runs = free >= demand ? [] : runningIn(scope);
    const cands: Cand[] = [];
    for (const j of pend) cands.push({ job: j, run: undefined, key: key.key(j, now, profile.args, snapshot) });
    const capacity = scope >= 0 ? (snapshot.topology.partitionGpus[scope] ?? 0) : snapshot.topology.totalGpus;
    if (runs.length > 0 && !anyChange(cands, runs, capacity, now, profile, snapshot)) {
      // every pending job ranks after every running one and none fits beside them: nothing changes
      if (key.name === "las") revisit = Math.min(revisit, lasCrossing(runs, now, profile.args.lasThresholdsGpuS));
      if (explain)
        for (const j of pend)
          explanations.push({ jobId: j.id, reason: "INSUFFICIENT_GPUS", message: `outranked by running jobs (${key.name})` });
      continue;
    }
    for (const r of runs) cands.push({ job: r, run: r, key: key.key(r, now, profile.args, snapshot) });
    cands.sort((a, b) => a.key - b.key);
    let quota = capacity;
    const admitted: SchedJob[] = [];
    const waiting: SchedJob[] = [];
    for (const c of cands) {
      const g = c.job.gpus;
      if (g <= quota) {
        quota -= g;
        if (!c.run) admitted.push(c.job);
      } else if (c.run) {
        if (now - c.run.runStartS < profile.args.minRunTimeS) {
          quota -= g;
          continue;
        }
        view.give(c.run, c.run.assignments);
        preemptions.push({ jobId: c.run.id, reason: `outranked by queued jobs (${key.name})`, penaltyS: checkpointPenaltyS(g) });
      } else waiting.push(c.job);
    }
    let failed = false;
    for (const j of admitted) {
      const a = placeJob(profile.place, j, view, profile.args);
      if (a) {
        view.take(j, a);
        placements.push({ jobId: j.id, assignments: a });
        if (explain) explanations.push({ jobId: j.id, reason: "SCHEDULED", message: "placed", estimatedStartS: now });
      } else {
        failed = true;
        if (explain) explanations.push({ jobId: j.id, reason: "FRAGMENTED", message: "admitted, but no placement of the required shape" });
      }
    }
    if (explain)
      for (const j of waiting)
        explanations.push({ jobId: j.id, reason: "INSUFFICIENT_GPUS", message: `outranked by jobs with a lower ${key.name} key` });
    if (failed || waiting.length > 0) {
      const gone = new Set(preemptions.map((p) => p.jobId));
      const still = runningIn(scope).filter((r) => !gone.has(r.id));
      if (key.name === "srtf" && failed) revisit = Math.min(revisit, srtfCrossing(pend, still, now));
      if (key.name === "las") revisit = Math.min(revisit, lasCrossing(still, now, profile.args.lasThresholdsGpuS));
    }
  }
  return { placements, preemptions, reservations: [], explanations, ...(Number.isFinite(revisit) ? { revisitAtS: revisit } : {}) };
}

/** False when admission provably keeps the status quo: all pending rank after all running and none fits the rest. */
function anyChange(
  pend: readonly Cand[],
  runs: readonly RunningJob[],
  capacity: number,
  now: number,
  profile: ResolvedProfile,
  snapshot: ClusterSnapshot,
): boolean {
  let maxRun = -Infinity;
  let used = 0;
  for (const r of runs) {
    maxRun = Math.max(maxRun, profile.queueSort.key(r, now, profile.args, snapshot));
    used += r.gpus;
  }
  const left = capacity - used;
  for (const c of pend) if (c.key <= maxRun || c.job.gpus <= left) return true;
  return false;
}

/** When the next running job's remaining time drops below a pending job's (the order then changes). */
function srtfCrossing(pend: readonly SchedJob[], runs: readonly RunningJob[], now: number): number {
  const rem = pend.map((j) => j.remainingS).sort((a, b) => a - b);
  let best = Infinity;
  for (const r of runs) {
    const cur = remainingAt(r, now);
    let lo = 0;
    let hi = rem.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((rem[mid] ?? 0) <= cur) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const p = rem[lo - 1] ?? 0;
    best = Math.min(best, now + (cur - p) + 1);
  }
  return best;
}

/** When the next running job crosses a LAS threshold (and may drop to a lower level). */
function lasCrossing(runs: readonly RunningJob[], now: number, thresholds: readonly number[]): number {
  let best = Infinity;
  for (const r of runs) {
    const attained = r.attainedGpuS + (now - r.runStartS) * r.gpus;
    const next = thresholds.find((t) => t > attained);
    if (next !== undefined && r.gpus > 0) best = Math.min(best, now + Math.ceil((next - attained) / r.gpus));
  }
  return best;
}

import { WHOLE } from "./state.js";
import { Scratch } from "./scratch.js";
import { availabilityFor, type Availability } from "./backfill.js";
import { decideAdmission } from "./admission.js";
import { sortPending } from "./sort.js";
import { placeJob } from "./plugins/filter/fit.js";
import { checkpointPenaltyS } from "./plugins/types.js";
import { jobNodes, neverFits, setCapacity } from "./eligible.js";
import type { ResolvedProfile } from "./profile.js";
import type {
  Assignment,
  ClusterSnapshot,
  DecideContext,
  Decisions,
  Explanation,
  PlacementDecision,
  Preemption,
  Reason,
  Reservation,
  RunningJob,
  SchedJob,
} from "./types.js";

export interface DecideOptions extends DecideContext {
  /** The caller keeps `pending` in the profile's (static) order already; skip sorting. */
  readonly sorted?: boolean;
}

export function demandOf(job: SchedJob): number {
  return job.gpuMilli >= WHOLE ? job.gpus : 0;
}

/** GPUs of the nodes a job may use (its eligible set, partition, or the cluster). */
export function capacityOf(job: SchedJob, snapshot: ClusterSnapshot): number {
  if (job.nodes !== undefined) return setCapacity(snapshot.topology, jobNodes(job, snapshot.topology)).gpus;
  return job.partition >= 0 ? (snapshot.topology.partitionGpus[job.partition] ?? 0) : snapshot.topology.totalGpus;
}

/** Backfill keeps one timeline per scope: the job's eligible node set, else its partition. */
type ScopeKey = number | Int32Array;
const scopeOf = (job: SchedJob): ScopeKey => job.nodes ?? job.partition;

function blockedReason(job: SchedJob, view: Scratch): Reason {
  if (job.gpus === 0 && job.replicas !== undefined) return "INSUFFICIENT_CPUS";
  if (view.freeFor(job) < demandOf(job)) return "INSUFFICIENT_GPUS";
  let maxNode = 0;
  const list = view.nodesFor(job);
  const count = list ? list.length : view.topology.nodeNames.length;
  for (let i = 0; i < count; i++) maxNode = Math.max(maxNode, view.topology.nodeGpus[list ? (list[i] ?? 0) : i] ?? 0);
  return job.gpus > maxNode ? "GANG_INCOMPLETE" : "FRAGMENTED";
}

const MESSAGES: Record<Reason, string> = {
  SCHEDULED: "placed",
  INSUFFICIENT_GPUS: "not enough free GPUs",
  INSUFFICIENT_CPUS: "no node it may use has the free CPUs and memory for a replica (or every such node is cordoned)",
  QUOTA_EXCEEDED: "queue quota exceeded",
  GANG_INCOMPLETE: "not all replicas of the gang fit at once",
  RESERVED_FOR_JOB: "would delay a reserved job",
  BLOCKED_BY_HEAD: "an earlier job in the queue is waiting (strict order)",
  FRAGMENTED: "enough free GPUs in total, but not in the required shape",
  NEVER_FITS: "asks for more GPUs than its partition has",
  PREEMPTED: "preempted",
};

/**
 * The scheduler: pure and synchronous. Reads the snapshot (never writes it), returns placements,
 * preemptions, reservations and one explanation per pending job (when ctx.explain is not false).
 */
export function decide(snapshot: ClusterSnapshot, pending: readonly SchedJob[], profile: ResolvedProfile, ctx: DecideOptions): Decisions {
  if (profile.policy.preemption === "admission") return decideAdmission(snapshot, pending, profile, ctx);
  const now = ctx.nowS;
  const explain = ctx.explain !== false;
  const view = new Scratch(snapshot);
  if (!explain && !profile.preempt && !anyFits(pending, view)) return EMPTY;
  const order = ctx.sorted ? pending : sortPending(pending, profile, now, snapshot);
  const placements: PlacementDecision[] = [];
  const preemptions: Preemption[] = [];
  const reservations: Reservation[] = [];
  const explanations: Explanation[] = [];
  const blocked = new Set<number>();
  const strict = profile.policy.strict;
  let scopeCount = -1;
  const backfill = profile.policy.backfill;
  const avail = new Map<ScopeKey, Availability>();
  const reserved = new Map<ScopeKey, number>();
  // jobs placed in this pass: every scope's timeline (existing or built later) sees their GPUs on its nodes
  const placed: { endS: number; job: SchedJob; assignments: readonly Assignment[] }[] = [];
  let running: RunningJob[] | undefined;
  const evicted = new Set<string>();
  let evictedAt = 0;
  // jobs for which no victim set exists; later jobs of the same scope and queue with no higher
  // priority and no fewer GPUs cannot find one either (victims only get fewer within a pass)
  const noVictims: SchedJob[] = [];

  const availability = (job: SchedJob): Availability => {
    const key = scopeOf(job);
    let av = avail.get(key);
    if (!av) {
      // built from the scratch view, where this pass's placements already hold their GPUs: they come back at their end
      av = availabilityFor(job, snapshot, view.freeFor(job), now);
      for (const p of placed) {
        const g = gpusInScope(key, p.job, p.assignments, snapshot);
        if (g > 0) av.take(p.endS, Infinity, -g);
      }
      avail.set(key, av);
    }
    return av;
  };
  const say = (job: SchedJob, reason: Reason, estimatedStartS?: number, message?: string): void => {
    if (explain)
      explanations.push({
        jobId: job.id,
        reason,
        message: message ?? MESSAGES[reason],
        ...(estimatedStartS !== undefined ? { estimatedStartS } : {}),
      });
  };

  for (const job of order) {
    const scope = scopeOf(job);
    if (strict && blocked.has(job.partition)) {
      if (scopeCount < 0) scopeCount = new Set(order.map((j) => j.partition)).size;
      if (!explain && blocked.size === scopeCount) break;
      say(job, "BLOCKED_BY_HEAD");
      continue;
    }
    const demand = demandOf(job);
    const never = neverFits(job, snapshot.topology);
    if (never !== undefined) {
      say(job, "NEVER_FITS", undefined, never);
      continue;
    }
    if (profile.permit) {
      const p = profile.permit.permit(job, view, profile.args);
      if (!p.ok) {
        say(job, "QUOTA_EXCEEDED", undefined, p.message);
        continue;
      }
    }
    const est = Math.max(job.estimateS, 0);
    if (backfill !== "none" && (reserved.get(scope) ?? 0) > 0 && availability(job).minFree(now, now + est) < demand) {
      let t: number | undefined;
      if (backfill === "conservative") t = reserve(job, availability(job), now, est, demand, reservations, reserved, scope);
      say(job, "RESERVED_FOR_JOB", t);
      continue;
    }
    let a: Assignment[] | undefined = placeJob(profile.place, job, view, profile.args);
    if (!a && profile.preempt && !hopeless(noVictims, job)) {
      running ??= [...snapshot.running.values()];
      if (evictedAt !== evicted.size) {
        running = running.filter((r) => !evicted.has(r.id));
        evictedAt = evicted.size;
      }
      const victims = profile.preempt.victims(job, view, running, now, profile.args);
      if (!victims) noVictims.push(job);
      if (victims && victims.length > 0) {
        for (const v of victims) view.give(v, v.assignments);
        a = placeJob(profile.place, job, view, profile.args);
        if (a) {
          for (const v of victims) {
            evicted.add(v.id);
            preemptions.push({
              jobId: v.id,
              reason: `to place "${job.id}" (${profile.preempt.name})`,
              penaltyS: checkpointPenaltyS(v.gpus),
            });
          }
        } else for (const v of victims) view.take(v, v.assignments);
      }
    }
    if (a) {
      view.take(job, a);
      placements.push({ jobId: job.id, assignments: a });
      if (backfill !== "none") {
        // the same end a running job's timeline entry gets (so a second pass at this time sees the same)
        const endS = now + Math.max(0, job.remainingS);
        placed.push({ endS, job, assignments: a });
        for (const [key, av] of avail) {
          const g = gpusInScope(key, job, a, snapshot);
          if (g > 0) av.take(now, endS, g);
        }
      }
      say(job, "SCHEDULED", now);
      continue;
    }
    const reason = blockedReason(job, view);
    let t: number | undefined;
    if (backfill !== "none" && (backfill === "conservative" || (reserved.get(scope) ?? 0) === 0)) {
      t = reserve(job, availability(job), now, est, demand, reservations, reserved, scope);
    } else if (explain) t = finite(availability(job).earliest(demand, est)); // one timeline per scope, not per job
    if (strict) blocked.add(job.partition);
    say(job, reason, t);
  }
  return { placements, preemptions, reservations, explanations };
}

const SETS = new WeakMap<Int32Array, Set<number>>();

/** Whole GPUs of a placement that lie in a backfill scope (a partition, all nodes, or a node set). */
function gpusInScope(key: ScopeKey, job: SchedJob, a: readonly Assignment[], snapshot: ClusterSnapshot): number {
  if (job.gpuMilli < WHOLE) return 0;
  if (typeof key === "number") {
    if (key < 0) return job.gpus;
    let g = 0;
    for (const x of a) if (snapshot.topology.nodePartition[x.node] === key) g += x.gpus.length;
    return g;
  }
  let set = SETS.get(key);
  if (!set) SETS.set(key, (set = new Set(key)));
  let g = 0;
  for (const x of a) if (set.has(x.node)) g += x.gpus.length;
  return g;
}

function hopeless(failed: readonly SchedJob[], job: SchedJob): boolean {
  for (const f of failed)
    if (f.partition === job.partition && f.queue === job.queue && f.priority >= job.priority && f.gpus <= job.gpus) return true;
  return false;
}

const EMPTY: Decisions = { placements: [], preemptions: [], reservations: [], explanations: [] };

/** Whether any pending job could be placed at all (its scope has enough free GPUs); O(pending), no sort. */
function anyFits(pending: readonly SchedJob[], view: Scratch): boolean {
  for (const j of pending) {
    if (j.gpus === 0 && j.replicas !== undefined) return true; // CPU-only live job: the GPU count says nothing
    if (view.freeFor(j) >= Math.max(demandOf(j), 1)) return true;
  }
  return false;
}

function finite(t: number): number | undefined {
  return Number.isFinite(t) ? t : undefined;
}

function reserve(
  job: SchedJob,
  av: Availability,
  now: number,
  est: number,
  demand: number,
  out: Reservation[],
  reserved: Map<ScopeKey, number>,
  scope: ScopeKey,
): number | undefined {
  // a blocked job cannot start now even if the counts say so (its shape does not fit): next step at the earliest
  let t = av.earliest(demand, est);
  if (t === now) t = av.earliestAfter(now, demand, est);
  if (!Number.isFinite(t)) return undefined;
  av.take(t, t + est, demand);
  out.push({ jobId: job.id, startS: t, gpus: demand, partition: job.partition });
  reserved.set(scope, (reserved.get(scope) ?? 0) + 1);
  return t;
}

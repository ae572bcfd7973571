import { jobGpus, round, type JobView, type ProposedChange, type Recommendation } from "./types.js";

/** The reclaim advice as a profile: a quota-enforcing policy that takes borrowed GPUs back. */
export const RECLAIM_PROFILE = `apiVersion: aidc/v1
kind: SchedulerProfile
metadata: { name: drf-reclaim }
spec: { policy: drf, preemption: { mode: reclaim } }
`;

export interface QueueView {
  readonly name: string;
  /** Guaranteed GPUs; undefined = no quota (the rule ignores such queues). */
  readonly quotaGpus?: number;
  readonly cohort?: string;
  /** GPUs the queue may borrow from its cohort above its quota (unlimited when undefined). */
  readonly borrowingLimitGpus?: number;
  /** The partition whose nodes the queue's jobs run on (undefined: any node). */
  readonly partition?: string;
  /** Accelerator ids of the nodes the queue's jobs can run on (undefined: unknown, not compared). */
  readonly gpuTypes?: readonly string[];
}

/**
 * Whether GPUs one queue leaves idle or holds could serve another queue's jobs: the same partition
 * (when both name one) and at least one GPU type in common (when both are known). Quota on L40S nodes
 * does not help a queue whose jobs run on H100 nodes.
 */
export function shareNodes(a: QueueView, b: QueueView): boolean {
  if (a.partition !== undefined && b.partition !== undefined && a.partition !== b.partition) return false;
  if (a.gpuTypes === undefined || b.gpuTypes === undefined) return true;
  return a.gpuTypes.some((t) => b.gpuTypes?.includes(t));
}

export interface QueueImbalanceThresholds {
  /** A queue is "far above" its quota when it uses more than quota x overRatio (and at least one GPU more). */
  readonly overRatio: number;
  /** A queue is "far below" when it uses less than quota x underRatio. */
  readonly underRatio: number;
}
export const QUEUE_IMBALANCE_DEFAULTS: QueueImbalanceThresholds = { overRatio: 1.25, underRatio: 0.5 };

interface Usage {
  readonly q: QueueView & { quotaGpus: number };
  readonly used: number;
  readonly pending: number;
  readonly smallestPending: number;
}

/**
 * Queues with pending work that are below their quota while another queue runs far above its quota
 * (reclaim: a quota-enforcing policy or preemption gives the waiting queue its share), and queues far
 * below their quota with nothing pending while another waits at or above its quota (lend the idle quota).
 */
export function queueImbalanceRule(
  queues: readonly QueueView[],
  jobs: readonly JobView[],
  t: QueueImbalanceThresholds = QUEUE_IMBALANCE_DEFAULTS,
): Recommendation[] {
  const usage: Usage[] = queues
    .filter((q): q is QueueView & { quotaGpus: number } => q.quotaGpus !== undefined && q.quotaGpus > 0)
    .map((q) => {
      const mine = jobs.filter((j) => j.queue === q.name);
      const pend = mine.filter((j) => j.state === "pending").map(jobGpus);
      return {
        q,
        used: mine.filter((j) => j.state !== "pending").reduce((s, j) => s + jobGpus(j), 0),
        pending: pend.reduce((a, b) => a + b, 0),
        smallestPending: pend.length > 0 ? Math.min(...pend) : 0,
      };
    });
  const out: Recommendation[] = [];
  const over = usage.filter((u) => u.used > u.q.quotaGpus * t.overRatio && u.used - u.q.quotaGpus >= 1);
  const evidenceOf = (u: Usage) => ({ queue: u.q.name, quotaGpus: u.q.quotaGpus, usedGpus: round(u.used), pendingGpus: round(u.pending) });
  for (const starved of usage.filter((u) => u.pending > 0 && u.used + u.smallestPending <= u.q.quotaGpus)) {
    const hog = over
      .filter((o) => o !== starved && shareNodes(o.q, starved.q))
      .sort((a, b) => b.used - b.q.quotaGpus - (a.used - a.q.quotaGpus))[0];
    if (hog === undefined) continue;
    const reclaim = Math.min(hog.used - hog.q.quotaGpus, starved.q.quotaGpus - starved.used, starved.pending);
    out.push({
      id: `queue-imbalance/reclaim/${starved.q.name}`,
      kind: "queue-imbalance",
      severity: "warning",
      title: `Queue ${starved.q.name} waits for ${round(starved.pending)} GPU(s) below its quota of ${starved.q.quotaGpus} while ${hog.q.name} uses ${round(hog.used)} (quota ${hog.q.quotaGpus})`,
      evidence: {
        source: "running/pending jobs per queue vs the cluster file's queue quotas",
        waiting: evidenceOf(starved),
        over: evidenceOf(hog),
      },
      expectedGain: {
        value: round(reclaim),
        unit: "gpus",
        basis: `GPUs ${starved.q.name} is entitled to but ${hog.q.name} holds beyond its quota`,
      },
      action: {
        description: `Run a quota-enforcing policy (drf) so ${hog.q.name} cannot hold ${starved.q.name}'s share, and mark ${hog.q.name}'s jobs preemptible so the share is reclaimed when needed`,
        command: "aidc serve --profile drf-reclaim.yaml …",
      },
      change: { profile: RECLAIM_PROFILE },
    });
  }
  const waitingAtQuota = usage.filter((u) => u.pending > 0 && u.used + u.smallestPending > u.q.quotaGpus);
  for (const idle of usage.filter((u) => u.pending === 0 && u.used < u.q.quotaGpus * t.underRatio)) {
    const needy = waitingAtQuota.filter((w) => w !== idle && shareNodes(w.q, idle.q)).sort((a, b) => b.pending - a.pending)[0];
    if (needy === undefined) continue;
    const lend = Math.min(idle.q.quotaGpus - idle.used, needy.pending);
    const advice = lendAdvice(idle, needy, lend, usage);
    if (advice === undefined) continue;
    out.push({
      id: `queue-imbalance/lend/${idle.q.name}`,
      kind: "queue-imbalance",
      severity: "info",
      title: `Queue ${idle.q.name} uses ${round(idle.used)} of its ${idle.q.quotaGpus} GPU quota while ${needy.q.name} waits for ${round(needy.pending)} GPU(s) at its quota`,
      evidence: {
        source: "running/pending jobs per queue vs the cluster file's queue quotas",
        idle: evidenceOf(idle),
        waiting: evidenceOf(needy),
        ...(idle.q.cohort !== undefined && idle.q.cohort === needy.q.cohort ? { cohort: idle.q.cohort } : {}),
      },
      expectedGain: { value: round(lend), unit: "gpus", basis: `unused quota of ${idle.q.name} that ${needy.q.name} could borrow` },
      action: { description: advice.description },
      change: advice.change,
    });
  }
  return out;
}

const quotaOf = (q: QueueView & { quotaGpus: number }, o: { cohort?: string; borrowingLimitGpus?: number | undefined } = {}) => {
  const cohort = o.cohort ?? q.cohort;
  const limit = o.borrowingLimitGpus ?? q.borrowingLimitGpus;
  return {
    queue: q.name,
    nominalGpus: q.quotaGpus,
    ...(cohort !== undefined ? { cohort } : {}),
    ...(limit !== undefined ? { borrowingLimitGpus: limit } : {}),
  };
};

/**
 * What lets `needy` use `idle`'s unused quota. Queues of one cohort may borrow already: only a borrowing
 * limit the waiting jobs run into, with unused quota left in the cohort, is worth raising; otherwise the
 * wait has another cause (undefined: no advice).
 */
function lendAdvice(
  idle: Usage,
  needy: Usage,
  lend: number,
  usage: readonly Usage[],
): { description: string; change: ProposedChange } | undefined {
  const { q } = needy;
  if (idle.q.cohort === undefined || idle.q.cohort !== q.cohort) {
    const cohort = q.cohort ?? idle.q.cohort ?? `${q.name}-${idle.q.name}`;
    // a queue without a borrowing limit may borrow all the cohort's unused quota already
    const limit = q.borrowingLimitGpus === undefined ? undefined : Math.max(q.borrowingLimitGpus, Math.ceil(lend));
    return {
      description: `Put ${idle.q.name} and ${q.name} in one cohort and give ${q.name} a borrowingLimit (cluster file queues[].cohort / borrowingLimit.gpus), or move quota from ${idle.q.name} to ${q.name}`,
      change: { quotas: [quotaOf(idle.q, { cohort }), quotaOf(q, { cohort, borrowingLimitGpus: limit })] },
    };
  }
  const cap = q.borrowingLimitGpus;
  if (cap === undefined || needy.used + needy.smallestPending <= q.quotaGpus + cap) return undefined;
  // a higher limit helps only while the cohort has unused quota left (the waiting queue may already borrow all of it)
  const cohort = usage.filter((u) => u.q.cohort === q.cohort);
  const unused = cohort.reduce((s, u) => s + u.q.quotaGpus - u.used, 0);
  if (unused < needy.smallestPending) return undefined;
  const need = Math.ceil(needy.used + needy.smallestPending - q.quotaGpus);
  return {
    description: `${idle.q.name} and ${q.name} already share cohort ${q.cohort}, but ${q.name} may borrow only ${cap} GPU(s): raise its borrowingLimit.gpus to at least ${need} (cluster file queues[].borrowingLimit), or move quota from ${idle.q.name} to ${q.name}`,
    change: { quotas: [quotaOf(q, { borrowingLimitGpus: need })] },
  };
}

import { jobGpus, round, type JobView, type Recommendation } from "./types.js";

export interface QueueView {
  readonly name: string;
  /** Guaranteed GPUs; undefined = no quota (the rule ignores such queues). */
  readonly quotaGpus?: number;
  readonly cohort?: string;
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
    const hog = over.filter((o) => o !== starved).sort((a, b) => b.used - b.q.quotaGpus - (a.used - a.q.quotaGpus))[0];
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
        command: "aidc serve --policy drf …",
      },
    });
  }
  const waitingAtQuota = usage.filter((u) => u.pending > 0 && u.used + u.smallestPending > u.q.quotaGpus);
  for (const idle of usage.filter((u) => u.pending === 0 && u.used < u.q.quotaGpus * t.underRatio)) {
    const needy = waitingAtQuota.filter((w) => w !== idle).sort((a, b) => b.pending - a.pending)[0];
    if (needy === undefined) continue;
    const lend = Math.min(idle.q.quotaGpus - idle.used, needy.pending);
    out.push({
      id: `queue-imbalance/lend/${idle.q.name}`,
      kind: "queue-imbalance",
      severity: "info",
      title: `Queue ${idle.q.name} uses ${round(idle.used)} of its ${idle.q.quotaGpus} GPU quota while ${needy.q.name} waits for ${round(needy.pending)} GPU(s) at its quota`,
      evidence: {
        source: "running/pending jobs per queue vs the cluster file's queue quotas",
        idle: evidenceOf(idle),
        waiting: evidenceOf(needy),
      },
      expectedGain: { value: round(lend), unit: "gpus", basis: `unused quota of ${idle.q.name} that ${needy.q.name} could borrow` },
      action: {
        description: `Put ${idle.q.name} and ${needy.q.name} in one cohort and give ${needy.q.name} a borrowingLimit (cluster file queues[].cohort / borrowingLimit.gpus), or move quota from ${idle.q.name} to ${needy.q.name}`,
      },
    });
  }
  return out;
}

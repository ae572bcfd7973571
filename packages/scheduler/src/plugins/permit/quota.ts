import { WHOLE } from "../../state.js";
import type { Scratch } from "../../scratch.js";
import type { SchedJob } from "../../types.js";
import type { PermitPlugin, PluginArgs, QueueQuota } from "../types.js";

export function demandGpus(job: SchedJob): number {
  return (job.gpus * job.gpuMilli) / WHOLE;
}

function cohortTotals(cohort: string, view: Scratch, args: PluginArgs): { nominal: number; used: number } {
  let nominal = 0;
  let used = 0;
  for (const q of args.quotas.values()) {
    if (q.cohort !== cohort) continue;
    nominal += q.nominalGpus;
    used += view.queueUsed(q.queue);
  }
  return { nominal, used };
}

/**
 * Kueue-style quotas: a queue runs within its nominal GPUs; with a cohort it may borrow the cohort's
 * unused nominal quota up to its borrowing limit. Queues without a quota are not limited.
 */
export function quotaCheck(job: SchedJob, view: Scratch, args: PluginArgs): { ok: boolean; borrowing: boolean; message: string } {
  const q: QueueQuota | undefined = args.quotas.get(job.queue);
  if (q === undefined) return { ok: true, borrowing: false, message: "" };
  const want = view.queueUsed(job.queue) + demandGpus(job);
  if (want <= q.nominalGpus + 1e-9) return { ok: true, borrowing: false, message: "" };
  if (q.cohort === undefined) {
    return { ok: false, borrowing: false, message: `queue "${job.queue}" would use ${want} GPUs, its quota is ${q.nominalGpus}` };
  }
  const borrow = want - q.nominalGpus;
  if (q.borrowingLimitGpus !== undefined && borrow > q.borrowingLimitGpus + 1e-9) {
    return {
      ok: false,
      borrowing: true,
      message: `queue "${job.queue}" would borrow ${borrow} GPUs, its limit is ${q.borrowingLimitGpus}`,
    };
  }
  const c = cohortTotals(q.cohort, view, args);
  if (c.used + demandGpus(job) > c.nominal + 1e-9) {
    return { ok: false, borrowing: true, message: `cohort "${q.cohort}" has no unused quota (${c.used}/${c.nominal} GPUs in use)` };
  }
  return { ok: true, borrowing: true, message: "" };
}

export const quotaPermit: PermitPlugin = {
  kind: "permit",
  name: "quota",
  permit(job, view, args) {
    const r = quotaCheck(job, view, args);
    return r.ok ? { ok: true } : { ok: false, message: r.message };
  },
};

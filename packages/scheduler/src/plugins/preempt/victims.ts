import type { Scratch } from "../../scratch.js";
import type { RunningJob, SchedJob } from "../../types.js";
import type { PluginArgs, PreemptPlugin } from "../types.js";

const SETS = new WeakMap<Int32Array, Set<number>>();

/** GPUs a running job would free where `job` may run (all of them, unless the job has an eligible node set). */
function gpusFor(job: SchedJob, r: RunningJob): number {
  if (job.nodes === undefined) return r.gpus;
  let set = SETS.get(job.nodes);
  if (!set) SETS.set(job.nodes, (set = new Set(job.nodes)));
  let n = 0;
  for (const a of r.assignments) if (set.has(a.node) && a.gpuMilli >= 1000) n += a.gpus.length;
  return n;
}

function sameScope(job: SchedJob, r: RunningJob): boolean {
  if (job.partition >= 0 && r.partition !== job.partition) return false;
  return job.nodes === undefined || gpusFor(job, r) > 0;
}

function eligible(r: RunningJob, nowS: number, args: PluginArgs): boolean {
  return nowS - r.runStartS >= args.minRunTimeS;
}

/** Evict in the given order until the job's GPU demand is free in its scope; undefined if not enough. */
function collect(job: SchedJob, view: Scratch, candidates: RunningJob[]): RunningJob[] | undefined {
  let free = view.freeFor(job);
  const out: RunningJob[] = [];
  for (const r of candidates) {
    if (free >= job.gpus) break;
    out.push(r);
    free += gpusFor(job, r);
  }
  return free >= job.gpus ? out : undefined;
}

/** Strictly lower priority victims, lowest priority first, then the most recently started (least work lost). */
export const priorityPreempt: PreemptPlugin = {
  kind: "preempt",
  name: "priority",
  victims(job, view, running, nowS, args) {
    const c = running
      .filter((r) => r.priority < job.priority && sameScope(job, r) && eligible(r, nowS, args))
      .sort((a, b) => a.priority - b.priority || b.runStartS - a.runStartS || b.seq - a.seq);
    return collect(job, view, c);
  },
};

/**
 * Kueue-style reclaim: a queue below its nominal quota takes back GPUs from queues that borrow
 * (use more than their nominal), newest borrower's jobs first.
 */
export const reclaimPreempt: PreemptPlugin = {
  kind: "preempt",
  name: "reclaim",
  victims(job, view, running, nowS, args) {
    const mine = args.quotas.get(job.queue);
    if (mine === undefined || view.queueUsed(job.queue) + job.gpus > mine.nominalGpus) return undefined;
    const over = new Map<string, number>();
    for (const q of args.quotas.values()) {
      if (q.queue !== job.queue && (mine.cohort === undefined || q.cohort === mine.cohort)) {
        const excess = view.queueUsed(q.queue) - q.nominalGpus;
        if (excess > 0) over.set(q.queue, excess);
      }
    }
    const c = running
      .filter((r) => over.has(r.queue) && sameScope(job, r) && eligible(r, nowS, args))
      .sort((a, b) => b.runStartS - a.runStartS || b.seq - a.seq);
    const picked: RunningJob[] = [];
    for (const r of c) {
      const left = over.get(r.queue) ?? 0;
      if (left <= 0) continue;
      picked.push(r);
      over.set(r.queue, left - r.gpus);
    }
    return collect(job, view, picked);
  },
};

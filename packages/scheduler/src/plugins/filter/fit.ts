import { WHOLE } from "../../state.js";
import type { Scratch } from "../../scratch.js";
import type { Assignment, SchedJob } from "../../types.js";
import type { FilterPlugin, PlacePlugin, PluginArgs } from "../types.js";

/** True when a job asks nothing of nodes beyond free GPUs (trace jobs): placements need no filter. */
export function unconstrained(job: SchedJob): boolean {
  return job.nodes === undefined && job.replicaGpus === undefined && job.cpuMilli === undefined && job.memMiB === undefined;
}

/** Replicas of a job that an assignment holds on its node. */
function replicasOn(job: SchedJob, a: Assignment): number {
  if (job.gpus === 0 || job.gpuMilli < WHOLE) return a.gpus.length === 0 ? 1 : a.gpus.length;
  return a.gpus.length / Math.max(1, job.replicaGpus ?? 1);
}

/**
 * The filter every placement respects: a live job's node must be in its eligible set (partition,
 * GPU type, node selector), up, and hold whole replicas within its free CPUs and memory.
 * Placement plugins size their pieces with `Scratch.fitFree`, which applies the same rule.
 */
export const fitFilter: FilterPlugin = {
  kind: "filter",
  name: "fit",
  filter(job, node, view) {
    const nodes = view.nodesFor(job);
    if (nodes !== undefined && !includes(nodes, node)) return false;
    return view.replicasFit(job, node) >= 1;
  },
};

function includes(sorted: Int32Array, n: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid] ?? 0;
    if (v === n) return true;
    if (v < n) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Whether a plugin's placement passes the filter on every node (whole replicas that fit). */
function respected(job: SchedJob, a: readonly Assignment[], view: Scratch): boolean {
  for (const x of a) {
    if (!fitFilter.filter(job, x.node, view)) return false;
    const k = replicasOn(job, x);
    if (!Number.isInteger(k) || k > view.replicasFit(job, x.node)) return false;
  }
  return true;
}

/** Attach the CPUs and memory the job's replicas hold on each node. */
function withResources(job: SchedJob, a: Assignment[]): Assignment[] {
  if (job.cpuMilli === undefined && job.memMiB === undefined) return a;
  return a.map((x) => {
    const k = replicasOn(job, x);
    return { ...x, ...(job.cpuMilli ? { cpuMilli: job.cpuMilli * k } : {}), ...(job.memMiB ? { memMiB: job.memMiB * k } : {}) };
  });
}

/** CPU-only replicas, one by one, each to the eligible node left with the fewest free CPUs that still holds it (best fit). */
function placeCpuReplicas(job: SchedJob, view: Scratch, replicas: number): Assignment[] | undefined {
  const list = view.nodesFor(job);
  const count = list ? list.length : view.topology.nodeNames.length;
  const taken = new Map<number, number>();
  for (let r = 0; r < replicas; r++) {
    let best = -1;
    let bestLeft = Infinity;
    for (let i = 0; i < count; i++) {
      const n = list ? (list[i] ?? 0) : i;
      const room = view.replicasFit(job, n) - (taken.get(n) ?? 0);
      if (room < 1) continue;
      const left = (view.topology.nodeCpuMilli[n] ?? 0) > 0 ? view.cpuFree(n) - ((taken.get(n) ?? 0) + 1) * (job.cpuMilli ?? 0) : 0;
      if (left < bestLeft) {
        best = n;
        bestLeft = left;
      }
    }
    if (best < 0) return undefined;
    taken.set(best, (taken.get(best) ?? 0) + 1);
  }
  return [...taken].map(([node, k]) => ({
    node,
    gpus: [],
    gpuMilli: WHOLE,
    ...(job.cpuMilli ? { cpuMilli: job.cpuMilli * k } : {}),
    ...(job.memMiB ? { memMiB: job.memMiB * k } : {}),
  }));
}

/**
 * Place a job with the profile's placement plugin. Trace jobs keep the plugin's placement exactly.
 * A live job's placement must pass the fit filter (the plugins size pieces with `fitFree`, so it
 * does); one that does not is refused, never replaced by another placement. CPU-only live jobs are
 * placed by CPUs and memory (the GPU plugins have nothing to choose).
 */
export function placeJob(plugin: PlacePlugin, job: SchedJob, view: Scratch, args: PluginArgs): Assignment[] | undefined {
  if (unconstrained(job)) return plugin.place(job, view, args);
  if (job.gpus === 0 && job.replicas !== undefined) return placeCpuReplicas(job, view, job.replicas);
  const a = plugin.place(job, view, args);
  if (a === undefined || !respected(job, a, view)) return undefined;
  return withResources(job, a);
}

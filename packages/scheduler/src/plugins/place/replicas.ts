import { WHOLE } from "../../state.js";
import type { Scratch } from "../../scratch.js";
import type { Assignment, SchedJob } from "../../types.js";
import type { PlacePlugin, PluginArgs } from "../types.js";

/** True when every node of the placement hosts a whole number of replicas. */
function replicaAligned(a: readonly Assignment[], replicaGpus: number): boolean {
  return a.every((x) => x.gpus.length % replicaGpus === 0);
}

/**
 * Replicas of `replicaGpus` GPUs each, each on one node: replicas go one by one to the node
 * left with the fewest free GPUs that still holds one (best fit). Undefined when they do not fit.
 */
export function placeReplicas(job: SchedJob, view: Scratch, replicaGpus: number): Assignment[] | undefined {
  const list = view.nodesFor(job);
  const count = list ? list.length : view.topology.nodeNames.length;
  const taken = new Map<number, number>();
  for (let r = 0; r < job.gpus / replicaGpus; r++) {
    let best = -1;
    let bestLeft = Infinity;
    for (let i = 0; i < count; i++) {
      const n = list ? (list[i] ?? 0) : i;
      const left = view.nodeFree(n) - (taken.get(n) ?? 0) - replicaGpus;
      if (left >= 0 && left < bestLeft) {
        best = n;
        bestLeft = left;
      }
    }
    if (best < 0) return undefined;
    taken.set(best, (taken.get(best) ?? 0) + replicaGpus);
  }
  return [...taken].map(([node, k]) => ({ node, gpus: view.wholeGpus(node, k), gpuMilli: WHOLE }));
}

/**
 * Run the profile's placement; for jobs whose replicas must each sit on one node (live jobs with
 * `replicaGpus`), a placement that splits a replica across nodes is replaced by a replica-aware one.
 * Trace jobs (no `replicaGpus`) keep the plugin's placement exactly.
 */
export function placeJob(plugin: PlacePlugin, job: SchedJob, view: Scratch, args: PluginArgs): Assignment[] | undefined {
  const a = plugin.place(job, view, args);
  const r = job.replicaGpus;
  if (r === undefined || r <= 1 || job.gpuMilli < WHOLE || job.gpus % r !== 0) return a;
  return a && replicaAligned(a, r) ? a : placeReplicas(job, view, r);
}

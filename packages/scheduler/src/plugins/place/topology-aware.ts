import { WHOLE } from "../../state.js";
import type { Scratch } from "../../scratch.js";
import type { Assignment, SchedJob } from "../../types.js";
import type { PlacePlugin } from "../types.js";
import { bestFit, placeScored } from "./scored.js";

/** Try to satisfy `need` GPUs from the given nodes, fullest-fit first; undefined if they do not hold enough. */
function fromGroup(job: SchedJob, nodes: readonly number[], need: number, view: Scratch): Assignment[] | undefined {
  let total = 0;
  for (const n of nodes) total += view.fitFree(job, n);
  if (total < need) return undefined;
  const order = [...nodes].sort((a, b) => view.fitFree(job, b) - view.fitFree(job, a) || a - b);
  const out: Assignment[] = [];
  for (const n of order) {
    if (need === 0) break;
    const k = Math.min(view.fitFree(job, n), need);
    if (k === 0) continue;
    out.push({ node: n, gpus: view.wholeGpus(n, k), gpuMilli: WHOLE });
    need -= k;
  }
  return out;
}

function groups(job: SchedJob, view: Scratch, by: Int32Array): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const list = view.nodesFor(job);
  const count = list ? list.length : view.topology.nodeNames.length;
  for (let i = 0; i < count; i++) {
    const n = list ? (list[i] ?? 0) : i;
    if (view.fitFree(job, n) === 0) continue;
    const k = by[n] ?? 0;
    const g = out.get(k);
    if (g) g.push(n);
    else out.set(k, [n]);
  }
  return out;
}

/** Smallest-slack group (rack or pod) that holds the job, so large gangs stay close and leave big groups whole. */
function bestGroup(job: SchedJob, view: Scratch, by: Int32Array): Assignment[] | undefined {
  let best: number[] | undefined;
  let bestFree = Infinity;
  for (const nodes of [...groups(job, view, by).entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1])) {
    let free = 0;
    for (const n of nodes) free += view.fitFree(job, n);
    if (free >= job.gpus && free < bestFree) {
      best = nodes;
      bestFree = free;
    }
  }
  return best ? fromGroup(job, best, job.gpus, view) : undefined;
}

/** Same node > same rack > same pod > anywhere; best fit inside each level. */
export const topologyAware: PlacePlugin = {
  kind: "place",
  name: "topology-aware",
  description: "same node > same rack > same pod > anywhere, best fit within each level",
  place(job, view, args) {
    if (job.gpuMilli < WHOLE) return bestFit.place(job, view, args);
    if (view.freeFor(job) < job.gpus) return undefined;
    const single = placeScored(job, view, (n, free, want) => (free >= want ? -(free - want) * 1e6 - n : -Infinity), args);
    if (single && single.length === 1) return single;
    return bestGroup(job, view, view.topology.nodeRack) ?? bestGroup(job, view, view.topology.nodePod) ?? bestFit.place(job, view, args);
  },
};

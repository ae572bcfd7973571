import { WHOLE } from "../../state.js";
import type { Scratch } from "../../scratch.js";
import type { Assignment, SchedJob } from "../../types.js";
import type { PlacePlugin, PluginArgs } from "../types.js";

/** Higher is better; called only for nodes that can host the piece. */
export type NodeScore = (node: number, free: number, want: number, view: Scratch, args: PluginArgs) => number;

const ALL_NODES = new WeakMap<object, Int32Array>();

function candidateNodes(job: SchedJob, view: Scratch): ArrayLike<number> {
  const list = view.nodesFor(job);
  if (list) return list;
  let all = ALL_NODES.get(view.topology);
  if (!all) {
    all = new Int32Array(view.topology.nodeNames.length);
    for (let i = 0; i < all.length; i++) all[i] = i;
    ALL_NODES.set(view.topology, all);
  }
  return all;
}

/** Place a fractional (gpuMilli < 1000) single-GPU job on the best node that has a GPU with that share left. */
function placeShared(job: SchedJob, view: Scratch, score: NodeScore, args: PluginArgs): Assignment[] | undefined {
  const nodes = candidateNodes(job, view);
  let best = -1;
  let bestGpu = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] ?? 0;
    if (view.isDown(n) || view.replicasFit(job, n) < 1) continue;
    const g = view.sharedGpu(n, job.gpuMilli);
    if (g < 0) continue;
    const s = score(n, view.nodeFree(n), 1, view, args);
    if (s > bestScore) {
      bestScore = s;
      best = n;
      bestGpu = g;
    }
  }
  return best < 0 ? undefined : [{ node: best, gpus: [bestGpu], gpuMilli: job.gpuMilli }];
}

/**
 * Whole-GPU placement driven by a node score: a job that fits one node goes to the best-scoring such
 * node; a larger gang takes whole nodes' free GPUs in score order (all or nothing).
 */
export function placeScored(job: SchedJob, view: Scratch, score: NodeScore, args: PluginArgs): Assignment[] | undefined {
  if (job.gpuMilli < WHOLE) return placeShared(job, view, score, args);
  if (view.freeFor(job) < job.gpus) return undefined;
  const nodes = candidateNodes(job, view);
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] ?? 0;
    const free = view.fitFree(job, n);
    if (free < job.gpus) continue;
    const s = score(n, free, job.gpus, view, args);
    if (s > bestScore) {
      bestScore = s;
      best = n;
    }
  }
  if (best >= 0) return [{ node: best, gpus: view.wholeGpus(best, job.gpus), gpuMilli: WHOLE }];
  // gang across nodes: order the nodes with free GPUs by score, take until satisfied
  const order: { n: number; s: number; free: number }[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] ?? 0;
    const free = view.fitFree(job, n);
    if (free > 0) order.push({ n, s: score(n, free, Math.min(free, job.gpus), view, args), free });
  }
  order.sort((a, b) => b.s - a.s || a.n - b.n);
  const out: Assignment[] = [];
  let need = job.gpus;
  for (const o of order) {
    if (need === 0) break;
    const k = Math.min(o.free, need);
    out.push({ node: o.n, gpus: view.wholeGpus(o.n, k), gpuMilli: WHOLE });
    need -= k;
  }
  return need === 0 ? out : undefined;
}

function scored(name: string, description: string, score: NodeScore): PlacePlugin {
  return { kind: "place", name, description, place: (job, view, args) => placeScored(job, view, score, args) };
}

export const firstFit = scored("first-fit", "lowest-index node that fits", (n) => -n);
export const bestFit = scored(
  "best-fit",
  "node left with the fewest free GPUs after placement",
  (n, free, want) => -(free - want) * 1e6 - n,
);
export const packing = scored(
  "packing",
  "most-allocated node first (highest used fraction)",
  (n, free, _w, view) => (1 - free / Math.max(1, view.topology.nodeGpus[n] ?? 1)) * 1e6 - n,
);
export const spreading = scored("spreading", "node with the most free GPUs first", (n, free) => free * 1e6 - n);
export const randomFit = scored("random", "uniformly random node among those that fit (seeded)", (_n, _f, _w, _v, args) =>
  args.rng ? args.rng.next() : 0,
);

import { WHOLE } from "../../state.js";
import type { Scratch } from "../../scratch.js";
import type { Assignment, SchedJob } from "../../types.js";
import type { PlacePlugin, PluginArgs } from "../types.js";
import { bestFit } from "./scored.js";

/**
 * The Helios simulator's `consolidate` placement, reproduced exactly for 8-GPU nodes:
 * ≤ 8 GPUs → one node, best fit (fewest free GPUs that fit; ties → lowest index);
 * a multiple of 8 → that many completely free nodes; otherwise ⌊g/8⌋ free nodes plus the node
 * with the most free GPUs after them (ties → lowest index) if it holds the remainder.
 */
export function consolidatePlace(job: SchedJob, view: Scratch, args?: PluginArgs): Assignment[] | undefined {
  // fractional jobs are outside Helios' model: they share a GPU, packed best-fit
  if (job.gpuMilli < WHOLE) return args ? bestFit.place(job, view, args) : undefined;
  const g = job.gpus;
  if (view.freeFor(job) < g) return undefined;
  const list = view.nodesFor(job);
  const count = list ? list.length : view.topology.nodeNames.length;
  const at = (i: number): number => (list ? (list[i] ?? 0) : i);
  const per = 8;
  if (g <= per) {
    let best = -1;
    let bestFree = Infinity;
    for (let i = 0; i < count; i++) {
      const n = at(i);
      const f = view.fitFree(job, n);
      if (f >= g && f < bestFree) {
        best = n;
        bestFree = f;
      }
    }
    return best < 0 ? undefined : [{ node: best, gpus: view.wholeGpus(best, g), gpuMilli: WHOLE }];
  }
  // descending by free GPUs, ties by index (Python's stable sort on the node list)
  const full: number[] = [];
  let partial = -1;
  let partialFree = -1;
  for (let i = 0; i < count; i++) {
    const n = at(i);
    const f = view.fitFree(job, n);
    if (f === per) full.push(n);
    else if (f > partialFree) {
      partial = n;
      partialFree = f;
    }
  }
  const whole = Math.floor(g / per);
  const rem = g % per;
  if (rem === 0) {
    if (full.length < whole) return undefined;
    return full.slice(0, whole).map((n) => ({ node: n, gpus: view.wholeGpus(n, per), gpuMilli: WHOLE }));
  }
  if (full.length < whole) return undefined;
  const out: Assignment[] = full.slice(0, whole).map((n) => ({ node: n, gpus: view.wholeGpus(n, per), gpuMilli: WHOLE }));
  const last = full.length > whole ? full[whole] : partialFree >= rem ? partial : undefined;
  if (last === undefined) return undefined;
  out.push({ node: last, gpus: view.wholeGpus(last, rem), gpuMilli: WHOLE });
  return out;
}

export const consolidate: PlacePlugin = {
  kind: "place",
  name: "consolidate",
  description: "Helios consolidate: best fit on one node for ≤ 8 GPUs, whole free nodes for larger jobs",
  place: (job, view, args) => consolidatePlace(job, view, args),
};

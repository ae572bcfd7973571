import { eligibleNodes, topologyFromModel, type Assignment, type RunningJob, type SchedJob, type Topology } from "@aidc/scheduler";
import type { TwinPending, TwinRunning, TwinState } from "@aidc/simulator";
import { withQuotas, type ProfileDesc } from "./profile.js";
import { asPending } from "./snapshot.js";
import type { NodeWish, TwinInput, WhatIfPlan } from "./types.js";

/** Index maps from one topology to another, by node and partition name. */
interface Remap {
  readonly to: Topology;
  readonly node: Int32Array;
  readonly partition: (p: number) => number;
}

function remapOf(from: Topology, to: Topology): Remap {
  const byName = new Map(to.nodeNames.map((n, i) => [n, i]));
  const node = Int32Array.from(from.nodeNames, (n) => byName.get(n) ?? -1);
  const parts = from.partitionNames.map((p) => to.partitionNames.indexOf(p));
  return { to, node, partition: (p) => (p < 0 ? p : (parts[p] ?? -1)) };
}

function moveJob<T extends SchedJob>(job: T, m: Remap, from: Topology, wish: NodeWish | undefined): T {
  const partition = m.partition(job.partition);
  const { nodes: _old, ...rest } = job;
  const nodes = job.nodes === undefined ? undefined : eligibleNodes(m.to, { partition, ...wish });
  return { ...rest, partition, ...(nodes !== undefined ? { nodes } : {}) } as T;
}

function moveAssignments(list: readonly Assignment[], m: Remap, from: Topology): Assignment[] {
  return list.map((a) => {
    const node = m.node[a.node] ?? -1;
    const shift = (m.to.nodeGpuOffset[node] ?? 0) - (from.nodeGpuOffset[a.node] ?? 0);
    return { ...a, node, gpus: a.gpus.map((g) => g + shift) };
  });
}

/**
 * The live state with a what-if's changes applied: nodes added (appended to the cluster, running jobs'
 * assignments mapped by node name) or removed (their running jobs go back to the queue), jobs cancelled
 * or reprioritized, hypothetical jobs queued, and the profile and quotas changed.
 */
export function applyPlan(input: TwinInput, plan: WhatIfPlan): { state: TwinState; profile: ProfileDesc } {
  const from = input.state.topology;
  let topology = from;
  let remap: Remap | undefined;
  if (plan.addNodes.length > 0) {
    topology = topologyFromModel({ ...input.model, nodes: [...input.model.nodes, ...plan.addNodes] }).topology;
    remap = remapOf(from, topology);
  }
  const down = new Uint8Array(topology.nodeNames.length);
  const liveDown = input.state.down ?? new Uint8Array(from.nodeNames.length);
  liveDown.forEach((d, i) => {
    const j = remap ? (remap.node[i] ?? -1) : i;
    if (j >= 0) down[j] = d;
  });
  const removed = new Set(plan.removeNodes.map((n) => topology.nodeNames.indexOf(n)).filter((i) => i >= 0));
  for (const i of removed) down[i] = 1;

  const cancelled = new Set(plan.cancel);
  const priority = new Map(plan.priorities.map((p) => [p.jobId, p.priority]));
  const reprioritize = <T extends SchedJob>(job: T): T => {
    const p = priority.get(job.id);
    return p === undefined ? job : { ...job, priority: p };
  };

  const running: TwinRunning[] = [];
  const pending: TwinPending[] = [];
  for (const r of input.state.running) {
    if (cancelled.has(r.job.id)) continue;
    const wish = input.wishes[r.job.id];
    const job = reprioritize(remap ? moveJob(r.job, remap, from, wish) : r.job);
    const assignments = remap ? moveAssignments(r.assignments, remap, from) : r.assignments;
    if (assignments.some((a) => removed.has(a.node))) {
      // its node is gone: it starts again elsewhere, from the beginning
      pending.push({ job: asPending(job as RunningJob), runtime: r.runtime });
      continue;
    }
    running.push({ ...r, job, assignments });
  }
  for (const p of input.state.pending) {
    if (cancelled.has(p.job.id)) continue;
    const job = reprioritize(remap ? moveJob(p.job, remap, from, input.wishes[p.job.id]) : p.job);
    pending.push({ job, runtime: p.runtime });
  }
  for (const h of plan.jobs) {
    const job = remap ? moveJob(h.pending.job, remap, from, h.wish) : h.pending.job;
    pending.push({ job, runtime: h.pending.runtime });
  }
  const profile = withQuotas(plan.profile ?? input.profile, plan.quotas);
  return { state: { topology, down, nowS: input.state.nowS, running, pending }, profile };
}

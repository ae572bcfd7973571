import type { Catalog, ClusterModel } from "@aidc/core";
import {
  decide,
  jobShape,
  topologyFromModel,
  type Assignment,
  type JobShape,
  type ResolvedProfile,
  type RunningJob,
  type SchedCluster,
  type Topology,
} from "@aidc/scheduler";
import { simulate, type TraceJob } from "@aidc/simulator";
import type { TwinJob } from "./jobs.js";

/** What one side did to one job at one time. Times are absolute seconds (origin + offset). */
export interface Decision {
  readonly tS: number;
  readonly kind: "start" | "preempt" | "end" | "fail";
  readonly job: string;
  /** Where a start put the job: "node[local GPU indices]" per node, sorted; CPU-only nodes as "node[cpu]". */
  readonly where?: string;
  readonly note?: string;
}

export interface SideRun {
  readonly decisions: readonly Decision[];
  /** Jobs that never started. */
  readonly never: readonly string[];
  /** Times of the scheduling passes (absolute seconds). */
  readonly passesS: readonly number[];
  /**
   * Simulator only: the first pass after which a second pass at the same instant (same state, same
   * time) would still place or preempt, e.g. "+4090 s: place job-0045". The server passes on every
   * submission and every second, the simulator only on events, so such a pass makes them diverge.
   */
  readonly notFixpoint?: string;
}

/** "node[0-3]"-style placement text from node names and node-local GPU indices. */
export function placementText(byNode: ReadonlyMap<string, readonly number[]>): string {
  return [...byNode]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([node, gpus]) => `${node}[${gpus.length === 0 ? "cpu" : [...gpus].sort((x, y) => x - y).join(",")}]`)
    .join(" ");
}

function whereOf(assignments: readonly Assignment[], t: Topology): string {
  const byNode = new Map<string, number[]>();
  for (const a of assignments) {
    const name = t.nodeNames[a.node] ?? `#${a.node}`;
    const list = byNode.get(name) ?? [];
    for (const g of a.gpus) list.push(g - (t.nodeGpuOffset[a.node] ?? 0));
    byNode.set(name, list);
  }
  return placementText(byNode);
}

/** What a job asks of the nodes, by the server's own function (jobShape), with its queue's partition. */
function shapeOf(j: TwinJob, cluster: SchedCluster, canonical: (name: string) => string): JobShape {
  return jobShape(
    j.tasks.map((task) => ({
      replicas: task.replicas,
      gpus: task.gpus,
      cpus: task.cpus,
      memoryGiB: task.memoryGiB,
      ...(j.gpuType !== undefined && task.gpus > 0 ? { gpuType: canonical(j.gpuType) } : {}),
    })),
    cluster.topology,
    cluster.partitionOfQueue(j.queue),
    j.nodeSelector,
  );
}

/** A gpuType as the server resolves it: the catalog id of the name or alias (main.ts does the same). */
export function canonicalGpuType(catalog: Catalog): (name: string) => string {
  return (name) => {
    const r = catalog.lookup(name, "Accelerator");
    return r.found ? r.item.id : name;
  };
}

/**
 * The simulator's side: the same jobs as a trace on the topology the server builds from the same
 * cluster file (topologyFromModel), each job shaped by the scheduler's jobShape (the server's own
 * function), estimates = true durations. Decisions are read from the state after every pass.
 */
export function runSimulator(
  model: ClusterModel,
  catalog: Catalog,
  profile: ResolvedProfile,
  jobs: readonly TwinJob[],
  originS: number,
): SideRun {
  const cluster = topologyFromModel(model);
  const t = cluster.topology;
  const canonical = canonicalGpuType(catalog);
  const trace: TraceJob[] = jobs.map((j) => {
    const shape = shapeOf(j, cluster, canonical);
    return {
      id: j.name,
      submitS: originS + j.submitS,
      durationS: j.durationS,
      gpus: shape.gpus,
      gpuMilli: shape.gpuMilli,
      queue: j.queue,
      priority: j.priority,
      estimateS: j.durationS,
      shape,
    };
  });
  const decisions: Decision[] = [];
  const passesS: number[] = [];
  const endLagS = profile.policy.endLagS ?? 0;
  let prev = new Map<string, RunningJob>();
  let notFixpoint: string | undefined;
  const ended = (run: RunningJob): void => {
    decisions.push({ tS: run.runStartS + run.remainingS + endLagS, kind: "end", job: run.id });
  };
  const result = simulate(trace, t, profile, (job) => cluster.partitionOfQueue(job.queue), {
    seed: 1,
    afterPass: (state, pending, nowS) => {
      passesS.push(nowS);
      if (notFixpoint === undefined) {
        const again = decide(state, pending, profile, { nowS, explain: false });
        if (again.placements.length + again.preemptions.length > 0)
          notFixpoint =
            `+${nowS - originS} s: a second pass would place [${again.placements.map((x) => x.jobId).join(", ")}]` +
            ` and preempt [${again.preemptions.map((x) => x.jobId).join(", ")}]`;
      }
      const waiting = new Set(pending.map((j) => j.id));
      for (const [id, run] of prev) {
        if (state.running.get(id) === run) continue;
        if (waiting.has(id)) decisions.push({ tS: nowS, kind: "preempt", job: id });
        else ended(run);
      }
      for (const [id, run] of state.running) {
        if (prev.get(id) !== run) decisions.push({ tS: nowS, kind: "start", job: id, where: whereOf(run.assignments, t) });
      }
      prev = new Map(state.running);
    },
  });
  // runs still going after the last pass end when their work is done
  for (const run of prev.values()) ended(run);
  return { decisions, never: [...result.unschedulable], passesS, ...(notFixpoint !== undefined ? { notFixpoint } : {}) };
}

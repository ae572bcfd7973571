import { AidcError } from "@aidc/core";
import {
  ClusterState,
  applyDecisions,
  decide,
  neverFits,
  insertSorted,
  remainingAt,
  type ClusterSnapshot,
  type ResolvedProfile,
  type RunningJob,
  type SchedJob,
  type Topology,
} from "@aidc/scheduler";
import { EventHeap, type SimEvent } from "./heap.js";
import { seededRng } from "./rng.js";
import { Recorder, type JobOutcome, type SeriesPoint } from "./recorder.js";
import type { TraceJob } from "../types.js";

export interface FailureModel {
  /** Mean time between failures of one node (seconds, exponential). */
  readonly mtbfS: number;
  /** Repair time (seconds). */
  readonly repairS: number;
}

export interface SimOptions {
  readonly seed?: number;
  /** Node failures and repairs (seeded); off by default. */
  readonly failures?: FailureModel;
  /** Width of the utilization time-series buckets (seconds). */
  readonly seriesStepS?: number;
  /** Extra scheduling pass every periodS seconds while jobs wait (0 = only on events). */
  readonly periodS?: number;
  /** Called after every scheduling pass with the state (tests check invariants here; do not mutate). */
  readonly observe?: (state: ClusterSnapshot, nowS: number) => void;
  /**
   * Called after every scheduling pass, whether it placed anything or not, with the state and the jobs
   * still pending (forecast benchmarks fork the state here; do not mutate either).
   */
  readonly afterPass?: (state: ClusterSnapshot, pending: readonly SchedJob[], nowS: number) => void;
}

export interface SimResult {
  readonly outcomes: readonly JobOutcome[];
  readonly series: readonly SeriesPoint[];
  readonly totalGpus: number;
  readonly gpuSeconds: number;
  readonly events: number;
  readonly passes: number;
  readonly preemptions: number;
  readonly unschedulable: readonly string[];
  readonly failures: number;
}

const PRIO = { complete: 0, fail: 1, repair: 2, revisit: 3, tick: 4 } as const;

/**
 * Replay jobs on a cluster under a profile in virtual time. Per event time: completions and node
 * events, then arrivals, then one scheduling pass (decide + applyDecisions), exactly like the server.
 * `partitionOf` maps a job to a partition index (-1 = any node).
 */
export function simulate(
  trace: readonly TraceJob[],
  topology: Topology,
  given: ResolvedProfile,
  partitionOf: (job: TraceJob) => number,
  options: SimOptions = {},
): SimResult {
  const state = new ClusterState(topology);
  // randomized plugins draw from their own stream, seeded like the run (failures use another)
  const profile: ResolvedProfile = given.args.rng
    ? given
    : { ...given, args: { ...given.args, rng: seededRng((options.seed ?? 1) ^ 0x5bd1e995) } };
  const n = trace.length;
  const order = Array.from(trace, (_j, i) => i).sort((a, b) => (trace[a]?.submitS ?? 0) - (trace[b]?.submitS ?? 0) || a - b);
  const jobs: SchedJob[] = new Array<SchedJob>(n);
  trace.forEach((t, i) => {
    if (!(t.durationS >= 0) || !(t.gpus >= 0))
      throw new AidcError("BAD_TRACE_JOB", `Cannot simulate job "${t.id}": duration ${t.durationS}, gpus ${t.gpus}`);
    jobs[i] = {
      id: t.id,
      gpus: t.gpus,
      gpuMilli: t.gpuMilli ?? 1000,
      queue: t.queue,
      partition: partitionOf(t),
      priority: t.priority ?? 0,
      submitS: t.submitS,
      estimateS: t.estimateS ?? t.durationS,
      remainingS: t.durationS,
      attainedGpuS: 0,
      seq: i,
      ...t.shape,
    };
  });
  const indexOf = new Map<string, number>();
  trace.forEach((t, i) => {
    if (indexOf.has(t.id)) throw new AidcError("DUPLICATE_JOB", `Cannot simulate: job id "${t.id}" appears twice in the trace`);
    indexOf.set(t.id, i);
  });
  const rec = new Recorder(trace, topology, options.seriesStepS ?? 3600);
  const token = new Int32Array(n);
  const heap = new EventHeap();
  const rng = seededRng(options.seed ?? 1);
  const isStatic = profile.queueSort.static && profile.policy.preemption !== "admission";
  let pending: SchedJob[] = [];
  const unschedulable: string[] = [];
  let next = 0;
  let events = 0;
  let passes = 0;
  let preemptions = 0;
  let failures = 0;
  let revisitAt = Infinity;
  let tickAt = -Infinity;
  const endLag = profile.policy.endLagS ?? 0;

  const enqueue = (job: SchedJob): void => (isStatic ? insertSorted(pending, job, profile, state) : void pending.push(job));
  const requeue = (run: RunningJob, nowS: number, penaltyS: number): void => {
    const i = indexOf.get(run.id) ?? -1;
    token[i] = (token[i] ?? 0) + 1;
    const job: SchedJob = {
      ...(jobs[i] as SchedJob),
      remainingS: Math.max(0, remainingAt(run, nowS)) + penaltyS,
      attainedGpuS: run.attainedGpuS + (nowS - run.runStartS) * run.gpus,
    };
    jobs[i] = job;
    rec.preempted(i, nowS);
    preemptions++;
    enqueue(job);
  };
  if (options.failures) {
    for (let node = 0; node < topology.nodeNames.length; node++) {
      heap.push({ timeS: -Math.log(1 - rng.next()) * options.failures.mtbfS, priority: PRIO.fail, type: "fail", jobIndex: node, token: 0 });
    }
  }
  const capacity = (j: SchedJob): number => (j.partition >= 0 ? (topology.partitionGpus[j.partition] ?? 0) : topology.totalGpus);

  while (next < n || heap.size > 0) {
    const top = heap.peek();
    const nextArrival = next < n ? (trace[order[next] ?? 0]?.submitS ?? Infinity) : Infinity;
    const now = Math.min(top?.timeS ?? Infinity, nextArrival);
    if (!Number.isFinite(now)) break;
    if (next >= n && pending.length === 0 && state.running.size === 0 && !(top && top.type === "complete")) break;
    rec.advance(now, state);
    let dirty = false;
    while (heap.size > 0 && (heap.peek()?.timeS ?? Infinity) === now) {
      const e = heap.pop() as SimEvent;
      events++;
      if (e.type === "complete") {
        if (e.token !== token[e.jobIndex]) continue;
        const run = state.stop(trace[e.jobIndex]?.id ?? "");
        rec.finished(e.jobIndex, now, run);
        dirty = true;
      } else if (e.type === "revisit" || e.type === "tick") {
        dirty = true;
      } else if (e.type === "fail" && options.failures) {
        const node = e.jobIndex;
        failures++;
        for (const r of [...state.running.values()]) if (r.assignments.some((a) => a.node === node)) requeue(state.stop(r.id), now, 0);
        state.setDown(node, true);
        heap.push({ timeS: now + options.failures.repairS, priority: PRIO.repair, type: "repair", jobIndex: node, token: 0 });
        dirty = true;
      } else if (e.type === "repair" && options.failures) {
        state.setDown(e.jobIndex, false);
        heap.push({
          timeS: now - Math.log(1 - rng.next()) * options.failures.mtbfS,
          priority: PRIO.fail,
          type: "fail",
          jobIndex: e.jobIndex,
          token: 0,
        });
        dirty = true;
      }
    }
    while (next < n && (trace[order[next] ?? 0]?.submitS ?? Infinity) === now) {
      const i = order[next++] ?? 0;
      events++;
      const job = jobs[i] as SchedJob;
      rec.arrived(i);
      if (job.gpus * job.gpuMilli > capacity(job) * 1000 || (trace[i]?.shape !== undefined && neverFits(job, topology) !== undefined)) {
        unschedulable.push(job.id);
        rec.unschedulable(i);
        continue;
      }
      enqueue(job);
      dirty = true;
    }
    if (!dirty || pending.length === 0) continue;
    if (revisitAt <= now) revisitAt = Infinity;
    passes++;
    const d = decide(state, pending, profile, { nowS: now, explain: false, sorted: isStatic });
    if (d.placements.length === 0 && d.preemptions.length === 0) {
      scheduleRevisit(d.revisitAtS);
      options.afterPass?.(state, pending, now);
      continue;
    }
    const byId = new Map<string, SchedJob>();
    for (const p of d.placements) {
      const i = indexOf.get(p.jobId) ?? -1;
      byId.set(p.jobId, jobs[i] as SchedJob);
    }
    const applied = applyDecisions(
      state,
      d,
      (id) => byId.get(id),
      now,
      (id) => rec.firstStart(indexOf.get(id) ?? -1),
    );
    for (const p of applied.preempted) requeue(p.job, now, p.penaltyS);
    if (applied.started.length > 0) {
      pending = pending.filter((j) => !byId.has(j.id));
      for (const r of applied.started) {
        const i = indexOf.get(r.id) ?? -1;
        rec.started(i, now);
        heap.push({ timeS: now + r.remainingS + endLag, priority: PRIO.complete, type: "complete", jobIndex: i, token: token[i] ?? 0 });
      }
    }
    scheduleRevisit(d.revisitAtS);
    options.observe?.(state, now);
    options.afterPass?.(state, pending, now);
    if (options.periodS && options.periodS > 0 && pending.length > 0 && tickAt <= now) {
      tickAt = now + options.periodS;
      heap.push({ timeS: tickAt, priority: PRIO.tick, type: "tick", jobIndex: -1, token: 0 });
    }
  }

  function scheduleRevisit(t: number | undefined): void {
    if (t === undefined || t >= revisitAt) return;
    revisitAt = t;
    heap.push({ timeS: t, priority: PRIO.revisit, type: "revisit", jobIndex: -1, token: 0 });
  }

  for (const j of pending) {
    unschedulable.push(j.id);
    rec.unschedulable(indexOf.get(j.id) ?? -1);
  }
  return {
    outcomes: rec.outcomes(),
    series: rec.series(),
    totalGpus: topology.totalGpus,
    gpuSeconds: rec.gpuSeconds,
    events,
    passes,
    preemptions,
    unschedulable,
    failures,
  };
}

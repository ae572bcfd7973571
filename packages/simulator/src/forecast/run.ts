import {
  ClusterState,
  applyDecisions,
  decide,
  remainingAt,
  insertSorted,
  staticCompare,
  type ResolvedProfile,
  type RunningJob,
  type SchedJob,
} from "@aidc/scheduler";
import { EventHeap, type SimEvent } from "../engine/heap.js";
import type { TwinState } from "./types.js";

/** Shortest remaining time a running job gets in the fork (seconds): a predicted end in the past means "soon". */
export const REMAINING_FLOOR_S = 30;

const PRIO = { complete: 0, revisit: 3 } as const;

export interface RunInput {
  readonly state: TwinState;
  readonly profile: ResolvedProfile;
  /** Total run time per running job (same order as state.running). */
  readonly runningS: Float64Array;
  /** Run time per pending job (same order as state.pending). */
  readonly pendingS: Float64Array;
  readonly endS: number;
  /** Pending indices that must start before the run may stop early (undefined: all). */
  readonly targets?: Uint8Array;
  /** Record `after` and utilization (the p50 run). */
  readonly detail: boolean;
  /** Events within this many seconds of the first share one scheduling pass (0: one pass per event time). */
  readonly batchS?: number;
  /** With detail: keep running (for utilization) until this time even when every target has started. */
  readonly usageUntilS?: number;
}

export interface RunOutput {
  /** Start per pending job (NaN: not within the horizon). */
  readonly startS: Float64Array;
  /** Index into running (≥ 0) or pending (−2 − i) of the job whose end freed the GPUs; −1 none. */
  readonly after: Int32Array;
  /** Utilization change points (time, used GPU ratio). */
  readonly usage: number[];
}

/**
 * One forward run of the forked state with decide() + applyDecisions(), like simulate(): per event time
 * completions first, then one scheduling pass. No arrivals: only the forked pending jobs.
 */
export function runFork(input: RunInput): RunOutput {
  const { state: twin, profile, runningS, pendingS } = input;
  const now0 = twin.nowS;
  const cs = new ClusterState(twin.topology);
  if (twin.down) cs.down.set(twin.down);
  const nR = twin.running.length;
  const nP = twin.pending.length;
  // job index space: running 0..nR-1, pending nR..nR+nP-1
  const ids: string[] = new Array<string>(nR + nP);
  const indexOf = new Map<string, number>();
  const token = new Int32Array(nR + nP);
  const heap = new EventHeap();
  const endLag = profile.policy.endLagS ?? 0;
  const startS = new Float64Array(nP).fill(NaN);
  const after = new Int32Array(nP).fill(-1);
  const usage: number[] = [];
  const total = twin.topology.totalGpus;
  const freedBy = input.detail ? new Int32Array(total).fill(-1) : undefined;
  const freedAt = input.detail ? new Float64Array(total).fill(-Infinity) : undefined;

  twin.running.forEach((r, i) => {
    const elapsed = Math.max(0, now0 - r.runStartS);
    const remaining = Math.max(REMAINING_FLOOR_S, (runningS[i] ?? 0) - elapsed);
    const job: SchedJob = { ...r.job, remainingS: remaining + (now0 - r.runStartS) };
    cs.start(job, r.assignments, r.runStartS, r.startS);
    ids[i] = job.id;
    indexOf.set(job.id, i);
    heap.push({ timeS: now0 + remaining, priority: PRIO.complete, type: "complete", jobIndex: i, token: 0 });
  });
  const isStatic = profile.queueSort.static && profile.policy.preemption !== "admission";
  const pending: SchedJob[] = [];
  // the pending version of each job (running ones only once preempted)
  const jobs: SchedJob[] = new Array<SchedJob>(nR + nP);
  const enqueue = (job: SchedJob): void => (isStatic ? insertSorted(pending, job, profile, cs) : void pending.push(job));
  twin.pending.forEach((p, i) => {
    const job: SchedJob = { ...p.job, remainingS: Math.max(0, pendingS[i] ?? 0) };
    jobs[nR + i] = job;
    ids[nR + i] = job.id;
    indexOf.set(job.id, nR + i);
    pending.push(job);
  });
  // a stable sort gives the order enqueue() would build one job at a time
  if (isStatic) pending.sort((a, b) => staticCompare(profile, a, b, cs));
  let waiting = 0;
  if (input.targets) for (let i = 0; i < nP; i++) waiting += input.targets[i] ?? 0;
  else waiting = nP;

  // jobs that completed at the current time (a quota or reservation wait ends with one of them)
  let endedNow: number[] = [];
  let endedAt = NaN;
  const afterOf = (r: RunningJob, nowS: number): number => {
    if (!freedBy || !freedAt) return -1;
    const gpu = lastFreer(r, freedBy, freedAt);
    if (endedAt !== nowS || endedNow.length === 0 || endedNow.includes(gpu.k)) return encode(gpu.k);
    const k = endedNow.find((e) => (jobs[e] ?? twin.running[e]?.job)?.queue === r.queue) ?? endedNow[0] ?? -1;
    return encode(k);
  };
  const encode = (k: number): number => (k < 0 ? -1 : k < nR ? k : -2 - (k - nR));
  const release = (run: RunningJob, nowS: number): void => {
    if (!freedBy || !freedAt) return;
    const k = indexOf.get(run.id) ?? -1;
    for (const a of run.assignments)
      for (const g of a.gpus) {
        freedBy[g] = k;
        freedAt[g] = nowS;
      }
  };
  const requeue = (run: RunningJob, nowS: number, penaltyS: number): void => {
    const k = indexOf.get(run.id) ?? -1;
    token[k] = (token[k] ?? 0) + 1;
    release(run, nowS);
    const base: SchedJob = jobs[k] ?? (k < nR ? (twin.running[k]?.job as SchedJob) : run);
    const job: SchedJob = {
      ...base,
      remainingS: Math.max(0, remainingAt(run, nowS)) + penaltyS,
      attainedGpuS: run.attainedGpuS + (nowS - run.runStartS) * run.gpus,
    };
    jobs[k] = job;
    enqueue(job);
  };
  let revisitAt = Infinity;
  const scheduleRevisit = (t: number | undefined): void => {
    if (t === undefined || t >= revisitAt) return;
    revisitAt = t;
    heap.push({ timeS: t, priority: PRIO.revisit, type: "revisit", jobIndex: -1, token: 0 });
  };
  const firstStart = (id: string): number | undefined => {
    const k = indexOf.get(id) ?? -1;
    if (k < nR) return twin.running[k]?.startS;
    const s = startS[k - nR];
    return s !== undefined && !Number.isNaN(s) ? s : undefined;
  };

  let now = now0;
  let dirty = true;
  for (;;) {
    if (dirty && pending.length > 0) {
      if (revisitAt <= now) revisitAt = Infinity;
      const d = decide(cs, pending, profile, { nowS: now, explain: false, sorted: isStatic });
      if (d.placements.length > 0 || d.preemptions.length > 0) {
        const byId = new Map<string, SchedJob>();
        for (const p of d.placements) {
          const k = indexOf.get(p.jobId) ?? -1;
          byId.set(p.jobId, jobs[k] as SchedJob);
        }
        const applied = applyDecisions(cs, d, (id) => byId.get(id), now, firstStart);
        for (const p of applied.preempted) requeue(p.job, now, p.penaltyS);
        if (applied.started.length > 0) {
          removePlaced(pending, byId);
          for (const r of applied.started) {
            const k = indexOf.get(r.id) ?? -1;
            if (k >= nR && Number.isNaN(startS[k - nR] ?? 0)) {
              startS[k - nR] = now;
              if (!input.targets || input.targets[k - nR]) waiting--;
              if (freedBy && freedAt) after[k - nR] = afterOf(r, now);
            }
            heap.push({ timeS: now + r.remainingS + endLag, priority: PRIO.complete, type: "complete", jobIndex: k, token: token[k] ?? 0 });
          }
        }
      }
      scheduleRevisit(d.revisitAtS);
    }
    if (input.detail) usage.push(now, cs.usedGpuMilli / 1000 / Math.max(1, total));
    if (waiting <= 0 && !(input.detail && now < (input.usageUntilS ?? -Infinity))) break;
    const top = heap.peek();
    if (!top || top.timeS > input.endS) break;
    // one pass after every event time; with batchS > 0, after the last event within batchS of the first
    const until = top.timeS + (input.batchS ?? 0);
    dirty = false;
    const ended: number[] = [];
    while (heap.size > 0 && (heap.peek()?.timeS ?? Infinity) <= until) {
      const e = heap.pop() as SimEvent;
      now = e.timeS;
      if (e.type === "complete") {
        if (e.token !== token[e.jobIndex]) continue;
        release(cs.stop(ids[e.jobIndex] ?? ""), now);
        ended.push(e.jobIndex);
      }
      dirty = true;
    }
    if (ended.length > 0) {
      endedNow = ended;
      endedAt = now;
    }
  }
  return { startS, after, usage };
}

/** The job that most recently freed one of the GPUs `run` starts on (−1 none) and when. */
function lastFreer(run: RunningJob, freedBy: Int32Array, freedAt: Float64Array): { k: number; at: number } {
  let best = -1;
  let bestAt = -Infinity;
  for (const a of run.assignments)
    for (const g of a.gpus) {
      const at = freedAt[g] ?? -Infinity;
      if (at > bestAt && (freedBy[g] ?? -1) >= 0) {
        bestAt = at;
        best = freedBy[g] ?? -1;
      }
    }
  return { k: best, at: bestAt };
}

/** Remove the placed jobs from the queue in place: scan only until all are found (FIFO: near the front). */
function removePlaced(pending: SchedJob[], placed: ReadonlyMap<string, SchedJob>): void {
  const at: number[] = [];
  for (let i = 0; i < pending.length && at.length < placed.size; i++) if (placed.has((pending[i] as SchedJob).id)) at.push(i);
  for (let k = at.length - 1; k >= 0; k--) pending.splice(at[k] ?? 0, 1);
}

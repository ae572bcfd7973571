import { AidcError } from "@aidc/core";
import type { ClusterState, RunningJob, Topology } from "@aidc/scheduler";
import type { TraceJob } from "../types.js";

export interface JobOutcome {
  readonly id: string;
  readonly queue: string;
  readonly gpus: number;
  readonly submitS: number;
  /** First start; undefined when the job never ran. */
  readonly startS?: number;
  readonly endS?: number;
  /** Total waiting time (first wait plus waits after preemptions). */
  readonly queueS?: number;
  readonly jctS?: number;
  readonly durationS: number;
  readonly preemptions: number;
}

export interface SeriesPoint {
  readonly timeS: number;
  /** Mean GPU utilization over the bucket (0–1). */
  readonly utilization: number;
  /** Free GPUs not on completely free nodes / all free GPUs, sampled at the bucket end (0–1). */
  readonly fragmentation: number;
  readonly pendingJobs: number;
  readonly runningJobs: number;
}

/** Collects per-job outcomes and the utilization time series while the engine runs. */
export class Recorder {
  private readonly trace: readonly TraceJob[];
  private readonly topology: Topology;
  private readonly step: number;
  private readonly first: Float64Array;
  private readonly end: Float64Array;
  private readonly waited: Float64Array;
  private readonly queuedAt: Float64Array;
  private readonly preempts: Int32Array;
  private lastT = NaN;
  private bucketStart = NaN;
  private bucketArea = 0;
  private pendingNow = 0;
  private readonly points: SeriesPoint[] = [];
  gpuSeconds = 0;

  constructor(trace: readonly TraceJob[], topology: Topology, stepS: number) {
    this.trace = trace;
    this.topology = topology;
    this.step = Math.max(1, stepS);
    const n = trace.length;
    this.first = new Float64Array(n).fill(NaN);
    this.end = new Float64Array(n).fill(NaN);
    this.waited = new Float64Array(n);
    this.queuedAt = new Float64Array(n).fill(NaN);
    this.preempts = new Int32Array(n);
  }

  /** Integrate utilization up to `now` (state as it was since the previous event). */
  advance(now: number, state: ClusterState): void {
    if (Number.isNaN(this.lastT)) {
      this.lastT = now;
      this.bucketStart = Math.floor(now / this.step) * this.step;
      return;
    }
    const used = state.usedGpuMilli / 1000;
    let t = this.lastT;
    while (now >= this.bucketStart + this.step) {
      const edge = this.bucketStart + this.step;
      this.bucketArea += used * (edge - t);
      this.gpuSeconds += used * (edge - t);
      this.flush(state);
      t = edge;
    }
    this.bucketArea += used * (now - t);
    this.gpuSeconds += used * (now - t);
    this.lastT = now;
  }

  private flush(state: ClusterState): void {
    const total = this.topology.totalGpus;
    let free = 0;
    let stranded = 0;
    const nodes = this.topology.nodeNames.length;
    for (let i = 0; i < nodes; i++) {
      const f = state.nodeFreeGpus[i] ?? 0;
      free += f;
      if (f < (this.topology.nodeGpus[i] ?? 0)) stranded += f;
    }
    this.points.push({
      timeS: this.bucketStart,
      utilization: total > 0 ? this.bucketArea / (total * this.step) : 0,
      fragmentation: free > 0 ? stranded / free : 0,
      pendingJobs: this.pendingNow,
      runningJobs: state.running.size,
    });
    this.bucketStart += this.step;
    this.bucketArea = 0;
  }

  arrived(i: number): void {
    this.queuedAt[i] = this.trace[i]?.submitS ?? 0;
    this.pendingNow++;
  }
  unschedulable(i: number): void {
    if (i >= 0) this.queuedAt[i] = NaN;
    this.pendingNow--;
  }
  firstStart(i: number): number | undefined {
    const f = this.first[i] ?? NaN;
    return Number.isNaN(f) ? undefined : f;
  }
  started(i: number, now: number): void {
    if (Number.isNaN(this.first[i] ?? NaN)) this.first[i] = now;
    this.waited[i] = (this.waited[i] ?? 0) + (now - (this.queuedAt[i] ?? now));
    this.pendingNow--;
  }
  preempted(i: number, now: number): void {
    this.queuedAt[i] = now;
    this.preempts[i] = (this.preempts[i] ?? 0) + 1;
    this.pendingNow++;
  }
  finished(i: number, now: number, _run: RunningJob): void {
    if (!Number.isNaN(this.end[i] ?? NaN)) throw new AidcError("FINISHED_TWICE", `Job "${this.trace[i]?.id ?? i}" finished twice`);
    this.end[i] = now;
  }

  outcomes(): JobOutcome[] {
    const out: JobOutcome[] = new Array<JobOutcome>(this.trace.length);
    for (let i = 0; i < this.trace.length; i++) {
      const t = this.trace[i] as TraceJob;
      const end = this.end[i] ?? NaN;
      const preemptions = this.preempts[i] ?? 0;
      out[i] = Number.isNaN(end)
        ? { id: t.id, queue: t.queue, gpus: t.gpus, submitS: t.submitS, durationS: t.durationS, preemptions }
        : {
            id: t.id,
            queue: t.queue,
            gpus: t.gpus,
            submitS: t.submitS,
            startS: this.first[i] ?? NaN,
            endS: end,
            queueS: this.waited[i] ?? 0,
            jctS: end - t.submitS,
            durationS: t.durationS,
            preemptions,
          };
    }
    return out;
  }

  series(): SeriesPoint[] {
    return this.points;
  }
}

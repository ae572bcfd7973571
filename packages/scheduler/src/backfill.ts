import type { ClusterSnapshot, SchedJob } from "./types.js";
import { remainingAt } from "./plugins/types.js";

/**
 * Free GPUs of one scope (partition or whole cluster) as a step function of time: today's free
 * GPUs, plus each running job's GPUs at its expected end, minus reservations. Counts only, so it
 * ignores node boundaries (a reservation may still fail on fragmentation; it then moves later).
 */
export class Availability {
  private times: number[];
  private free: number[];

  constructor(nowS: number, freeNow: number, ends: readonly { endS: number; gpus: number }[]) {
    const sorted = [...ends].sort((a, b) => a.endS - b.endS);
    this.times = [nowS];
    this.free = [freeNow];
    let cur = freeNow;
    for (const e of sorted) {
      cur += e.gpus;
      const t = Math.max(nowS, e.endS);
      if (t === this.times[this.times.length - 1]) this.free[this.free.length - 1] = cur;
      else {
        this.times.push(t);
        this.free.push(cur);
      }
    }
  }

  private splitAt(t: number): number {
    let i = this.times.length - 1;
    while (i > 0 && (this.times[i] ?? 0) > t) i--;
    if (this.times[i] === t) return i;
    this.times.splice(i + 1, 0, t);
    this.free.splice(i + 1, 0, this.free[i] ?? 0);
    return i + 1;
  }

  /** Minimum free GPUs over [start, end): a binary search to the step holding `start`, then a walk to `end`. */
  minFree(start: number, end: number): number {
    const n = this.times.length;
    // the last step that begins at or before start (steps before it end at or before start)
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.times[mid] ?? 0) <= start) lo = mid;
      else hi = mid - 1;
    }
    let m = Infinity;
    for (let i = lo; i < n; i++) {
      const t0 = this.times[i] ?? 0;
      if (t0 >= end) break;
      const t1 = this.times[i + 1] ?? Infinity;
      if (t1 <= start) continue;
      m = Math.min(m, this.free[i] ?? 0);
    }
    return m;
  }

  /** Earliest time ≥ now at which `gpus` stay free for `durationS`; Infinity if never. */
  earliest(gpus: number, durationS: number): number {
    return this.earliestAfter(-Infinity, gpus, durationS);
  }

  /** Like earliest(), but strictly after `after`. One forward sweep: a step that is too low restarts the search after it. */
  earliestAfter(after: number, gpus: number, durationS: number): number {
    const dur = Math.max(durationS, 1e-9);
    const n = this.times.length;
    let i = 0;
    while (i < n && (this.times[i] ?? 0) <= after) i++;
    while (i < n) {
      const start = this.times[i] ?? 0;
      let j = i;
      let ok = true;
      while (j < n && (this.times[j] ?? 0) < start + dur) {
        if ((this.free[j] ?? 0) < gpus) {
          ok = false;
          break;
        }
        j++;
      }
      if (ok) return start;
      i = j + 1;
    }
    return Infinity;
  }

  take(start: number, end: number, gpus: number): void {
    if (!(end > start) || !Number.isFinite(start)) return;
    const a = this.splitAt(start);
    const b = Number.isFinite(end) ? this.splitAt(end) : this.times.length;
    for (let i = a; i < b; i++) this.free[i] = (this.free[i] ?? 0) - gpus;
  }
}

/** Build the availability of a job's scope from the snapshot's running jobs. */
export function availabilityFor(job: SchedJob, snapshot: ClusterSnapshot, freeNow: number, nowS: number): Availability {
  const ends: { endS: number; gpus: number }[] = [];
  const inSet = job.nodes ? new Set(job.nodes) : undefined;
  for (const r of snapshot.running.values()) {
    const endS = r.runStartS + Math.max(0, remainingAt(r, r.runStartS));
    if (inSet) {
      // an eligible set: only the GPUs the running job holds on those nodes come back
      let gpus = 0;
      if (r.gpuMilli >= 1000) for (const a of r.assignments) if (inSet.has(a.node)) gpus += a.gpus.length;
      if (gpus > 0) ends.push({ endS, gpus });
      continue;
    }
    if (job.partition >= 0 && r.partition !== job.partition) continue;
    ends.push({ endS, gpus: r.gpuMilli >= 1000 ? r.gpus : 0 });
  }
  return new Availability(nowS, freeNow, ends);
}

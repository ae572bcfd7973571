import type { RuntimePrediction } from "@aidc/core";
import type { JobForecast } from "@aidc/simulator";
import type { JobRecord } from "../store/jobs.js";
import type { TwinInput } from "./types.js";

/** A forecast start (and end) with its 80 % band, in seconds. */
export interface Timed {
  readonly startS: number;
  readonly endS?: number;
  readonly bandS: readonly [number, number];
  readonly after?: string;
  readonly basis: string;
}

interface End {
  readonly endS: number;
  readonly bandS: readonly [number, number];
}

/**
 * Forecasts for jobs that wait for their dependencies (the loop does not queue them yet): each starts
 * when the last of its dependencies (the latest job of that name of the same user) is forecast to end.
 * A dependency that is not queued or running (failed, cancelled, never submitted) gives no forecast.
 */
export function dependencyForecasts(
  input: TwinInput,
  byId: ReadonlyMap<string, JobForecast>,
  blocked: ReadonlyMap<string, readonly string[]>,
  active: readonly JobRecord[],
  predict: (job: JobRecord) => RuntimePrediction,
): Map<string, Timed> {
  const nowS = input.state.nowS;
  const running = new Map(input.state.running.map((r) => [r.job.id, r]));
  const queued = new Map(input.state.pending.map((p) => [p.job.id, p]));
  const latest = new Map<string, JobRecord>();
  for (const r of active) {
    const key = `${r.user}\u0000${r.name}`;
    const seen = latest.get(key);
    if (seen === undefined || seen.submittedAtMs < r.submittedAtMs || (seen.submittedAtMs === r.submittedAtMs && seen.id < r.id))
      latest.set(key, r);
  }
  const waiting = active.filter((r) => r.state === "pending" && blocked.has(r.id));
  const out = new Map<string, Timed>();
  const visiting = new Set<string>();

  const startOf = (job: JobRecord): Timed | undefined => {
    const hit = out.get(job.id);
    if (hit !== undefined || visiting.has(job.id)) return hit;
    visiting.add(job.id);
    let best: (End & { id: string }) | undefined;
    let lo = nowS;
    for (const name of job.spec.dependsOn) {
      const dep = latest.get(`${job.user}\u0000${name}`);
      const end = dep === undefined ? undefined : endOf(dep);
      if (dep === undefined || end === undefined) {
        visiting.delete(job.id);
        return undefined;
      }
      lo = Math.max(lo, end.bandS[0]);
      if (best === undefined || end.endS > best.endS || end.bandS[1] > best.bandS[1])
        best = { ...end, id: dep.id, bandS: [lo, Math.max(end.bandS[1], best?.bandS[1] ?? 0)] };
    }
    visiting.delete(job.id);
    if (best === undefined) return undefined;
    const t: Timed = {
      startS: Math.max(nowS, best.endS),
      bandS: [Math.max(nowS, lo), Math.max(nowS, best.bandS[1])],
      after: best.id,
      basis: "its dependencies' forecast end",
    };
    out.set(job.id, t);
    return t;
  };

  const endOf = (job: JobRecord): End | undefined => {
    const r = running.get(job.id);
    if (r !== undefined) {
      const at = (x: number): number => Math.max(nowS, r.runStartS + x);
      return { endS: at(r.runtime.p50S), bandS: [at(r.runtime.p10S), at(r.runtime.p90S)] };
    }
    if (job.state === "admitted" || job.state === "running") {
      const p = predict(job);
      return { endS: nowS + p.p50S, bandS: [nowS + p.p10S, nowS + p.p90S] };
    }
    const q = queued.get(job.id);
    if (q !== undefined) {
      const f = byId.get(job.id);
      if (f?.startS === undefined) return undefined;
      const [lo, hi] = f.startBandS ?? [f.startS, f.startS];
      return { endS: f.endS ?? f.startS + q.runtime.p50S, bandS: [lo + q.runtime.p10S, hi + q.runtime.p90S] };
    }
    if (job.state !== "pending") return undefined;
    const s = startOf(job);
    if (s === undefined) return undefined;
    const p = predict(job);
    return { endS: s.startS + p.p50S, bandS: [s.bandS[0] + p.p10S, s.bandS[1] + p.p90S] };
  };

  for (const job of waiting) startOf(job);
  return out;
}

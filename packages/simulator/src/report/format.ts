import type { SeriesPoint } from "../engine/recorder.js";
import type { JobOutcome } from "../engine/recorder.js";
import type { SimMetrics } from "./metrics.js";

const csvCell = (v: string | number | undefined): string =>
  v === undefined ? "" : typeof v === "number" ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;

/** Per-job CSV: id,queue,gpus,submit_s,start_s,end_s,queue_s,jct_s,duration_s,preemptions. */
export function jobsCsv(outcomes: readonly JobOutcome[]): string {
  const rows = ["id,queue,gpus,submit_s,start_s,end_s,queue_s,jct_s,duration_s,preemptions"];
  for (const o of outcomes) {
    rows.push([o.id, o.queue, o.gpus, o.submitS, o.startS, o.endS, o.queueS, o.jctS, o.durationS, o.preemptions].map(csvCell).join(","));
  }
  return rows.join("\n") + "\n";
}

/** Time series CSV for plots: time_s,utilization,fragmentation,pending_jobs,running_jobs. */
export function seriesCsv(series: readonly SeriesPoint[]): string {
  const rows = ["time_s,utilization,fragmentation,pending_jobs,running_jobs"];
  for (const p of series)
    rows.push([p.timeS, p.utilization.toFixed(4), p.fragmentation.toFixed(4), p.pendingJobs, p.runningJobs].join(","));
  return rows.join("\n") + "\n";
}

/** Per-queue metrics CSV. */
export function queuesCsv(m: SimMetrics): string {
  const rows = ["queue,jobs,avg_jct_s,p50_jct_s,p99_jct_s,avg_queue_s,p99_queue_s,avg_slowdown,gpu_hours,share,entitlement,preemptions"];
  for (const [q, s] of Object.entries(m.byQueue)) {
    rows.push(
      [
        q,
        s.jobs,
        s.avgJctS,
        s.p50JctS,
        s.p99JctS,
        s.avgQueueS,
        s.p99QueueS,
        s.avgSlowdown,
        s.gpuHours,
        s.share,
        s.entitlement,
        s.preemptions,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return rows.join("\n") + "\n";
}

const fmtS = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(2)} h` : `${s.toFixed(1)} s`);

/** A short human summary. */
export function humanSummary(m: SimMetrics): string {
  return [
    `policy ${m.policy}: ${m.finished}/${m.jobs} jobs finished${m.unschedulable ? `, ${m.unschedulable} unschedulable` : ""}`,
    `JCT avg ${fmtS(m.avgJctS)}, median ${fmtS(m.p50JctS)}, p99 ${fmtS(m.p99JctS)}`,
    `queueing avg ${fmtS(m.avgQueueS)}, p99 ${fmtS(m.p99QueueS)}; slowdown avg ${m.avgSlowdown}`,
    `makespan ${fmtS(m.makespanS)}, GPU utilization ${(m.gpuUtilization * 100).toFixed(1)} %, preemptions ${m.preemptions}`,
  ].join("\n");
}

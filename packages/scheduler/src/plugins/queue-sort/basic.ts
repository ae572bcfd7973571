import type { QueueSortPlugin } from "../types.js";
import { remainingAt } from "../types.js";
import type { RunningJob } from "../../types.js";

export const fifoSort: QueueSortPlugin = {
  kind: "queue-sort",
  name: "fifo",
  static: true,
  description: "submit time (first in, first out)",
  key: (job) => job.submitS,
};

export const sjfSort: QueueSortPlugin = {
  kind: "queue-sort",
  name: "sjf",
  static: true,
  description: "shortest runtime estimate first",
  key: (job) => job.estimateS,
};

export const srtfSort: QueueSortPlugin = {
  kind: "queue-sort",
  name: "srtf",
  static: false,
  description: "shortest remaining time first (running jobs' remaining time shrinks)",
  key: (job, nowS) => ("runStartS" in job ? remainingAt(job as RunningJob, nowS) : job.remainingS),
};

export const priorityAgingSort: QueueSortPlugin = {
  kind: "queue-sort",
  name: "priority-aging",
  static: false,
  description: "highest priority first; waiting agingS seconds adds one level",
  key: (job, nowS, args) => -(job.priority + (args.agingS > 0 ? (nowS - job.submitS) / args.agingS : 0)),
};

/** Tiresias 2D-LAS: the discretized attained GPU service (queue level) orders jobs; FIFO within a level. */
export const lasSort: QueueSortPlugin = {
  kind: "queue-sort",
  name: "las",
  static: false,
  description: "least attained GPU service first, discretized into levels (Tiresias 2D-LAS)",
  key: (job, nowS, args) => {
    const attained = "runStartS" in job ? job.attainedGpuS + (nowS - (job as RunningJob).runStartS) * job.gpus : job.attainedGpuS;
    let level = 0;
    for (const t of args.lasThresholdsGpuS) if (attained >= t) level++;
    // FIFO inside a level, so a running job is never displaced by a same-level job submitted later
    return level * 1e10 + job.submitS;
  },
};

/** Dominant-resource fairness over GPUs: the queue with the lowest share of its quota goes first. */
export const drfSort: QueueSortPlugin = {
  kind: "queue-sort",
  name: "drf",
  static: false,
  description: "lowest queue share (used GPUs / nominal quota) first, then submit time",
  key: (job, _nowS, args, snapshot) => {
    const nominal = args.quotas.get(job.queue)?.nominalGpus ?? 0;
    const used = snapshot.queueUsedGpus.get(job.queue) ?? 0;
    return nominal > 0 ? used / nominal : used;
  },
};

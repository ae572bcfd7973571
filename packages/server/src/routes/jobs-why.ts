import { gpuMilliOf, jobScope, type JobSpec } from "@aidc/core";
import type { ServerContext } from "../context.js";
import type { JobRecord } from "../store/jobs.js";

/** The numbers behind "why is my job pending": what it needs, what its scope has free, its queue against its quota. */
export interface WhyCounts {
  readonly needGpus: number;
  readonly needShape: string;
  readonly scope: string;
  readonly freeGpus: number;
  readonly scopeGpus: number;
  readonly queue?: { readonly name: string; readonly usedGpus: number; readonly quotaGpus: number };
}

/** GPUs a job holds or asks for (a share counts as its fraction). */
export function gpusOf(spec: JobSpec): number {
  return spec.tasks.reduce((s, t) => s + (t.replicas * gpuMilliOf(t.resources)) / 1000, 0);
}

function shape(spec: JobSpec, gpuType: string | undefined): string {
  const type = gpuType === undefined ? "" : ` ${gpuType}`;
  const parts = spec.tasks
    .filter((t) => t.resources.gpus > 0 || t.resources.gpuMilli !== undefined)
    .map((t) =>
      t.resources.gpuMilli !== undefined ? `${t.replicas} × ${t.resources.gpuMilli / 1000}` : `${t.replicas} × ${t.resources.gpus}`,
    );
  return parts.length === 0 ? "" : `${parts.join(" + ")}${type}`;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Counts for a pending job from the scheduler's current view (free GPUs, cordons) and the jobs holding GPUs. */
export async function whyCounts(ctx: ServerContext, job: JobRecord): Promise<WhyCounts> {
  const { nodes, where } = jobScope(job.spec, ctx.cluster, ctx.catalog);
  const free = ctx.freeGpus();
  const cordons = await ctx.store.nodes.cordons();
  const usable = nodes.filter((n) => !cordons.has(n.name));
  const freeGpus = usable.reduce((s, n) => s + Math.min(n.gpus, free.get(n.name) ?? n.gpus), 0);
  const typeId = nodes.find((n) => n.accelerator !== undefined)?.accelerator;
  const named = job.spec.tasks.some((t) => t.resources.gpuType !== undefined) && typeId !== undefined;
  const gpuType = named ? shortName(typeId) : undefined;
  const q = ctx.cluster.queues.find((x) => x.name === job.queue);
  const quota = q?.quota.gpus;
  let queue: WhyCounts["queue"];
  if (quota !== undefined) {
    const active = await ctx.store.jobs.list({ states: ["admitted", "running"], queue: job.queue, limit: 1_000_000 });
    queue = { name: job.queue, usedGpus: round(active.reduce((s, j) => s + gpusOf(j.spec), 0)), quotaGpus: quota };
  }
  return {
    needGpus: round(gpusOf(job.spec)),
    needShape: shape(job.spec, gpuType),
    scope: where,
    freeGpus: round(freeGpus),
    scopeGpus: nodes.reduce((s, n) => s + n.gpus, 0),
    ...(queue ? { queue } : {}),
  };
}

/** "h100-sxm5-80gb" → "H100": the catalog id's first part, as people say it. */
function shortName(id: string): string {
  return (id.split("-")[0] ?? id).toUpperCase();
}

/** "needs 32 GPUs (4 × 8 H100), 16 free in partition train; queue research at 32/32 GPUs" */
export function countsSentence(c: WhyCounts): string {
  const needs =
    c.needGpus === 0
      ? "needs no GPU"
      : `needs ${c.needGpus} GPU${c.needGpus === 1 ? "" : "s"}${c.needShape !== "" ? ` (${c.needShape})` : ""}, ${c.freeGpus} free in ${c.scope} (of ${c.scopeGpus})`;
  const queue = c.queue ? `; queue ${c.queue.name} at ${c.queue.usedGpus}/${c.queue.quotaGpus} GPUs` : "";
  return `${needs}${queue}`;
}

/** "3 m", "2 h 5 m", "40 s", "1 d 2 h": how long a run took, for people. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** Explain a job that is not waiting: what it is doing or how it ended, and when. */
export function notPending(job: JobRecord): string {
  const at = (ms: number | undefined): string => new Date(ms ?? job.updatedAtMs).toISOString();
  if (job.state === "admitted") return `admitted at ${at(job.updatedAtMs)}; its run is starting`;
  if (job.state === "running") return `running since ${at(job.startedAtMs)}`;
  const exit = job.exitCode !== undefined ? ` with exit code ${job.exitCode}` : "";
  const ran =
    job.startedAtMs !== undefined && job.finishedAtMs !== undefined && job.finishedAtMs >= job.startedAtMs
      ? `, ran ${humanDuration(job.finishedAtMs - job.startedAtMs)}`
      : "";
  return `finished: ${job.state} at ${at(job.finishedAtMs)}${ran}${exit}${job.message ? ` (${job.message})` : ""}`;
}

import type { Catalog } from "../catalog/catalog.js";
import type { Issue } from "../errors.js";
import type { JobSpec } from "../schemas/job.js";
import type { Node } from "../schemas/cluster.js";
import type { ClusterModel } from "../cluster/expand.js";

/** The sentence Slurm answers a job no node set can ever hold with; every never-fits issue ends with it. */
export const NODE_CONFIGURATION_UNAVAILABLE = "requested node configuration is not available";

type Task = JobSpec["tasks"][number];

/** Nodes of one size (GPUs, CPUs, memory) in a scope, and how many there are. */
interface Shape {
  readonly gpus: number;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly count: number;
}

/** Where a job may run, in words and as nodes: its queue's partition (or the default one), GPU type and node selector. */
export interface JobScope {
  readonly nodes: readonly Node[];
  readonly where: string;
  /** The scope's nodes grouped by size: a fit check costs one step per size, not per node (10,000 nodes are a few sizes). */
  readonly shapes: readonly Shape[];
}

/**
 * Scopes per cluster model (a model is never changed in place; a new cluster is a new model), by
 * partition, GPU type and selector: every submission asks, and filtering 10,000 nodes each time cost
 * more than the rest of a submission together.
 */
const scopes = new WeakMap<ClusterModel, Map<string, JobScope>>();
const MAX_SCOPES_PER_CLUSTER = 1000;

export function jobScope(job: JobSpec, cluster: ClusterModel, catalog: Catalog): JobScope {
  const queue = cluster.queues.find((q) => q.name === job.queue);
  const partition = queue?.partition ?? cluster.partitions.find((p) => p.default)?.name;
  const named = job.tasks.find((t) => t.resources.gpuType !== undefined)?.resources.gpuType;
  const found = named === undefined ? undefined : catalog.lookup(named, "Accelerator");
  const gpuType = found?.found ? found.item.id : undefined;
  const selector = Object.entries(job.nodeSelector ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = JSON.stringify([partition ?? null, gpuType ?? null, selector]);
  let known = scopes.get(cluster);
  if (known === undefined) scopes.set(cluster, (known = new Map()));
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  const nodes = cluster.nodes.filter(
    (n) =>
      (partition === undefined || n.partitions.includes(partition)) &&
      (gpuType === undefined || n.accelerator === gpuType) &&
      selector.every(([k, v]) => n.labels[k] === v),
  );
  const parts = [
    partition === undefined ? `cluster ${cluster.name}` : `partition ${partition}`,
    ...(gpuType !== undefined ? [`with ${gpuType}`] : []),
    ...(selector.length > 0 ? [`labelled ${selector.map(([k, v]) => `${k}=${v}`).join(",")}`] : []),
  ];
  const bySize = new Map<string, { gpus: number; cpus: number; memoryGiB: number; count: number }>();
  for (const n of nodes) {
    const size = `${n.gpus}/${n.cpus}/${n.memoryGiB}`;
    const s = bySize.get(size);
    if (s === undefined) bySize.set(size, { gpus: n.gpus, cpus: n.cpus, memoryGiB: n.memoryGiB, count: 1 });
    else s.count++;
  }
  const scope: JobScope = { nodes, where: parts.join(" "), shapes: [...bySize.values()] };
  if (known.size >= MAX_SCOPES_PER_CLUSTER) known.clear();
  known.set(key, scope);
  return scope;
}

/** How many replicas of a task one node can hold at once (GPUs, CPUs and memory together). */
function slots(n: Pick<Node, "gpus" | "cpus" | "memoryGiB">, t: Task): number {
  const r = t.resources;
  const byGpu = r.gpuMilli !== undefined ? n.gpus * Math.floor(1000 / r.gpuMilli) : r.gpus > 0 ? Math.floor(n.gpus / r.gpus) : Infinity;
  return Math.min(byGpu, Math.floor(n.cpus / r.cpus), Math.floor(n.memoryGiB / r.memoryGiB));
}

function ask(t: Task): string {
  const r = t.resources;
  const gpus = r.gpuMilli !== undefined ? `${r.gpuMilli / 1000} GPU` : `${r.gpus} GPU${r.gpus === 1 ? "" : "s"}`;
  return `${gpus}, ${r.cpus} CPU${r.cpus === 1 ? "" : "s"}, ${r.memoryGiB} GiB`;
}

function largest(shapes: readonly Shape[]): string {
  const max = (f: (n: Shape) => number): number => shapes.reduce((m, n) => Math.max(m, f(n)), 0);
  return `${max((n) => n.gpus)} GPUs, ${max((n) => n.cpus)} CPUs, ${max((n) => n.memoryGiB)} GiB`;
}

/**
 * Why a job can never run on this cluster as it is built, whatever the load (empty when it can):
 * no node in its scope; one replica larger than every node of its scope (a replica runs on one
 * node: GPUs, CPUs and memory together); more replicas of a task than the scope's nodes can hold
 * at once; or, for a gang, more GPUs, CPUs or memory than the whole scope has. Like Slurm's
 * "Requested node configuration is not available", the server refuses such a job at submission.
 */
export function checkJobFits(job: JobSpec, cluster: ClusterModel, catalog: Catalog): Issue[] {
  const { nodes, where, shapes } = jobScope(job, cluster, catalog);
  const tail = `: ${NODE_CONFIGURATION_UNAVAILABLE}`;
  if (nodes.length === 0) {
    const path = job.nodeSelector !== undefined ? "nodeSelector" : "queue";
    return [{ code: "never_fits", path, message: `no node of ${where}${tail}` }];
  }
  const issues: Issue[] = [];
  job.tasks.forEach((t, i) => {
    const path = `tasks[${i}].resources`;
    const name = job.tasks.length > 1 ? `a replica of task ${t.name}` : "one replica";
    const holds = shapes.reduce((s, n) => s + n.count * slots(n, t), 0);
    if (holds === 0) {
      const msg = `${name} asks for ${ask(t)} on one node; the largest nodes of ${where} have ${largest(shapes)}${tail}`;
      issues.push({ code: "never_fits", path, message: msg });
    } else if (holds < t.replicas) {
      const msg = `${t.replicas} replicas of ${ask(t)} each: the ${nodes.length} node(s) of ${where} hold at most ${holds} at once${tail}`;
      issues.push({ code: "never_fits", path: `tasks[${i}].replicas`, message: msg });
    }
  });
  if (issues.length > 0 || !job.gang) return issues;
  const sum = (f: (x: Shape) => number): number => shapes.reduce((s, n) => s + n.count * f(n), 0);
  const need = (f: (r: Task["resources"]) => number): number => job.tasks.reduce((s, t) => s + t.replicas * f(t.resources), 0);
  const gpus = need((r) => (r.gpuMilli !== undefined ? r.gpuMilli / 1000 : r.gpus));
  const checks: [string, number, number][] = [
    ["GPUs", gpus, sum((n) => n.gpus)],
    ["CPUs", need((r) => r.cpus), sum((n) => n.cpus)],
    ["GiB of memory", need((r) => r.memoryGiB), sum((n) => n.memoryGiB)],
  ];
  for (const [what, asked, have] of checks) {
    if (asked > have) {
      const msg = `the job asks for ${asked} ${what} at once (gang); ${where} has ${have}${tail}`;
      issues.push({ code: "never_fits", path: "tasks", message: msg });
    }
  }
  return issues;
}

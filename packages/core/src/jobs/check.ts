import type { Catalog } from "../catalog/catalog.js";
import type { Issue } from "../errors.js";
import type { JobSpec } from "../schemas/job.js";
import type { ClusterModel } from "../cluster/expand.js";
import { checkJobFits } from "./fit.js";

/** References in a job that the schema cannot check: accelerator types must exist in the catalog. */
export function checkJob(job: JobSpec, catalog: Catalog): Issue[] {
  const issues: Issue[] = [];
  job.tasks.forEach((t, i) => {
    if (t.resources.gpuType === undefined) return;
    const ref = catalog.checkRef(t.resources.gpuType, "Accelerator", ["tasks", i, "resources", "gpuType"]);
    if (ref !== undefined) issues.push(ref);
    if (t.resources.gpus === 0 && t.resources.gpuMilli === undefined) {
      issues.push({
        code: "invalid_value",
        path: `tasks[${i}].resources.gpuType`,
        message: "is set but the task asks for no GPU (set gpus or gpuMilli)",
      });
    }
  });
  return issues;
}

/** GPU demand of one replica of a task in thousandths of a GPU. */
export function gpuMilliOf(resources: JobSpec["tasks"][number]["resources"]): number {
  return resources.gpuMilli ?? resources.gpus * 1000;
}

/**
 * What a job asks that this cluster cannot give, whatever its load: an accelerator type none of its
 * nodes has (the answer names the types it has), a GPU type its queue's partition lacks, or a shape
 * no node set of its scope can ever hold (checkJobFits). `gpuType` may be an alias; it is resolved
 * through the catalog.
 */
export function checkJobOnCluster(job: JobSpec, cluster: ClusterModel, catalog: Catalog): Issue[] {
  const issues: Issue[] = [];
  const queue = cluster.queues.find((q) => q.name === job.queue);
  const partition = queue?.partition ?? cluster.partitions.find((p) => p.default)?.name;
  job.tasks.forEach((t, i) => {
    const named = t.resources.gpuType;
    if (named === undefined) return;
    const found = catalog.lookup(named, "Accelerator");
    if (!found.found) return; // checkJob reports unknown names
    const id = found.item.id;
    const path = `tasks[${i}].resources.gpuType`;
    const have = acceleratorsOf(cluster, undefined);
    if (!have.includes(id)) {
      issues.push({
        code: "unavailable_gpu_type",
        path,
        message: `"${named}" (${id}) is not in cluster ${cluster.name}; it has ${have.length > 0 ? have.join(", ") : "no GPUs"}`,
      });
      return;
    }
    if (partition === undefined) return;
    const inPartition = acceleratorsOf(cluster, partition);
    if (!inPartition.includes(id))
      issues.push({
        code: "unavailable_gpu_type",
        path,
        message: `"${named}" (${id}) is not in partition ${partition} of queue ${job.queue}; it has ${inPartition.join(", ") || "no GPUs"}`,
      });
  });
  return issues.length > 0 ? issues : checkJobFits(job, cluster, catalog);
}

/** Accelerator types of a cluster's GPU nodes (of one partition when given), kept per model: every submission asks. */
const accelerators = new WeakMap<ClusterModel, Map<string, readonly string[]>>();

function acceleratorsOf(cluster: ClusterModel, partition: string | undefined): readonly string[] {
  let known = accelerators.get(cluster);
  if (known === undefined) accelerators.set(cluster, (known = new Map()));
  const key = partition ?? "";
  let types = known.get(key);
  if (types === undefined) {
    const nodes = cluster.nodes.filter(
      (n) => n.accelerator !== undefined && (partition === undefined ? n.gpus > 0 : n.partitions.includes(partition)),
    );
    types = [...new Set(nodes.map((n) => n.accelerator as string))];
    known.set(key, types);
  }
  return types;
}

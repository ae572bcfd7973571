import type { Catalog } from "../catalog/catalog.js";
import type { Issue } from "../errors.js";
import type { JobSpec } from "../schemas/job.js";

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

import { issue, type Issue } from "../errors.js";
import type { Queue } from "../schemas/cluster.js";
import type { JobSpec } from "../schemas/job.js";
import { DEFAULT_LIMITS, type Limits } from "../schemas/limits.js";
import { utf8Length } from "../parse-limits.js";

/** A limit's value and where it was set, for messages ("limits.maxDependsOn"). */
export interface EffectiveLimit {
  readonly value: number;
  readonly source: string;
}

export type EffectiveLimits = { readonly [K in keyof Limits]: EffectiveLimit };

/** The limits that apply to a job in `queue`: the queue's own where it sets one, else the cluster's. */
export function effectiveLimits(limits: Limits | undefined, queue?: Queue): EffectiveLimits {
  const base = limits ?? DEFAULT_LIMITS;
  const out: Record<string, EffectiveLimit> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const own = key === "maxJobBytes" ? undefined : queue?.limits?.[key];
    out[key] =
      own !== undefined
        ? { value: own, source: `queues[${queue?.name ?? ""}].limits.${key}` }
        : { value: base[key], source: `limits.${key}` };
  }
  return out as EffectiveLimits;
}

function over(path: readonly PropertyKey[] | string, what: string, limit: EffectiveLimit, unit: string): Issue {
  return issue("limit_exceeded", path, `${what} exceeds the cluster's limit of ${limit.value} ${unit} (${limit.source})`);
}

/**
 * Check a job against the cluster's limits: tasks, replicas (per task and in total), dependencies
 * and environment. Each issue names the field, the value, the limit and where the limit is set.
 */
export function checkJobLimits(job: JobSpec, limits: EffectiveLimits): Issue[] {
  const issues: Issue[] = [];
  if (job.tasks.length > limits.maxTasksPerJob.value) {
    issues.push(over("tasks", `${job.tasks.length} tasks`, limits.maxTasksPerJob, "tasks per job"));
  }
  let perTask = false;
  job.tasks.forEach((t, i) => {
    if (t.replicas > limits.maxReplicasPerTask.value) {
      issues.push(over(["tasks", i, "replicas"], String(t.replicas), limits.maxReplicasPerTask, "replicas per task"));
      perTask = true;
    }
  });
  const total = job.tasks.reduce((s, t) => s + t.replicas, 0);
  if (total > limits.maxReplicasPerJob.value) {
    if (job.tasks.length === 1) {
      // one task: name the field itself, and say it once
      if (!perTask || limits.maxReplicasPerJob.value < limits.maxReplicasPerTask.value) {
        issues.push(over(["tasks", 0, "replicas"], String(total), limits.maxReplicasPerJob, "replicas per job"));
      }
    } else {
      issues.push(over("tasks", `${total} replicas in total`, limits.maxReplicasPerJob, "replicas per job"));
    }
  }
  if (job.dependsOn.length > limits.maxDependsOn.value) {
    issues.push(over("dependsOn", `${job.dependsOn.length} entries`, limits.maxDependsOn, "dependencies per job"));
  }
  if ("env" in job.run) {
    const env = Object.entries(job.run.env);
    if (env.length > limits.maxEnvEntries.value) {
      issues.push(over("run.env", `${env.length} variables`, limits.maxEnvEntries, "variables per job"));
    }
    const bytes = env.reduce((s, [k, v]) => s + utf8Length(k) + utf8Length(v), 0);
    if (bytes > limits.maxEnvBytes.value) issues.push(over("run.env", `${bytes} bytes`, limits.maxEnvBytes, "bytes of environment"));
  }
  return issues;
}

import { z } from "zod";
import { apiVersion, count, labels, objectName, positive, positiveCount } from "./common.js";

export const TaskResources = z
  .strictObject({
    gpus: count.default(0).describe("whole accelerators per task replica"),
    gpuMilli: z.number().int().min(1).max(1000).optional().describe("share of one accelerator in 1/1000; for GPU sharing"),
    gpuType: z.string().min(1).optional().describe("catalog id or alias; any type when absent"),
    cpus: positive.default(1),
    memoryGiB: positive.default(1),
  })
  .superRefine((r, ctx) => {
    if (r.gpuMilli !== undefined && r.gpus > 1) {
      ctx.addIssue({ code: "custom", path: ["gpuMilli"], message: "cannot be combined with gpus > 1; use whole gpus" });
    }
  });
export type TaskResources = z.infer<typeof TaskResources>;

export const TaskSpec = z.strictObject({
  name: objectName.default("main"),
  replicas: positiveCount.default(1),
  resources: TaskResources.default({ gpus: 0, cpus: 1, memoryGiB: 1 }),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

export const CommandRun = z.strictObject({
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  env: z.record(z.string(), z.string()).default({}),
  workingDir: z.string().optional(),
});

export const WorkloadRun = z.strictObject({
  workload: objectName.describe("name of a built-in workload, e.g. sentiment-train"),
  args: z.record(z.string(), z.unknown()).default({}),
});

export const RunSpec = z.union([CommandRun, WorkloadRun]);
export type RunSpec = z.infer<typeof RunSpec>;

export const JobSpec = z
  .strictObject({
    apiVersion,
    kind: z.literal("Job"),
    name: objectName,
    user: objectName.optional().describe("submitting user; set by the server from the token when absent"),
    queue: objectName.default("default"),
    priority: z.number().int().min(-1000).max(1000).default(0),
    tasks: z.array(TaskSpec).min(1),
    gang: z.boolean().default(true).describe("all tasks start together or none does"),
    nodeSelector: labels.optional().describe("run only on nodes carrying all these labels (the cluster file's node labels)"),
    maxRuntimeS: positive.optional(),
    runtimeEstimateS: positive.optional().describe("user's estimate, used by SJF and backfill"),
    preemptible: z.boolean().default(false),
    dependsOn: z.array(objectName).default([]).describe("jobs that must succeed before this one starts"),
    retries: count.max(100).default(0).describe("times a failed job runs again"),
    retryBackoffS: z
      .number()
      .nonnegative()
      .max(3600)
      .default(10)
      .describe("seconds before the first retry; each further retry waits twice as long (±20 % jitter, at most 6 h); 0 = at once"),
    labels: labels.default({}),
    run: RunSpec,
  })
  .superRefine((j, ctx) => {
    const seen = new Set<string>();
    j.tasks.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: "custom", path: ["tasks", i, "name"], message: `duplicate task name "${t.name}"` });
      seen.add(t.name);
    });
    if (j.dependsOn.includes(j.name)) {
      ctx.addIssue({ code: "custom", path: ["dependsOn"], message: "a job cannot depend on itself" });
    }
  });
export type JobSpec = z.infer<typeof JobSpec>;
export type JobSpecInput = z.input<typeof JobSpec>;

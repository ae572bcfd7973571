import { z } from "zod";
import { count, positiveCount } from "./common.js";

/**
 * What one job may ask for. Work on the server grows with these numbers (processes to start,
 * dependencies to resolve, bytes to parse), so a cluster bounds them; `aidc serve` refuses a job
 * over a limit with 400 and an issue naming the field and the limit.
 */
export const JobLimits = z.strictObject({
  maxTasksPerJob: positiveCount.default(64).describe("tasks in one job"),
  maxReplicasPerTask: positiveCount.default(4096).describe("replicas of one task"),
  maxReplicasPerJob: positiveCount.default(4096).describe("replicas of all tasks of one job together"),
  maxDependsOn: count.default(256).describe("entries of a job's dependsOn"),
  maxEnvEntries: count.default(256).describe("variables in a job's run.env"),
  maxEnvBytes: count.default(65536).describe("bytes of run.env (names and values, UTF-8)"),
  maxJobBytes: positiveCount.default(262144).describe("bytes of a submitted job document (JSON or YAML); larger bodies get 413"),
});
export type JobLimits = z.infer<typeof JobLimits>;

/** The cluster's limits: per job, and per user across the queue. */
export const Limits = JobLimits.extend({
  maxPendingJobsPerUser: positiveCount
    .default(2000)
    .describe("pending + admitted jobs one user may have; more submissions get 429 until some start"),
});
export type Limits = z.infer<typeof Limits>;

/** A queue's own limits, overriding the cluster's for jobs submitted to it (raise or lower). */
export const QueueLimits = z.strictObject({
  maxTasksPerJob: positiveCount.optional(),
  maxReplicasPerTask: positiveCount.optional(),
  maxReplicasPerJob: positiveCount.optional(),
  maxDependsOn: count.optional(),
  maxEnvEntries: count.optional(),
  maxEnvBytes: count.optional(),
  maxPendingJobsPerUser: positiveCount.optional().describe("pending + admitted jobs one user may have in this queue"),
});
export type QueueLimits = z.infer<typeof QueueLimits>;

/** The limits of a cluster file that sets none. */
export const DEFAULT_LIMITS: Limits = Limits.parse({});

/**
 * The body of a job that stays pending on any cluster: no GPU, a trivial command, and a
 * dependency on a job nobody submits (a job that could never fit the cluster is refused at
 * submission, so "one GPU on a cluster without GPUs" no longer parks a job). `extra` overrides
 * or adds top-level fields (queue, user, labels, dependsOn, …).
 */
export const NEVER_SUBMITTED = "never-submitted";

export const pendingJob = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: "aidc/v1",
  kind: "Job",
  name,
  tasks: [{ resources: { gpus: 0 } }],
  dependsOn: [NEVER_SUBMITTED],
  run: { command: "true" },
  ...extra,
});

/**
 * The body of a job that stays pending on a cluster without GPUs (this machine): one GPU, a
 * trivial command. `extra` overrides or adds top-level fields (queue, user, labels, …).
 */
export const pendingJob = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: "aidc/v1",
  kind: "Job",
  name,
  tasks: [{ resources: { gpus: 1 } }],
  run: { command: "true" },
  ...extra,
});

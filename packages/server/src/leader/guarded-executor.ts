import type { Executor } from "@aidc/core";

/**
 * The executor as one leadership term sees it: starting, cancelling and releasing runs first call
 * `check` (LeaderElector.assertLeading for the term's fence), which throws FencedError once the term
 * ended. Reading (status, logs) stays open. A loop of an old term can then no longer act, even between
 * a store write that was still accepted and the executor call after it.
 */
export function guardExecutor(executor: Executor, check: () => void): Executor {
  const guarded: Executor = {
    name: executor.name,
    start: async (jobId, job, placement, options) => {
      check();
      return executor.start(jobId, job, placement, options);
    },
    cancel: async (runId) => {
      check();
      return executor.cancel(runId);
    },
    status: (runIds) => executor.status(runIds),
  };
  const logs = executor.logs?.bind(executor);
  const release = executor.release?.bind(executor);
  return {
    ...guarded,
    ...(logs ? { logs } : {}),
    ...(release
      ? {
          release: async (runId: string) => {
            check();
            return release(runId);
          },
        }
      : {}),
  };
}

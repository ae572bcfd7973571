// The scale benchmark's jobs: a seeded mix of sizes (1 to 64 GPUs, multi-node jobs as replicas of
// 8 GPUs) over four queues, each running for `durationS` virtual seconds on the sim executor, so
// the cluster fills after a few thousand jobs and the rest stays pending.
import { QUEUES } from "./cluster.mjs";

const SIZES = [1, 1, 1, 2, 4, 8, 8, 16, 32, 64];

/** Deterministic pseudo-random numbers in [0, 1) (an LCG: same seed, same jobs). */
export function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** The JSON body of job number `i` (the same for the same seed and index). */
export function jobBody(i, durationS, rnd) {
  const gpus = SIZES[Math.floor(rnd() * SIZES.length)];
  const per = Math.min(gpus, 8);
  const estimateS = Math.round(durationS * (0.5 + rnd()));
  return JSON.stringify({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: `scale-${i}`,
    queue: QUEUES[i % QUEUES.length],
    priority: Math.floor(rnd() * 3),
    tasks: [{ replicas: gpus / per, resources: { gpus: per, cpus: 4 * per, memoryGiB: 64 * per } }],
    runtimeEstimateS: estimateS,
    labels: { "aidc.dev/sim-duration-s": String(estimateS) },
    run: { command: ["true"] },
  });
}

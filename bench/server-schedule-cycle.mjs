#!/usr/bin/env node
// One scheduling cycle of the live server's shape: 10,000 pending jobs on 1,000 nodes of 8 GPUs
// (half busy), through the same decide() the server calls. Prints one JSON document per policy
// with the cycle time (median of 5 runs, after a warm-up).
// With --live the jobs have a live job's shape as well: a GPU type (two types, half the nodes each), replicas
// that stay on one node, CPUs and memory per replica (the fit filter's work).
import { ClusterState, buildTopology, decide, eligibleNodes, resolvePolicy } from "../packages/scheduler/dist/index.js";

const LIVE = process.argv.includes("--live");

const NODES = 1000;
const PENDING = 10_000;
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

function setup() {
  const topo = buildTopology(
    Array.from({ length: NODES }, (_, i) => ({
      name: `n${i}`,
      gpus: 8,
      partition: `p${i % 4}`,
      rack: `r${Math.floor(i / 32)}`,
      ...(LIVE ? { gpuType: i % 8 < 4 ? "h100" : "l40s", cpus: 112, memoryGiB: 2048 } : {}),
    })),
  );
  const state = new ClusterState(topo);
  // half the cluster busy with running jobs
  for (let i = 0; i < NODES / 2; i++) {
    const job = {
      id: `run-${i}`,
      gpus: 8,
      gpuMilli: 1000,
      queue: `q${i % 4}`,
      partition: i % 4,
      priority: 0,
      submitS: 0,
      estimateS: 3600,
      remainingS: 3600,
      attainedGpuS: 0,
      seq: i,
    };
    const off = topo.nodeGpuOffset[i];
    state.start(job, [{ node: i, gpus: [0, 1, 2, 3, 4, 5, 6, 7].map((g) => off + g), gpuMilli: 1000 }], 0);
  }
  const sizes = [1, 1, 1, 2, 4, 8, 8, 16, 32, 64];
  const shape = (gpus, partition) => {
    if (!LIVE) return {};
    const per = Math.min(gpus, 8);
    const nodes = eligibleNodes(topo, { partition, gpuType: rnd() < 0.5 ? "h100" : "l40s" });
    return { replicaGpus: per, replicas: gpus / per, cpuMilli: per * 12_000, memMiB: per * 100 * 1024, nodes };
  };
  const pending = Array.from({ length: PENDING }, (_, i) => {
    const gpus = sizes[Math.floor(rnd() * sizes.length)];
    return {
      id: `p-${i}`,
      gpus,
      gpuMilli: 1000,
      queue: `q${i % 4}`,
      partition: i % 4,
      priority: Math.floor(rnd() * 3),
      submitS: i,
      estimateS: 60 + Math.floor(rnd() * 7200),
      remainingS: 60 + Math.floor(rnd() * 7200),
      attainedGpuS: 0,
      seq: i,
      ...shape(gpus, i % 4),
    };
  });
  return { state, pending };
}

const results = [];
for (const name of ["fifo", "greedy", "sjf", "backfill-easy", "priority", "drf"]) {
  const profile = resolvePolicy(name);
  if (!profile.ok) continue;
  const times = [];
  let placed = 0;
  for (let r = 0; r < 6; r++) {
    const { state, pending } = setup();
    const t0 = performance.now();
    const d = decide(state, pending, profile.value, { nowS: PENDING });
    const ms = performance.now() - t0;
    if (r > 0) times.push(ms);
    placed = d.placements.length;
  }
  times.sort((a, b) => a - b);
  results.push({ policy: name, medianMs: Number(times[2].toFixed(1)), placed, explanations: PENDING });
}
console.log(
  JSON.stringify(
    { bench: "server-schedule-cycle", jobs: LIVE ? "live-shaped" : "trace", nodes: NODES, gpus: NODES * 8, pending: PENDING, results },
    null,
    2,
  ),
);

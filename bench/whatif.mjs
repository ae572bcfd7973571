#!/usr/bin/env node
// What-if latency through the live server (REST, in-process server, sim executor): the demo cluster made
// busy with a few jobs, and a 1,000-node cluster with 1,000 running and 5,000 pending jobs. For each,
// three typical questions ("add 4 DGX H100 to a rack", "switch the policy", "when would this 64-GPU job
// start"), median of 3 after a warm-up. Prints one JSON document.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../packages/server/dist/index.js";

const repo = new URL("../", import.meta.url).pathname;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function bigCluster(nodes) {
  const racks = [];
  for (let r = 0; r < nodes / 25; r++) {
    racks.push(`  - name: rack-${r}\n    pod: pod-${Math.floor(r / 8)}\n    nodes: [{ name: n${r}, count: 25, system: DGX H100 }]`);
  }
  const half = Array.from({ length: nodes / 50 }, (_, r) => `rack-${r}`);
  return [
    "apiVersion: aidc/v1",
    "kind: Cluster",
    "name: big",
    "racks:",
    ...racks,
    "partitions:",
    `  - { name: a, racks: [${half.join(", ")}], default: true }`,
    `  - { name: b, racks: [${Array.from({ length: nodes / 50 }, (_, r) => `rack-${r + nodes / 50}`).join(", ")}] }`,
    "queues:",
    `  - { name: q0, partition: a, quota: { gpus: ${nodes * 2} }, cohort: c }`,
    `  - { name: q1, partition: a, quota: { gpus: ${nodes * 2} }, cohort: c }`,
    `  - { name: q2, partition: b, quota: { gpus: ${nodes * 2} } }`,
    `  - { name: q3, partition: b, quota: { gpus: ${nodes * 2} } }`,
    "",
  ].join("\n");
}

async function scenario(name, clusterFile, jobs, questions) {
  const dataDir = mkdtempSync(join(tmpdir(), "aidc-bench-whatif-"));
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    clusterFile,
    executor: "sim",
    logLevel: "silent",
    metricsIntervalS: 0,
    rateLimitPerS: 0,
  });
  const token = readFileSync(server.adminTokenFile, "utf8").trim();
  const call = async (method, path, body) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json() };
  };
  const t0 = performance.now();
  for (let i = 0; i < jobs.length; i += 50) await Promise.all(jobs.slice(i, i + 50).map((j) => call("POST", "/api/v1/jobs", j)));
  const submitS = (performance.now() - t0) / 1000;
  // wait until the loop has looked at every job (its view is what the twin forks)
  await new Promise((r) => setTimeout(r, 3000));
  const queues = (await call("GET", "/api/v1/queues")).body.queues;
  const out = { cluster: name, submitted: jobs.length, submitS: Math.round(submitS * 10) / 10, pending: 0, running: 0, questions: {} };
  for (const q of queues) {
    out.pending += q.pendingJobs;
    out.running += q.runningJobs;
  }
  for (const [label, body] of Object.entries(questions)) {
    const times = [];
    let last;
    for (let r = 0; r < 4; r++) {
      const t = performance.now();
      last = await call("POST", "/api/v1/whatif", body);
      if (r > 0) times.push(performance.now() - t);
    }
    if (last.status !== 200) throw new Error(`${label}: ${JSON.stringify(last.body)}`);
    out.questions[label] = {
      medianMs: Math.round(median(times)),
      maxMs: Math.round(Math.max(...times)),
      queued: last.body.before.pending,
      meanDelayBeforeS: last.body.before.meanDelayS,
      meanDelayAfterS: last.body.after.meanDelayS,
      gainers: last.body.gainers.length,
    };
  }
  await server.close();
  return out;
}

const job = (i, queue, gpus, user) => ({
  apiVersion: "aidc/v1",
  kind: "Job",
  name: `j${i % 97}`,
  user,
  queue,
  tasks: [{ replicas: Math.max(1, gpus / 8), resources: { gpus: Math.min(8, gpus) } }],
  run: { command: "true" },
  runtimeEstimateS: 1800 + (i % 13) * 600,
  labels: { "aidc.dev/sim-duration-s": String(36000 + i) },
});
const big = (gpus) => ({ ...job(999_999, "q0", gpus, "admin"), name: "big" });

const demoJobs = [
  ...Array.from({ length: 6 }, (_, i) => job(i, "research", 8, "alice")),
  ...Array.from({ length: 4 }, (_, i) => job(10 + i, "production", 8, "bob")),
  ...Array.from({ length: 4 }, (_, i) => job(20 + i, "inference", 4, "carol")),
];
const demo = await scenario("demo", join(repo, "examples/clusters/demo.yaml"), demoJobs, {
  addNodes: { addNodes: [{ system: "DGX H100", count: 4, rack: "rack-b" }] },
  policy: { policy: "drf" },
  job64: { jobs: [{ ...big(64), queue: "research" }] },
});

const NODES = 1000;
const file = join(mkdtempSync(join(tmpdir(), "aidc-bench-cluster-")), "big.yaml");
writeFileSync(file, bigCluster(NODES));
const users = ["u0", "u1", "u2", "u3"];
const bigJobs = Array.from({ length: NODES + 5000 }, (_, i) => job(i, `q${i % 4}`, 8, users[i % 4]));
const large = await scenario(`${NODES} nodes`, file, bigJobs, {
  addNodes: { addNodes: [{ system: "DGX H100", count: 40, rack: "rack-3" }] },
  policy: { policy: "drf" },
  job64: { jobs: [big(64)] },
});
console.log(JSON.stringify({ bench: "whatif", results: [demo, large] }, null, 2));

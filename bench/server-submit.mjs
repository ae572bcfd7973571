#!/usr/bin/env node
// Sustained REST submissions on loopback: C concurrent clients POST /api/v1/jobs for D seconds
// against a real `aidc serve` in its own process (SQLite file, WAL, scheduling loop running), so
// the load generator does not share the server's event loop. Prints one JSON document with
// submissions/s and latency percentiles; GET /healthz in the same run is the baseline.
//   node bench/server-submit.mjs [--clients 32] [--seconds 5]
import { startServe } from "./serve-process.mjs";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const clients = arg("clients", 32);
const seconds = arg("seconds", 5);

// no cluster file: this machine, no GPUs; one GPU per job keeps jobs pending, so this measures
// admission (validation, idempotency, the store, a scheduling pass per burst), not execution
const { child, url, token: admin } = await startServe([new URL("../bin/aidc", import.meta.url).pathname]);
const server = { url };
// one user (and token) per client, as in real use: the per-caller rate limit applies to each
const tokens = [];
for (let c = 0; c < clients; c++) {
  const res = await fetch(`${url}/api/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ user: `bench-${c}`, role: "user" }),
  });
  tokens.push((await res.json()).token);
}
const body = JSON.stringify({
  apiVersion: "aidc/v1",
  kind: "Job",
  name: "bench",
  tasks: [{ resources: { gpus: 1 } }],
  run: { command: "true" },
});

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function load(send) {
  const latencies = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const ok = await send(tokens[c]);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    perS: Math.round(latencies.length / seconds),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
    errors,
  };
}

const health = await load(async () => (await fetch(`${server.url}/healthz`)).ok);
const submit = await load(async (token) => {
  const res = await fetch(`${server.url}/api/v1/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  await res.arrayBuffer();
  return res.status === 201;
});
child.kill("SIGTERM");
console.log(JSON.stringify({ bench: "server-submit", clients, seconds, baselineHealthz: health, submit }, null, 2));

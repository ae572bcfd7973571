// Serving benchmark (loopback only): requests/s and p50/p99 latency of POST /api/v1/models/{name}:predict, with
// dynamic batching off (maxBatchSize 1) and on, for the same model and the same load. Trains a fast model first
// unless --model <package dir> is given. Bounded: --clients concurrent clients × --requests requests each.
//   node bench/workloads-serve.mjs [--model <dir>] [--clients 32] [--requests 150] [--instances 1]
import { performance } from "node:perf_hooks";
import { benchData } from "./data.mjs";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLabeled, trainSentiment } from "../packages/workloads/dist/index.js";
import { startServer } from "../packages/server/dist/index.js";

const IMDB = benchData("imdb", { name: "imdb" });
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const clients = Number(arg("clients", "32"));
const requests = Number(arg("requests", "150"));
const instances = Number(arg("instances", "1"));
const dataDir = mkdtempSync(join(tmpdir(), "aidc-serve-bench-"));
const modelDir = join(dataDir, "models", "imdb");
const given = arg("model", undefined);
if (given) cpSync(given, modelDir, { recursive: true });
else await trainSentiment({ preset: "fast", dataPath: join(IMDB, "train.jsonl.gz"), outDir: modelDir });
const texts = (await readLabeled(join(IMDB, "test.jsonl.gz"), { limit: 2000 })).texts;

async function run(serving, baseline = false) {
  writeFileSync(join(modelDir, "serving.json"), JSON.stringify(serving));
  const server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent" });
  const url = `${server.url}/api/v1/models/imdb:predict`;
  const request = (k) =>
    baseline
      ? globalThis.fetch(`${server.url}/healthz`)
      : globalThis.fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ instances: Array.from({ length: instances }, (_, j) => texts[(k + j) % texts.length]) }),
        });
  const post = async (k) => {
    const r = await request(k);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
    await r.json();
  };
  await post(0); // load the model
  const latencies = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < requests; i++) {
        const s = performance.now();
        await post(c * requests + i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  const info = await (await globalThis.fetch(`${server.url}/api/v1/models/imdb`)).json();
  await server.close();
  latencies.sort((a, b) => a - b);
  const q = (p) => Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2));
  return {
    serving,
    requests: latencies.length,
    requestsPerS: Math.round(latencies.length / wallS),
    reviewsPerS: Math.round((latencies.length * instances) / wallS),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    meanBatch: baseline ? null : Number((info.batches.items / info.batches.batches).toFixed(1)),
  };
}

// the same client and server answering GET /healthz: what the HTTP stack itself allows on this machine right now
const healthz = await run({ maxBatchSize: 1, maxQueueDelayMs: 0 }, true);
const off = await run({ maxBatchSize: 1, maxQueueDelayMs: 0 });
const on = await run({ maxBatchSize: 64, maxQueueDelayMs: 2 });
console.log(
  JSON.stringify(
    { bench: "workloads-serve", clients, requestsPerClient: requests, instancesPerRequest: instances, healthz, off, on },
    null,
    2,
  ),
);

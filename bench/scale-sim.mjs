#!/usr/bin/env node
// Scale test of the live control plane (issue #14, item 5): one `aidc serve` with the sim executor on a
// generated cluster (10,000 nodes of 8 H100 = 80,000 GPUs by default) takes 100,000 job submissions
// from 16 clients (one user and token each, Idempotency-Key on every POST). Jobs run for a virtual day,
// so the cluster fills after a few thousand and the rest stays pending. At each checkpoint (pending
// reaches 10,000, 50,000, then all submitted) submissions pause and the bench measures, on the quiet
// server: scheduling pass time, GET /api/v1/jobs?state=pending latency, RSS. Prints one JSON document.
//
//   node bench/scale-sim.mjs [--nodes 10000] [--jobs 100000] [--clients 16] [--store <url>]
//        [--checkpoints 10000,50000] [--list-samples 50] [--quiet-s 5] [--duration-s 86400]
//        [--max-minutes 0] [--no-idempotency] [--cpu-prof <dir> [--cpu-prof-interval-us 1000]] [--aidc <checkout>] [--keep]
//
// --max-minutes (or `kill -TERM <bench pid>`) stops submitting (then the last checkpoint runs; the JSON says so).
// --store: default SQLite in the server's fresh data dir; a postgres:// URL gets a private schema
// (bench_<random>, dropped afterwards unless --keep). --aidc runs another checkout's build (e.g. a git
// worktree of a known-good commit). --cpu-prof writes the server's V8 CPU profile into <dir> at exit.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeCluster } from "./scale/cluster.mjs";
import { privateSchema } from "./scale/pg-schema.mjs";
import { healthzBaseline, listPending, passMean, passTime } from "./scale/measure.mjs";
import { cpuSeconds, memoryMiB, parseProm, summary } from "./scale/stats.mjs";
import { storeCounter } from "./scale/store-counts.mjs";
import { jobBody, lcg } from "./scale/workload.mjs";
import { startServe } from "./serve-process.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const num = (name, dflt) => {
  const v = Number(opt(name, dflt));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
};
const o = {
  nodes: num("nodes", 10_000),
  jobs: num("jobs", 100_000),
  clients: num("clients", 16),
  store: opt("store", undefined),
  checkpoints: String(opt("checkpoints", "10000,50000")).split(",").filter(Boolean).map(Number),
  listSamples: num("list-samples", 50),
  quietS: num("quiet-s", 5),
  durationS: num("duration-s", 86_400),
  idempotency: !flag("no-idempotency"),
  maxMinutes: num("max-minutes", 0),
  cpuProf: opt("cpu-prof", undefined),
  cpuProfIntervalUs: num("cpu-prof-interval-us", 1000),
  checkout: resolve(opt("aidc", new URL("..", import.meta.url).pathname)),
  keep: flag("keep"),
};
const benchStart = performance.now();
let interrupted = false;
/** --max-minutes or SIGTERM: submissions stop (the checkpoints still run and the JSON says so). */
const overBudget = () => interrupted || (o.maxMinutes > 0 && performance.now() - benchStart > o.maxMinutes * 60_000);
// SIGTERM to this process once: stop submitting, run the last checkpoint and print the JSON; twice: exit
// (not Ctrl-C: the terminal sends SIGINT to the server too, which then shuts down)
for (const signal of ["SIGTERM"])
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write("scale-sim: stopping submissions (again to quit at once)\n");
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const machine = { cpus: cpus().length, loadavgAtStart: loadavg().map((x) => Number(x.toFixed(2))) };

// --- the server -------------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), "aidc-scale-"));
const clusterFile = join(work, "cluster.json");
const size = writeCluster(clusterFile, o.nodes);
const pgSchema = o.store?.startsWith("postgres") ? await privateSchema(o.store) : undefined;
const storeArgs = o.store === undefined ? [] : ["--store", pgSchema?.url ?? o.store];
const nodeArgs = o.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", resolve(o.cpuProf), "--cpu-prof-interval", String(o.cpuProfIntervalUs)] : [];
const t0 = performance.now();
const {
  child,
  url,
  token: admin,
  dataDir,
} = await startServe([process.execPath, ...nodeArgs, join(o.checkout, "packages/cli/dist/bin.js")], "aidc-scale-", [
  "--cluster",
  clusterFile,
  "--executor",
  "sim",
  ...storeArgs,
]);
const startupS = Number(((performance.now() - t0) / 1000).toFixed(2));
const sqliteFile = o.store === undefined ? join(dataDir, "aidc.db") : o.store.replace(/^sqlite:/, "");
const counter = await storeCounter(pgSchema ? { pgUrl: pgSchema.url } : { sqliteFile });
const auth = (token) => ({ authorization: `Bearer ${token}` });

async function getJson(path, token = admin) {
  const res = await fetch(`${url}${path}`, { headers: auth(token) });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
async function scrape() {
  const res = await fetch(`${url}/metrics`, { headers: auth(admin) });
  return parseProm(await res.text());
}

const tokens = [];
for (let c = 0; c < o.clients; c++) {
  const res = await fetch(`${url}/api/v1/tokens`, {
    method: "POST",
    headers: { ...auth(admin), "content-type": "application/json" },
    body: JSON.stringify({ user: `scale-${c}`, role: "user" }),
  });
  if (res.status !== 201) throw new Error(`POST /api/v1/tokens: ${res.status} ${await res.text()}`);
  tokens.push((await res.json()).token);
}

// --- submissions --------------------------------------------------------------------------------------
const rnd = lcg(42);
let next = 0;
const allLatencies = [];
const errors = {};
let retried429 = 0;
let submitSeconds = 0;

/** All clients submit jobs `next`.. until `target` (exclusive); a 429 waits Retry-After and retries the same job. */
async function submitUntil(target) {
  const from = next;
  const latencies = [];
  const m0 = await scrape();
  const cpu0 = { server: cpuSeconds(child.pid), bench: process.cpuUsage() };
  const start = performance.now();
  // progress on stderr every 10 s (a full run takes minutes); stdout keeps the one JSON document
  const progress = setInterval(() => {
    const s = (performance.now() - start) / 1000;
    process.stderr.write(`scale-sim: ${next} submitted, ${Math.round((next - from) / s)}/s in this phase (${s.toFixed(0)} s)\n`);
  }, 10_000);
  await Promise.all(
    tokens.map(async (token) => {
      while (next < target && !overBudget()) {
        const i = next++;
        const body = jobBody(i, o.durationS, rnd);
        const headers = {
          ...auth(token),
          "content-type": "application/json",
          ...(o.idempotency ? { "idempotency-key": `scale-${i}` } : {}),
        };
        for (;;) {
          const t = performance.now();
          let status = 0;
          try {
            const res = await fetch(`${url}/api/v1/jobs`, { method: "POST", headers, body });
            await res.arrayBuffer();
            status = res.status;
            if (status === 429) {
              retried429++;
              await sleep(1000 * Number(res.headers.get("retry-after") ?? 1));
              continue;
            }
          } catch {
            status = "network";
          }
          latencies.push(performance.now() - t);
          if (status !== 201) errors[status] = (errors[status] ?? 0) + 1;
          break;
        }
      }
    }),
  );
  clearInterval(progress);
  const seconds = (performance.now() - start) / 1000;
  submitSeconds += seconds;
  for (const l of latencies) allLatencies.push(l);
  return {
    jobs: next - from,
    seconds: Number(seconds.toFixed(2)),
    perS: Math.round((next - from) / seconds),
    ...summary(latencies),
    // CPU per submission: the server's (its passes included) and this load generator's own
    serverCpuMsPerJob: Number(((1000 * (cpuSeconds(child.pid) - cpu0.server)) / Math.max(1, next - from)).toFixed(2)),
    benchCpuMsPerJob: Number((cpuMs(process.cpuUsage(cpu0.bench)) / Math.max(1, next - from)).toFixed(2)),
    passDuringPhase: passMean(m0, await scrape()),
  };
}

const cpuMs = (u) => (u.user + u.system) / 1000;

/** Pending, admitted and running jobs, counted in the store itself. */
async function counts() {
  const c = await counter.counts();
  return { ...c, pending: c.pending ?? 0, admitted: c.admitted ?? 0, running: c.running ?? 0 };
}

/** What the server itself says (GET /api/v1/queues lists the pending jobs): compared with the store's count. */
async function serverView() {
  const t = performance.now();
  const { queues } = await getJson("/api/v1/queues");
  return {
    pendingListed: queues.reduce((a, q) => a + q.pendingJobs, 0),
    usedGpus: queues.reduce((a, q) => a + q.usedGpus, 0),
    queuesMs: Math.round(performance.now() - t),
  };
}

/** Waits until the scheduler stops starting jobs (two equal readings a second apart). */
async function settle() {
  let last = await counts();
  for (let i = 0; i < 120; i++) {
    await sleep(1000);
    const now = await counts();
    if (now.pending === last.pending && now.running === last.running && now.admitted === 0) return now;
    last = now;
  }
  return last;
}

async function checkpoint(label) {
  process.stderr.write(`scale-sim: checkpoint "${label}" after ${next} submitted\n`);
  const c = await settle();
  const pass = await passTime({ scrape, pid: child.pid, quietS: o.quietS });
  const list = await listPending({ url, token: admin, samples: o.listSamples });
  return { at: label, ...c, submitted: next, server: await serverView(), pass, listPending: list, memory: memoryMiB(child.pid) };
}

// --- the run -----------------------------------------------------------------------------------------
const phases = [];
const checkpoints = [];
const baselineHealthz = await healthzBaseline({ url, clients: o.clients });
try {
  for (const want of o.checkpoints) {
    if (next >= o.jobs || overBudget()) break;
    // submit the difference to the wanted pending count (jobs that start meanwhile are made up for)
    for (let round = 0; round < 5 && next < o.jobs && !overBudget(); round++) {
      const { pending } = round === 0 ? await counts() : await settle();
      if (pending >= want * 0.99) break;
      phases.push({ toPending: want, ...(await submitUntil(Math.min(o.jobs, next + want - pending))) });
    }
    checkpoints.push(await checkpoint(`${want} pending`));
  }
  if (next < o.jobs && !overBudget()) phases.push({ toPending: "all submitted", ...(await submitUntil(o.jobs)) });
  checkpoints.push(await checkpoint(next < o.jobs ? "stopped early" : "all submitted"));
} finally {
  await counter.close().catch(() => undefined);
  child.kill("SIGTERM");
  const exited = await Promise.race([new Promise((r) => child.once("exit", () => r(true))), sleep(60_000).then(() => false)]);
  if (!exited) child.kill("SIGKILL");
  if (pgSchema && !o.keep) await pgSchema.drop();
  if (!o.keep) {
    rmSync(work, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const submit = {
  jobs: next,
  seconds: Number(submitSeconds.toFixed(2)),
  perS: Math.round(next / submitSeconds),
  ...summary(allLatencies),
  errors,
  retried429,
  phases,
};
const at10k = checkpoints.find((c) => c.at === "10000 pending");
const peakRssMiB = Math.max(...checkpoints.map((c) => c.memory.peakRssMiB ?? 0));
// the event-loop proxy only when the server exports no pass time; a pass that did not end in the window is no figure
const passMs = (c) => c?.pass.meanMs ?? (c?.pass.source.startsWith("event-loop") ? c.pass.eventLoopLagMaxMs : null);
console.log(
  JSON.stringify(
    {
      bench: "scale-sim",
      store:
        o.store === undefined
          ? "sqlite (data dir)"
          : pgSchema
            ? `postgres (schema ${pgSchema.schema})`
            : o.store.replace(/\/\/[^@]*@/, "//***@"),
      checkout: o.checkout,
      cluster: size,
      clients: o.clients,
      jobsWanted: o.jobs,
      stoppedEarly: overBudget() && next < o.jobs ? (interrupted ? "signal" : "--max-minutes") : false,
      jobDurationS: o.durationS,
      idempotencyKeys: o.idempotency,
      machine: { ...machine, loadavgAtEnd: loadavg().map((x) => Number(x.toFixed(2))) },
      startupS,
      baselineHealthz,
      submit,
      checkpoints,
      targets: {
        submitPerS: { want: ">= 1000", got: submit.perS, ok: submit.perS >= 1000 },
        submitP99Ms: { want: "< 50", got: submit.p99Ms, ok: submit.p99Ms < 50 },
        passAt10kPendingMs: {
          want: "< 250",
          got: passMs(at10k) ?? null,
          ok: at10k === undefined ? null : (passMs(at10k) ?? Infinity) < 250,
        },
        peakRssMiB: { want: "< 2048", got: peakRssMiB, ok: peakRssMiB < 2048 },
      },
    },
    null,
    2,
  ),
);

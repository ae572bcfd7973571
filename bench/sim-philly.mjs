// Replays the Philly job table (82,247 rows; 68,503 jobs kept by the helios-philly preset) under each
// policy and prints one JSON document: wall seconds, events/s and the per-VC fidelity against the Helios
// simulator run on the same table (../shared/data/traces/philly/peer-results/helios-sim-on-philly_jobs.csv).
// Usage: node bench/sim-philly.mjs [--policies a,b] [--node-scale F]   (run `npx tsc -b` first)
import { readFileSync } from "node:fs";
import { benchData } from "./data.mjs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import os from "node:os";
import { resolvePolicy } from "../packages/scheduler/dist/index.js";
import { clusterPreset, computeMetrics, readPhilly, simulate } from "../packages/simulator/dist/index.js";

const dataDir = benchData("traces/philly"); // the job table and the Helios peer results
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const policies = arg(
  "--policies",
  "fifo-strict,sjf-strict,srtf-preemptive,las,fifo,sjf,srtf,greedy,backfill-easy,backfill-conservative,drf,priority,topology",
).split(",");
const nodeScale = Number(arg("--node-scale", "1"));
// the whole table (82,247 jobs) on the Philly machine list as one pool: the acceptance speed run
const poolPolicies = arg("--pool-policies", "fifo,sjf,srtf,las")
  .split(",")
  .filter((p) => p !== "");

const t0 = performance.now();
const text = gunzipSync(readFileSync(join(dataDir, "philly_jobs.csv.gz"))).toString("utf8");
const tUnzip = performance.now();
const setup = clusterPreset("helios-philly", nodeScale);
const trace = readPhilly(text, setup.traceFilter);
if (!trace.ok) throw new Error(JSON.stringify(trace.issues));
const tRead = performance.now();

const peer = new Map();
for (const line of readFileSync(join(dataDir, "peer-results", "helios-sim-on-philly_jobs.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)) {
  const [policy, vc, jobs, jct, queue] = line.split(",");
  peer.set(`${policy}/${vc}`, { jobs: Number(jobs), avgJctS: Number(jct), avgQueueS: Number(queue) });
}
const peerName = { "fifo-strict": "fifo", "sjf-strict": "sjf", "srtf-preemptive": "srtf" };

const runs = [];
for (const name of policies) {
  const profile = resolvePolicy(name);
  if (!profile.ok) throw new Error(JSON.stringify(profile.issues));
  const s = performance.now();
  const cpu0 = process.cpuUsage();
  const result = simulate(trace.value.jobs, setup.topology, profile.value, setup.partitionOf, { seed: 1 });
  const wallS = (performance.now() - s) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const m = computeMetrics(name, result);
  const run = {
    policy: name,
    jobs: m.jobs,
    wallS: +wallS.toFixed(3),
    cpuS: +cpuS.toFixed(3),
    events: m.events,
    passes: m.passes,
    eventsPerS: Math.round(m.events / wallS),
    avgJctS: m.avgJctS,
    avgQueueS: m.avgQueueS,
    p99QueueS: m.p99QueueS,
    preemptions: m.preemptions,
    unschedulable: m.unschedulable,
  };
  const pn = peerName[name];
  if (pn && nodeScale === 1) {
    const rows = {};
    let worstJct = 0;
    let queueOk = true;
    for (const vc of ["all", ...Object.keys(m.byQueue)]) {
      const p = peer.get(`${pn}/${vc}`);
      const ours = vc === "all" ? m : m.byQueue[vc];
      if (!p || !ours) continue;
      const jctErr = (ours.avgJctS - p.avgJctS) / p.avgJctS;
      const qDiff = ours.avgQueueS - p.avgQueueS;
      const qOk = Math.abs(qDiff) <= 30 || Math.abs(qDiff) <= 0.1 * p.avgQueueS;
      worstJct = Math.max(worstJct, Math.abs(jctErr));
      queueOk &&= qOk;
      rows[vc] = {
        jobs: ours.jobs,
        peerJobs: p.jobs,
        avgJctS: ours.avgJctS,
        peerAvgJctS: p.avgJctS,
        jctErrPct: +(jctErr * 100).toFixed(3),
        avgQueueS: ours.avgQueueS,
        peerAvgQueueS: p.avgQueueS,
        queueOk: qOk,
      };
    }
    run.fidelity = { peer: `helios ${pn}`, worstJctErrPct: +(worstJct * 100).toFixed(3), allQueueWithin10pctOr30s: queueOk, byVc: rows };
  }
  runs.push(run);
}
const pool = [];
const poolSetup = clusterPreset("philly", nodeScale);
const poolTrace = readPhilly(text, {});
if (!poolTrace.ok) throw new Error(JSON.stringify(poolTrace.issues));
for (const name of poolPolicies) {
  const profile = resolvePolicy(name);
  if (!profile.ok) throw new Error(JSON.stringify(profile.issues));
  const s = performance.now();
  const cpu0 = process.cpuUsage();
  const result = simulate(poolTrace.value.jobs, poolSetup.topology, profile.value, poolSetup.partitionOf, { seed: 1 });
  const wallS = (performance.now() - s) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const m = computeMetrics(name, result);
  pool.push({
    policy: name,
    jobs: m.jobs,
    wallS: +wallS.toFixed(3),
    cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(3),
    events: m.events,
    eventsPerS: Math.round(m.events / wallS),
    avgJctS: m.avgJctS,
    avgQueueS: m.avgQueueS,
  });
}

console.log(
  JSON.stringify(
    {
      bench: "sim-philly",
      loadAvg1m: +os.loadavg()[0].toFixed(2),
      cpus: os.cpus().length,
      cluster: "helios-philly",
      nodeScale,
      rows: trace.value.rows,
      jobs: trace.value.jobs.length,
      unzipS: +((tUnzip - t0) / 1000).toFixed(3),
      readS: +((tRead - tUnzip) / 1000).toFixed(3),
      runs,
      pool: { cluster: "philly", jobs: poolTrace.value.jobs.length, runs: pool },
    },
    null,
    2,
  ),
);

// How right are start-time forecasts? Replays the Helios-Philly job table on a loaded cluster (--node-scale 0.35)
// and, at the arrival of each of --sample jobs that then wait ≥ 60 s, forks the replay's state into forecastTwin
// using only what was known then (running jobs' true remaining time hidden; predictors learn only from jobs that
// finished before that moment), then compares the forecast start with the start the replay gave the job.
// Beside each predictor chain, in the same run: a Slurm-style baseline (backfill reservations from a per-queue
// upper-bound run time: the largest run time seen so far in the queue) and an oracle (true run times).
// A second part times forecastTwin on 5,000 pending jobs on 1,000 nodes.
// Usage: node bench/forecast-accuracy.mjs [--policy fifo] [--node-scale 0.35] [--sample 2000] [--samples 16]
//        [--correlation 0.5[,0.5]] [--seed 1] [--skip-speed | --speed-only] [--details file.jsonl]          (run `npx tsc -b` first; prints one JSON document)
import { readFileSync, writeFileSync } from "node:fs";
import { benchData } from "./data.mjs";
import { gunzipSync } from "node:zlib";
import { performance } from "node:perf_hooks";
import os from "node:os";
import { buildTopology, resolvePolicy, remainingAt } from "../packages/scheduler/dist/index.js";
import {
  chainPredictor,
  clusterPreset,
  forecastTwin,
  historyPredictor,
  queueDistributionPredictor,
  readPhilly,
  seededRng,
  simulate,
  StartBandCalibrator,
} from "../packages/simulator/dist/index.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const policy = arg("--policy", "fifo");
const nodeScale = Number(arg("--node-scale", "0.35"));
const sampleN = Number(arg("--sample", "2000"));
const samples = Number(arg("--samples", "16"));
// share of the sampled run-time error common to all jobs of a fork, per chain (in the order of `chains`)
const correlations = arg("--correlation", "0.5").split(",").map(Number);
const seed = Number(arg("--seed", "1"));
const horizonS = 30 * 86400;
const detailsFile = arg("--details", undefined);
const details = detailsFile ? [] : undefined;
const MIN_WAIT_S = 60;

if (process.argv.includes("--speed-only")) {
  console.log(JSON.stringify({ bench: "forecast-accuracy", speed: speedRun(), loadAvg1m: +os.loadavg()[0].toFixed(2) }, null, 2));
  process.exit(0);
}
// the speed part runs first, on a fresh heap (after the replays' garbage it measured 2–3× slower)
const speed = process.argv.includes("--skip-speed") ? undefined : speedRun();
const t0 = performance.now();
const text = gunzipSync(
  readFileSync(benchData("traces/philly/philly_jobs.csv.gz", { name: "philly", path: "philly_jobs.csv.gz" })),
).toString("utf8");
const setup = clusterPreset("helios-philly", nodeScale);
const read = readPhilly(text, setup.traceFilter);
if (!read.ok) throw new Error(JSON.stringify(read.issues));
const trace = read.value.jobs;
const profileOf = () => {
  const r = resolvePolicy(policy);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
};

// 1. the replay: real starts
const replay = simulate(trace, setup.topology, profileOf(), setup.partitionOf, { seed });
const tReplay = performance.now();
const byId = new Map(trace.map((t) => [t.id, t]));
const outcome = new Map(replay.outcomes.map((o) => [o.id, o]));
const waiting = replay.outcomes.filter((o) => o.startS !== undefined && o.startS - o.submitS >= MIN_WAIT_S && o.preemptions === 0);
// 2. a seeded uniform sample of the jobs that waited (partial Fisher–Yates)
const rng = seededRng(seed);
const pool = waiting.slice();
const n = Math.min(sampleN, pool.length);
for (let i = 0; i < n; i++) {
  const j = i + rng.int(pool.length - i);
  [pool[i], pool[j]] = [pool[j], pool[i]];
}
const sampled = new Set(pool.slice(0, n).map((o) => o.id));
const arrivals = new Map();
for (const id of sampled) {
  const s = byId.get(id).submitS;
  if (!arrivals.has(s)) arrivals.set(s, []);
  arrivals.get(s).push(id);
}
// finished jobs in end order (what predictors may learn from)
const finished = replay.outcomes.filter((o) => o.endS !== undefined).sort((a, b) => a.endS - b.endS);

const chains = {
  "history>queueDistribution": chainPredictor([historyPredictor(), queueDistributionPredictor()]),
  queueDistribution: queueDistributionPredictor(),
};
const queueMax = new Map();
let globalMax = 0;
const FALLBACK = { p10S: 60, p50S: 3600, p90S: 86400, basis: "no history yet" };
const features = (t, elapsedS) => ({ queue: t.queue, gpus: t.gpus, ...(elapsedS !== undefined ? { elapsedS } : {}) });
const point = (s, basis) => ({ p10S: s, p50S: s, p90S: s, basis });

const errors = Object.fromEntries(
  [...Object.keys(chains), "baseline", "oracle"].map((k) => [k, { err: [], covered: 0, rawCovered: 0, banded: 0 }]),
);
// per chain: conformal calibration of the start band from forecasts whose job has started since
const calibrators = Object.fromEntries(Object.keys(chains).map((k) => [k, new StartBandCalibrator()]));
const matured = []; // { actual, nowS, band, name } in order of actual start (fed once actual ≤ now)
let learnt = 0;
let forkedPending = 0;
let forkedRunning = 0;
let forecasts = 0;
const tFore0 = performance.now();

simulate(trace, setup.topology, profileOf(), setup.partitionOf, {
  seed,
  afterPass(state, pending, nowS) {
    const ids = arrivals.get(nowS);
    if (!ids) return;
    arrivals.delete(nowS);
    while (learnt < finished.length && finished[learnt].endS <= nowS) {
      const o = finished[learnt++];
      const t = byId.get(o.id);
      for (const p of Object.values(chains)) p.observe(features(t), t.durationS);
      queueMax.set(t.queue, Math.max(queueMax.get(t.queue) ?? 0, t.durationS));
      globalMax = Math.max(globalMax, t.durationS);
    }
    let m = 0;
    while (m < matured.length && matured[m].actual <= nowS) {
      const x = matured[m++];
      calibrators[x.name].observe(x.nowS, x.band, x.actual);
    }
    matured.splice(0, m);
    const targets = ids.filter((id) => pending.some((j) => j.id === id));
    const parts = new Set(targets.map((id) => pending.find((j) => j.id === id).partition));
    for (const part of parts) {
      const inPart = (j) => part < 0 || j.partition === part;
      const run = [...state.running.values()].filter(inPart);
      const pend = pending.filter(inPart);
      const tgt = targets.filter((id) => pend.some((j) => j.id === id));
      forkedPending += pend.length;
      forkedRunning += run.length;
      forecasts += tgt.length;
      const variant = (name, predictRunning, predictPending, k, correlation = 0) => {
        const twin = {
          topology: setup.topology,
          down: state.down,
          nowS,
          running: run.map((r) => {
            const runtime = predictRunning(r);
            return {
              job: { ...r, estimateS: runtime.p50S },
              assignments: r.assignments,
              startS: r.startS,
              runStartS: r.runStartS,
              runtime,
            };
          }),
          pending: pend.map((j) => {
            const runtime = predictPending(j);
            return { job: { ...j, estimateS: runtime.p50S }, runtime };
          }),
        };
        const f = forecastTwin(twin, profileOf(), { horizonS, samples: k, seed, targets: tgt, correlation });
        for (const id of tgt) {
          const fc = f.jobs.get(id);
          const actual = outcome.get(id).startS;
          const predicted = fc?.startS ?? nowS + horizonS;
          const e = errors[name];
          e.err.push(Math.abs(predicted - actual));
          details?.push({
            name,
            id,
            nowS,
            wait: actual - nowS,
            fc: predicted - nowS,
            lo: fc?.startBandS?.[0] - nowS,
            hi: fc?.startBandS?.[1] - nowS,
          });
          if (fc?.startBandS) {
            const raw = fc.startBandS;
            const cal = calibrators[name];
            const band = cal ? cal.adjust(nowS, raw) : raw;
            e.banded++;
            if (actual >= Math.min(band[0], predicted) && actual <= Math.max(band[1], predicted)) e.covered++;
            if (actual >= raw[0] && actual <= raw[1]) e.rawCovered++;
            if (cal) {
              let at = matured.length;
              while (at > 0 && matured[at - 1].actual > actual) at--;
              matured.splice(at, 0, { actual, nowS, band: raw, name });
            }
          } else if (k > 0 && fc?.startS === undefined) {
            e.banded++; // never starts within the horizon in any sample: the band is [horizon, ∞)
            if (actual >= nowS + horizonS) {
              e.covered++;
              e.rawCovered++;
            }
          }
        }
      };
      for (const [c, [name, p]] of Object.entries(chains).entries()) {
        variant(
          name,
          (r) => p.predict(features(byId.get(r.id), nowS - r.runStartS)) ?? FALLBACK,
          (j) => p.predict(features(byId.get(j.id))) ?? FALLBACK,
          samples,
          correlations[c] ?? correlations[0],
        );
      }
      const bound = (q) => queueMax.get(q) ?? (globalMax || 86400);
      variant(
        "baseline",
        (r) => point(Math.max(bound(r.queue), nowS - r.runStartS), "queue max"),
        (j) => point(bound(j.queue), "queue max"),
        0,
      );
      variant(
        "oracle",
        (r) => point(nowS - r.runStartS + Math.max(0, remainingAt(r, nowS)), "true"),
        (j) => point(byId.get(j.id).durationS, "true"),
        0,
      );
    }
  },
});
const tFore = performance.now();

const q = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);
const summary = (e) => {
  const s = Float64Array.from(e.err).sort();
  const share = (lim) => +(s.filter((x) => x <= lim).length / Math.max(1, s.length)).toFixed(4);
  return {
    n: s.length,
    medianAbsErrS: Math.round(q(s, 0.5)),
    p90AbsErrS: Math.round(q(s, 0.9)),
    within10min: share(600),
    within1h: share(3600),
    bandCoverage: e.banded > 0 ? +(e.covered / e.banded).toFixed(4) : null,
    ...(e.banded > 0 ? { rawBandCoverage: +(e.rawCovered / e.banded).toFixed(4) } : {}),
  };
};
const result = {
  bench: "forecast-accuracy",
  predictors: Object.fromEntries(Object.keys(chains).map((k) => [k, summary(errors[k])])),
  baseline: summary(errors.baseline),
  oracle: summary(errors.oracle),
  setup: {
    cluster: "helios-philly",
    nodeScale,
    policy,
    jobs: trace.length,
    waitedAtLeast60s: waiting.length,
    sampled: n,
    forecasts,
    samplesPerForecast: samples,
    correlation: Object.fromEntries(Object.keys(chains).map((k, c) => [k, correlations[c] ?? correlations[0]])),
    horizonS,
    meanForkedPending: +(forkedPending / Math.max(1, forecasts)).toFixed(1),
    meanForkedRunning: +(forkedRunning / Math.max(1, forecasts)).toFixed(1),
    replayAvgQueueS: Math.round(waiting.reduce((a, o) => a + o.startS - o.submitS, 0) / Math.max(1, waiting.length)),
    notes:
      "Philly rows carry no user, job name, time limit or planner estimate: history keys on queue + GPU count, and the " +
      "userBound/planner predictors never answer. Forks hold the target's partition only (hard VC partitions: other " +
      "partitions cannot change its start). Baseline and oracle are point forecasts (no band: bandCoverage null).",
  },
  wallS: {
    total: 0,
    replay: +((tReplay - t0) / 1000).toFixed(2),
    forecasts: +((tFore - tFore0) / 1000).toFixed(2),
  },
  loadAvg1m: +os.loadavg()[0].toFixed(2),
  cpus: os.cpus().length,
};
if (speed) result.speed = speed;
result.wallS.total = +((performance.now() - t0) / 1000).toFixed(2);
if (detailsFile) writeFileSync(detailsFile, details.map((d) => JSON.stringify(d)).join("\n"));
console.log(JSON.stringify(result, null, 2));

/** forecastTwin on 5,000 pending jobs and a full cluster of 1,000 8-GPU nodes (p50 run + `samples` sampled runs). */
function speedRun() {
  const r = seededRng(99);
  const topology = buildTopology(Array.from({ length: 1000 }, (_, i) => ({ name: `n${i}`, gpus: 8, rack: `r${Math.floor(i / 20)}` })));
  const band = (s) => ({ p10S: s / 4, p50S: s, p90S: s * 4, basis: "synthetic" });
  const running = [];
  let gpu = 0;
  for (let node = 0; node < 1000; node++) {
    for (let used = 0; used < 8;) {
      const g = Math.min(8 - used, [1, 2, 4, 8][r.int(4)]);
      const gpus = Array.from({ length: g }, (_, k) => topology.nodeGpuOffset[node] + used + k);
      const rt = 600 + r.int(20000);
      const id = `r${running.length}`;
      const job = {
        id,
        gpus: g,
        gpuMilli: 1000,
        queue: `q${r.int(8)}`,
        partition: -1,
        priority: 0,
        submitS: 0,
        estimateS: rt,
        remainingS: rt,
        attainedGpuS: 0,
        seq: running.length,
      };
      running.push({ job, assignments: [{ node, gpus, gpuMilli: 1000 }], startS: 0, runStartS: r.int(rt), runtime: band(rt) });
      used += g;
      gpu += g;
    }
  }
  const pending = Array.from({ length: 5000 }, (_, i) => {
    const g = [1, 1, 1, 2, 4, 8, 8, 16, 32][r.int(9)];
    const rt = 300 + r.int(30000);
    const job = {
      id: `p${i}`,
      gpus: g,
      gpuMilli: 1000,
      queue: `q${r.int(8)}`,
      partition: -1,
      priority: r.int(3),
      submitS: i,
      estimateS: rt,
      remainingS: rt,
      attainedGpuS: 0,
      seq: running.length + i,
    };
    return { job, runtime: band(rt) };
  });
  const state = { topology, nowS: 20000, running, pending };
  const out = [];
  // backfill-easy is left out: the scheduler's Availability.minFree scans every running job's end for every
  // pending job in every pass (O(pending × running) per pass), ~90 s per run at this size (reported to the lead)
  for (const name of ["fifo", "sjf"]) {
    const p = resolvePolicy(name);
    if (!p.ok) throw new Error(JSON.stringify(p.issues));
    const cpu0 = process.cpuUsage();
    const f = forecastTwin(state, p.value, { seed: 1, clock: () => performance.now() });
    const cpu = process.cpuUsage(cpu0);
    const started = [...f.jobs.values()].filter((j) => j.startS !== undefined).length;
    out.push({
      policy: name,
      wallMs: Math.round(f.wallMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      runs: 1 + 8, // forecastTwin's default for forks of more than 2,000 jobs: 8 sampled runs
      started,
      banded: [...f.jobs.values()].filter((j) => j.startBandS).length,
    });
  }
  return { nodes: 1000, gpus: gpu, running: running.length, pending: pending.length, runs: out };
}

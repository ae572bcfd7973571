// Metrics store bench (the series the anomaly detectors and alert rules read): sustained ingestion
// into SQLite (WAL, on disk) with 5-minute/1-hour rollups maintained at write time, and range-query
// latency over 7 days. Run after `npx tsc -b`: node bench/anomaly-series-store.mjs [series] [scrapesPerCommit] → one JSON document.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { SeriesStore } from "../packages/observability/dist/index.js";

const seriesCount = Number(process.argv[2] ?? 100);
// scrapes buffered per transaction (1 = commit every scrape; an agent flushing every 10 scrapes = 10)
const scrapesPerCommit = Number(process.argv[3] ?? 1);
const stepMs = 60_000;
const days = 7;
const t0 = Date.UTC(2026, 0, 1);
const dir = mkdtempSync(join(tmpdir(), "aidc-series-bench-"));
const file = join(dir, "metrics.db");
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma(`cache_size = -${Number(process.env["CACHE_MIB"] ?? 64) * 1024}`); // KiB; SQLite defaults to 2 MiB
const store = new SeriesStore(db);

const steps = (days * 86_400_000) / stepMs;
const labels = Array.from({ length: seriesCount }, (_, i) => ({
  node: `node-${String(Math.floor(i / 4)).padStart(3, "0")}`,
  gpu: String(i % 4),
}));
let written = 0;
const t1 = performance.now();
const cpu0 = process.cpuUsage();
// one batch per scrape: every series at one timestamp
for (let k = 0; k < steps; k++) {
  const t = t0 + k * stepMs;
  const batch = labels.map((l, i) => ({
    metric: "aidc_gpu_utilization_ratio",
    labels: l,
    timeMs: t,
    value: 0.5 + 0.4 * Math.sin((k + i) / 90),
  }));
  written += store.append(batch);
}
const ingestMs = performance.now() - t1;
const cpu = process.cpuUsage(cpu0);
const ingestCpuS = (cpu.user + cpu.system) / 1e6; // wall time on a loaded machine is mostly waiting
const now = t0 + days * 86_400_000;

function timeIt(fn, reps) {
  const times = [];
  let result;
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    result = fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { result, p50Ms: Math.round(times[Math.floor(reps / 2)] * 100) / 100, maxMs: Math.round(times[reps - 1] * 100) / 100 };
}
const one = timeIt(
  () => store.query({ metric: "aidc_gpu_utilization_ratio", matchers: { node: "node-000", gpu: "0" }, fromMs: t0, toMs: now }, now),
  20,
);
const all = timeIt(() => store.query({ metric: "aidc_gpu_utilization_ratio", fromMs: t0, toMs: now }, now), 5);
const rawHour = timeIt(() => store.query({ metric: "aidc_gpu_utilization_ratio", fromMs: now - 3_600_000, toMs: now }, now), 20);
const latest = timeIt(() => store.latest(now), 5);
const result = {
  bench: "anomaly-series-store",
  node: process.version,
  series: seriesCount,
  samples: written,
  ingest: {
    ms: Math.round(ingestMs),
    samplesPerS: Math.round(written / (ingestMs / 1000)),
    cpuS: Math.round(ingestCpuS * 10) / 10,
    samplesPerCpuS: Math.round(written / ingestCpuS),
    samplesPerCommit: seriesCount * scrapesPerCommit,
  },
  query7dOneSeries: { ...one, result: undefined, resolutionMs: one.result.resolutionMs, points: one.result.series[0].points.length },
  query7dAllSeries: {
    ...all,
    result: undefined,
    resolutionMs: all.result.resolutionMs,
    points: all.result.series.reduce((s, x) => s + x.points.length, 0),
  },
  queryLastHourAllSeriesRaw: { ...rawHour, result: undefined, resolutionMs: rawHour.result.resolutionMs },
  latestAllSeries: { ...latest, result: undefined, series: latest.result.length },
  dbBytes: statSync(file).size + (statSync(file + "-wal", { throwIfNoEntry: false })?.size ?? 0),
};
store.flush();
db.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result, null, 2));

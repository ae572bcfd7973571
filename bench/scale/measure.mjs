// Measurements of bench/scale-sim.mjs on a running server: scheduling pass time from /metrics, the
// pending listing's latency, and a /healthz baseline of how loaded the machine is.
import { cpuSeconds, promValue, summary } from "./stats.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const passCount = (m) => promValue(m, "aidc_scheduling_pass_seconds_count");
const passSum = (m) => promValue(m, "aidc_scheduling_pass_seconds_sum");

/** Mean pass time (ms) and passes between two scrapes, from aidc_scheduling_pass_seconds (null when absent or none ended). */
export function passMean(m0, m1) {
  const c0 = passCount(m0);
  const c1 = passCount(m1);
  if (c0 === undefined || c1 === undefined || c1 === c0) return null;
  return { passes: c1 - c0, meanMs: Number(((1000 * (passSum(m1) - passSum(m0))) / (c1 - c0)).toFixed(1)) };
}

/**
 * Scheduling pass time over `quietS` seconds without submissions (the loop passes every 0.5-1 s):
 * from aidc_scheduling_pass_seconds when the server exports it, else the event loop's longest block
 * (a pass on the SQLite store is synchronous from listing the pending jobs to decide(), so that is a
 * lower bound of the pass). Also the server's CPU share over the window. `scrape()` → parsed /metrics.
 */
export async function passTime({ scrape, pid, quietS }) {
  const m0 = await scrape();
  const cpu0 = cpuSeconds(pid);
  const w0 = performance.now();
  await sleep(quietS * 1000);
  const m1 = await scrape();
  const serverCpuPct = Math.round((100 * (cpuSeconds(pid) - cpu0)) / ((performance.now() - w0) / 1000));
  const eventLoopLagMaxMs = Number((1000 * (promValue(m1, 'aidc_event_loop_lag_seconds{stat="max"}') ?? NaN)).toFixed(1));
  const mean = passMean(m0, m1);
  if (mean !== null) {
    const lastPassPendingJobs = promValue(m1, "aidc_scheduling_last_pass_pending_jobs");
    return { source: "aidc_scheduling_pass_seconds", ...mean, lastPassPendingJobs, eventLoopLagMaxMs, serverCpuPct };
  }
  const source =
    passCount(m1) !== undefined
      ? "aidc_scheduling_pass_seconds: no pass ended in the window"
      : "event-loop-lag-max (proxy: the server exports no pass time)";
  return { source, passes: 0, meanMs: null, eventLoopLagMaxMs, serverCpuPct };
}

/** GET /api/v1/jobs?state=pending (first page, as `token` sees it), `samples` requests one at a time. */
export async function listPending({ url, token, samples }) {
  const latencies = [];
  let pageJobs = 0;
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/jobs?state=pending`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.json();
    latencies.push(performance.now() - t);
    pageJobs = body.jobs?.length ?? 0;
  }
  return { pageJobs, ...summary(latencies) };
}

/** GET /healthz from `clients` loops for 2 s: what this machine gives an idle request now (a loaded machine shows here). */
export async function healthzBaseline({ url, clients }) {
  const latencies = [];
  const end = performance.now() + 2000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await (await fetch(`${url}/healthz`)).arrayBuffer();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { perS: Math.round(latencies.length / 2), ...summary(latencies) };
}

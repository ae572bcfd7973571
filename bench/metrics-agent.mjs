// Node agent and /metrics bench: the cost of one agent sample on this host (procfs, statfs, per-job
// scan with N dummy job processes), and the size and latency of the /metrics page of a server whose
// agent samples every second. Run after `npx tsc -b`: node bench/metrics-agent.mjs [samples] [jobs] → one JSON document.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { NodeAgent } from "../packages/observability/dist/index.js";
import { startServer } from "../packages/server/dist/index.js";

const samples = Number(process.argv[2] ?? 200);
const jobs = Number(process.argv[3] ?? 8);
const dir = mkdtempSync(join(tmpdir(), "aidc-agent-bench-"));
const runsDir = join(dir, "runs");
const children = [];
try {
  for (let i = 0; i < jobs; i++) {
    const child = spawn("/bin/sh", ["-c", "sleep 120"], { detached: true, stdio: "ignore" });
    children.push(child);
    mkdirSync(join(runsDir, `r${i}`), { recursive: true });
    writeFileSync(
      join(runsDir, `r${i}`, "run.json"),
      JSON.stringify({ runId: `r${i}`, jobId: `j${i}`, procs: [{ pid: child.pid, exitFile: join(runsDir, `r${i}`, "0.exit") }] }),
    );
  }
  const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
  const measure = async (agent) => {
    await agent.sample();
    const ms = [];
    let series = 0;
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      const s = await agent.sample();
      ms.push(performance.now() - t);
      series = s.samples.length;
    }
    return { series, meanMs: ms.reduce((a, b) => a + b, 0) / ms.length, p50Ms: quantile(ms, 0.5), p95Ms: quantile(ms, 0.95) };
  };
  const noGpu = async () => undefined;
  const hostOnly = await measure(new NodeAgent({ gpus: noGpu }));
  const withJobs = await measure(new NodeAgent({ gpus: noGpu, runsDir }));

  const server = await startServer({ host: "127.0.0.1", port: 0, dataDir: join(dir, "data"), logLevel: "silent", metricsIntervalS: 1 });
  try {
    await new Promise((r) => setTimeout(r, 2500));
    const scrapeMs = [];
    let text = "";
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      text = await (await fetch(`${server.url}/metrics`)).text();
      scrapeMs.push(performance.now() - t);
    }
    const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    console.log(
      JSON.stringify(
        {
          samples,
          jobProcesses: jobs,
          agentSample: { hostOnly, withJobs },
          metricsPage: {
            bytes: Buffer.byteLength(text),
            seriesLines: lines.length,
            aidcAgentSeries: lines.filter((l) => /^aidc_(node|gpu|job)_/.test(l)).length,
            scrapeMeanMs: scrapeMs.reduce((a, b) => a + b, 0) / scrapeMs.length,
            scrapeP95Ms: quantile(scrapeMs, 0.95),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await server.close();
  }
} finally {
  for (const c of children) {
    try {
      process.kill(-c.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NodeAgent } from "./agent.js";
import { AGENT_METRICS } from "./catalog.js";
import { parseNvidiaSmiCsv } from "./gpu.js";
import { cpuUtilization, memoryUsage, parseDiskstats, parseMeminfo, parseNetDev, parsePidStat, parseProcStat } from "./procfs.js";

// captured from an 8-GPU A100 node (nvidia-smi 535), one GPU without power readings
const SMI = `0, 97, 61234, 81920, 312.45, 71, 0
1, 0, 3, 81920, 61.02, 34, 0
2, 100, 80011, 81920, [N/A], 88, 2
`;

describe("procfs parsers", () => {
  it("turns two /proc/stat readings into per-core and total utilisation", () => {
    const a = parseProcStat("cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\ncpu1 50 0 50 400 0 0 0 0 0 0\nintr 1\n");
    const b = parseProcStat("cpu  250 0 150 900 0 0 0 0 0 0\ncpu0 150 0 100 400 0 0 0 0 0 0\ncpu1 100 0 50 450 0 0 0 0 0 0\n");
    const u = cpuUtilization(a, b);
    expect(u.get("cpu0")).toBeCloseTo(1);
    expect(u.get("cpu1")).toBeCloseTo(0.5);
    expect(u.get("cpu")).toBeCloseTo(200 / 300);
  });

  it("reads meminfo in bytes and derives used memory from MemAvailable", () => {
    const m = memoryUsage(
      parseMeminfo("MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    400 kB\nHugePages_Total:   0\n"),
    );
    expect(m).toEqual({ totalBytes: 1024_000, availableBytes: 409_600, usedBytes: 614_400 });
  });

  it("keeps whole disks and leaves loop devices and partitions out", () => {
    const text = [
      "   7       0 loop0 5 0 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
      " 259       0 nvme0n1 100 0 2048 10 50 0 4096 20 0 1500 30 0 0 0 0 0 0",
      " 259       1 nvme0n1p1 90 0 2000 10 50 0 4000 20 0 1400 30 0 0 0 0 0 0",
      "   8       0 sda 1 0 8 0 2 0 16 0 0 250 0",
    ].join("\n");
    expect(parseDiskstats(text)).toEqual([
      { device: "nvme0n1", readBytes: 2048 * 512, writtenBytes: 4096 * 512, ioTimeS: 1.5 },
      { device: "sda", readBytes: 8 * 512, writtenBytes: 16 * 512, ioTimeS: 0.25 },
    ]);
  });

  it("reads /proc/net/dev without loopback", () => {
    const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 142574968  153253    0    0    0     0          0         0 142574968  153253    0    0    0     0       0          0
  eth0: 1435635176   49003    3    1    0     0          0         0  5115991   38215    7    2    0     0       0          0`;
    expect(parseNetDev(text)).toEqual([
      {
        device: "eth0",
        receiveBytes: 1435635176,
        receiveErrors: 3,
        receiveDrops: 1,
        transmitBytes: 5115991,
        transmitErrors: 7,
        transmitDrops: 2,
      },
    ]);
  });

  it("parses a /proc/<pid>/stat line whose command holds spaces and parentheses", () => {
    const line = "4242 (my (odd) cmd) S 1 4240 4240 0 -1 4194560 500 0 0 0 150 50 0 0 20 0 1 0 100 123456 789 18446744073709551615";
    expect(parsePidStat(line)).toEqual({ pid: 4242, state: "S", pgrp: 4240, cpuTicks: 200, rssPages: 789 });
  });
});

describe("nvidia-smi CSV", () => {
  it("parses every GPU, converts units and leaves unsupported fields out", () => {
    const gpus = parseNvidiaSmiCsv(SMI);
    expect(gpus).toHaveLength(3);
    expect(gpus[0]).toEqual({
      index: "0",
      utilizationRatio: 0.97,
      memoryUsedBytes: 61234 * 2 ** 20,
      memoryTotalBytes: 81920 * 2 ** 20,
      powerWatts: 312.45,
      temperatureCelsius: 71,
      eccErrorsUncorrected: 0,
    });
    expect(gpus[2]?.powerWatts).toBeUndefined();
    expect(gpus[2]?.eccErrorsUncorrected).toBe(2);
  });
});

describe("NodeAgent on this host", () => {
  it("samples CPU, memory, filesystems and network with catalogued names, and GPUs from the reader", async () => {
    let t = 1_000_000;
    const agent = new NodeAgent({ node: "n1", now: () => (t += 1000), gpus: async () => parseNvidiaSmiCsv(SMI) });
    const first = await agent.sample();
    expect(first.samples.some((s) => s.metric === "aidc_node_cpu_utilization_ratio")).toBe(false); // needs a delta
    await new Promise((r) => setTimeout(r, 50));
    const second = await agent.sample();
    expect(second.errors).toEqual([]);
    const names = new Set(second.samples.map((s) => s.metric));
    for (const n of [
      "aidc_node_cpu_utilization_ratio",
      "aidc_node_memory_used_bytes",
      "aidc_node_filesystem_used_ratio",
      "aidc_gpu_temperature_celsius",
    ])
      expect(names).toContain(n);
    for (const s of second.samples) {
      expect(Object.keys(AGENT_METRICS)).toContain(s.metric);
      expect(Object.keys(s.labels).sort()).toEqual([...AGENT_METRICS[s.metric as keyof typeof AGENT_METRICS].labels].sort());
      expect(s.labels["node"]).toBe("n1");
    }
    const cpu = second.samples.find((s) => s.metric === "aidc_node_cpu_utilization_ratio");
    expect(cpu?.value).toBeGreaterThanOrEqual(0);
    expect(cpu?.value).toBeLessThanOrEqual(1);
    const hot = second.samples.filter((s) => s.metric === "aidc_gpu_temperature_celsius").map((s) => s.value);
    expect(hot).toEqual([71, 34, 88]);
  });

  it("reports CPU time and RSS of a running job's process group from its run.json", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "aidc-agent-"));
    const child = spawn("/bin/sh", ["-c", "i=0; while [ $i -lt 3000000 ]; do i=$((i+1)); done; sleep 30"], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, AIDC_GPUS: "0,2" },
    });
    try {
      const pid = child.pid ?? -1;
      mkdirSync(join(runsDir, "r1"));
      writeFileSync(
        join(runsDir, "r1", "run.json"),
        JSON.stringify({ runId: "r1", jobId: "j1", procs: [{ pid, exitFile: join(runsDir, "r1", "x.exit") }] }),
      );
      mkdirSync(join(runsDir, "r0"));
      writeFileSync(join(runsDir, "r0", "x.exit"), "0\n");
      writeFileSync(
        join(runsDir, "r0", "run.json"),
        JSON.stringify({ runId: "r0", jobId: "j0", procs: [{ pid: 1, exitFile: join(runsDir, "r0", "x.exit") }] }),
      );
      await new Promise((r) => setTimeout(r, 300));
      const agent = new NodeAgent({ node: "n1", runsDir, gpus: async () => parseNvidiaSmiCsv(SMI) });
      const s = await agent.sample();
      const rss = s.samples.find((x) => x.metric === "aidc_job_memory_rss_bytes");
      const cpu = s.samples.find((x) => x.metric === "aidc_job_cpu_seconds_total");
      expect(rss?.labels).toEqual({ node: "n1", job: "j1", run: "r1" });
      expect(rss?.value).toBeGreaterThan(0);
      expect(cpu?.value).toBeGreaterThan(0);
      expect(s.samples.some((x) => x.labels["job"] === "j0")).toBe(false); // finished run
      const of = (m: string): number | undefined => s.samples.find((x) => x.metric === m && x.labels["job"] === "j1")?.value;
      expect(of("aidc_job_gpus")).toBe(2);
      expect(of("aidc_job_gpu_utilization_ratio")).toBeCloseTo((0.97 + 1.0) / 2); // GPUs 0 and 2 of the capture
      expect(of("aidc_job_gpu_memory_used_bytes")).toBe((61234 + 80011) * 2 ** 20);
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      rmSync(runsDir, { recursive: true, force: true });
    }
  });
});

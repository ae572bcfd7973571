import { existsSync, readFileSync, readdirSync, statfsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { TimedSample } from "../metrics/series-store.js";
import type { AgentMetricName } from "./catalog.js";
import { queryNvidiaSmi, type GpuReading } from "./gpu.js";
import {
  cpuUtilization,
  memoryUsage,
  parseDiskstats,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parsePidStat,
  parseProcStat,
  type CpuTimes,
} from "./procfs.js";

export interface NodeAgentOptions {
  /** The `node` label (default: the host name, as the server's local cluster names it). */
  readonly node?: string;
  /** Where the files live (default /proc); tests point it elsewhere. */
  readonly procDir?: string;
  /** Mountpoints to watch (default: real filesystems from /proc/mounts). */
  readonly mountpoints?: readonly string[];
  /** The local executor's runs directory (`<data-dir>/runs`): per-job CPU and memory. */
  readonly runsDir?: string;
  /** GPU reader (default nvidia-smi; undefined result = no GPUs). */
  readonly gpus?: () => Promise<GpuReading[] | undefined>;
  readonly now?: () => number;
  /** Clock ticks per second and page size of /proc/<pid>/stat (Linux defaults 100 and 4096). */
  readonly clockTicksPerS?: number;
  readonly pageBytes?: number;
}

export interface AgentSample {
  readonly timeMs: number;
  readonly samples: TimedSample[];
  /** What could not be read this time (the rest of the sample is still good). */
  readonly errors: string[];
  readonly durationMs: number;
}

interface RunFile {
  readonly runId?: string;
  readonly jobId?: string;
  readonly procs?: readonly { pid: number; exitFile?: string }[];
}

/** The default `node` label: the host name with characters outside [A-Za-z0-9_.-] replaced. */
export function defaultNodeName(): string {
  return hostname().replace(/[^A-Za-z0-9_.-]/g, "-") || "localhost";
}

/**
 * Samples one host: CPU (total and per core, from /proc/stat deltas), memory, disk I/O, filesystem fill,
 * network bytes/errors, GPUs through nvidia-smi when present, and the CPU time and RSS of each running
 * local-executor job (its process groups). The first sample has no CPU utilisation (it needs a delta).
 */
export class NodeAgent {
  readonly node: string;
  private prevCpu: Map<string, CpuTimes> | undefined;
  private readonly finishedRuns = new Set<string>();
  private gpuDisabled = false;

  constructor(private readonly o: NodeAgentOptions = {}) {
    this.node = o.node ?? defaultNodeName();
  }

  private read(file: string): string {
    return readFileSync(join(this.o.procDir ?? "/proc", file), "utf8");
  }

  async sample(): Promise<AgentSample> {
    const t0 = performance.now();
    const timeMs = (this.o.now ?? Date.now)();
    const out: TimedSample[] = [];
    const errors: string[] = [];
    const put = (metric: AgentMetricName, value: number, labels: Record<string, string> = {}): void => {
      if (Number.isFinite(value)) out.push({ metric, labels: { node: this.node, ...labels }, value, timeMs });
    };
    const attempt = (what: string, fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };

    attempt("cpu", () => {
      const cur = parseProcStat(this.read("stat"));
      put("aidc_node_cpus", [...cur.keys()].filter((k) => k !== "cpu").length);
      if (this.prevCpu !== undefined) {
        for (const [name, u] of cpuUtilization(this.prevCpu, cur)) {
          if (name === "cpu") put("aidc_node_cpu_utilization_ratio", u);
          else put("aidc_node_cpu_core_utilization_ratio", u, { cpu: name.slice(3) });
        }
      }
      this.prevCpu = cur;
    });
    attempt("memory", () => {
      const m = memoryUsage(parseMeminfo(this.read("meminfo")));
      put("aidc_node_memory_total_bytes", m.totalBytes);
      put("aidc_node_memory_available_bytes", m.availableBytes);
      put("aidc_node_memory_used_bytes", m.usedBytes);
      if (m.totalBytes > 0) put("aidc_node_memory_used_ratio", m.usedBytes / m.totalBytes);
    });
    attempt("disk", () => {
      for (const d of parseDiskstats(this.read("diskstats"))) {
        put("aidc_node_disk_read_bytes_total", d.readBytes, { device: d.device });
        put("aidc_node_disk_written_bytes_total", d.writtenBytes, { device: d.device });
        put("aidc_node_disk_io_time_seconds_total", d.ioTimeS, { device: d.device });
      }
    });
    attempt("filesystem", () => {
      const mounts = this.o.mountpoints?.map((mountpoint) => ({ mountpoint, fstype: "" })) ?? parseMounts(this.read("self/mounts"));
      for (const m of mounts) {
        try {
          const s = statfsSync(m.mountpoint);
          const size = s.blocks * s.bsize;
          const used = (s.blocks - s.bfree) * s.bsize;
          const labels = { mountpoint: m.mountpoint, fstype: m.fstype };
          put("aidc_node_filesystem_size_bytes", size, labels);
          put("aidc_node_filesystem_used_bytes", used, labels);
          // like df: used / (used + available to unprivileged users)
          const denom = used + s.bavail * s.bsize;
          if (denom > 0) put("aidc_node_filesystem_used_ratio", used / denom, labels);
        } catch (e) {
          errors.push(`filesystem ${m.mountpoint}: ${(e as Error).message}`);
        }
      }
    });
    attempt("network", () => {
      for (const n of parseNetDev(this.read("net/dev"))) {
        const labels = { device: n.device };
        put("aidc_node_network_receive_bytes_total", n.receiveBytes, labels);
        put("aidc_node_network_transmit_bytes_total", n.transmitBytes, labels);
        put("aidc_node_network_receive_errors_total", n.receiveErrors, labels);
        put("aidc_node_network_transmit_errors_total", n.transmitErrors, labels);
        put("aidc_node_network_receive_drops_total", n.receiveDrops, labels);
        put("aidc_node_network_transmit_drops_total", n.transmitDrops, labels);
      }
    });
    let gpuReadings: GpuReading[] = [];
    if (!this.gpuDisabled) {
      try {
        const gpus = await (this.o.gpus ?? (() => queryNvidiaSmi()))();
        gpuReadings = gpus ?? [];
        if (gpus === undefined) this.gpuDisabled = true; // no nvidia-smi on this host: stop asking
        for (const gpu of gpus ?? []) {
          const labels = { gpu: gpu.index };
          if (gpu.utilizationRatio !== undefined) put("aidc_gpu_utilization_ratio", gpu.utilizationRatio, labels);
          if (gpu.memoryUsedBytes !== undefined) put("aidc_gpu_memory_used_bytes", gpu.memoryUsedBytes, labels);
          if (gpu.memoryTotalBytes !== undefined) put("aidc_gpu_memory_total_bytes", gpu.memoryTotalBytes, labels);
          if (gpu.powerWatts !== undefined) put("aidc_gpu_power_watts", gpu.powerWatts, labels);
          if (gpu.temperatureCelsius !== undefined) put("aidc_gpu_temperature_celsius", gpu.temperatureCelsius, labels);
          if (gpu.eccErrorsUncorrected !== undefined) put("aidc_gpu_ecc_errors_total", gpu.eccErrorsUncorrected, labels);
        }
      } catch (e) {
        errors.push(`gpu: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (this.o.runsDir !== undefined) attempt("jobs", () => this.jobUsage(this.o.runsDir ?? "", put, gpuReadings));
    const durationMs = performance.now() - t0;
    put("aidc_agent_sample_duration_seconds", durationMs / 1000);
    return { timeMs, samples: out, errors, durationMs };
  }

  /** GPU indices from AIDC_GPUS in the environment of a run's process-group leaders (readable for our own children). */
  private jobGpus(pgids: ReadonlySet<number>): string[] {
    const out = new Set<string>();
    for (const pid of pgids) {
      try {
        const env = readFileSync(join(this.o.procDir ?? "/proc", String(pid), "environ"), "utf8").split("\0");
        const v = env.find((e) => e.startsWith("AIDC_GPUS="))?.slice("AIDC_GPUS=".length) ?? "";
        for (const g of v.split(",")) if (/^\d+$/.test(g.trim())) out.add(g.trim());
      } catch {
        // gone, or not ours to read
      }
    }
    return [...out].sort((a, b) => Number(a) - Number(b));
  }

  /** CPU seconds and RSS of every live process whose group leader is one of a running job's processes. */
  private jobUsage(
    runsDir: string,
    put: (m: AgentMetricName, v: number, l: Record<string, string>) => void,
    gpus: readonly GpuReading[],
  ): void {
    if (!existsSync(runsDir)) return;
    const live: { jobId: string; runId: string; pgids: Set<number> }[] = [];
    for (const runId of readdirSync(runsDir)) {
      if (this.finishedRuns.has(runId)) continue;
      const file = join(runsDir, runId, "run.json");
      if (!existsSync(file)) continue;
      const run = JSON.parse(readFileSync(file, "utf8")) as RunFile;
      const procs = run.procs ?? [];
      if (procs.length > 0 && procs.every((p) => p.exitFile !== undefined && existsSync(p.exitFile))) {
        this.finishedRuns.add(runId);
        continue;
      }
      live.push({ jobId: run.jobId ?? runId, runId: run.runId ?? runId, pgids: new Set(procs.map((p) => p.pid)) });
    }
    if (live.length === 0) return;
    const byGroup = new Map<number, { ticks: number; rssPages: number; procs: number }>();
    const procDir = this.o.procDir ?? "/proc";
    for (const entry of readdirSync(procDir)) {
      if (!/^\d+$/.test(entry)) continue;
      let text: string;
      try {
        text = readFileSync(join(procDir, entry, "stat"), "utf8");
      } catch {
        continue; // exited while we looked
      }
      const st = parsePidStat(text);
      if (st === undefined || st.state === "Z") continue;
      const acc = byGroup.get(st.pgrp) ?? { ticks: 0, rssPages: 0, procs: 0 };
      acc.ticks += st.cpuTicks;
      acc.rssPages += st.rssPages;
      acc.procs++;
      byGroup.set(st.pgrp, acc);
    }
    const hz = this.o.clockTicksPerS ?? 100;
    const page = this.o.pageBytes ?? 4096;
    for (const run of live) {
      let ticks = 0;
      let rss = 0;
      let procs = 0;
      for (const g of run.pgids) {
        const acc = byGroup.get(g);
        if (acc === undefined) continue;
        ticks += acc.ticks;
        rss += acc.rssPages;
        procs += acc.procs;
      }
      if (procs === 0) continue;
      const labels = { job: run.jobId, run: run.runId };
      put("aidc_job_cpu_seconds_total", ticks / hz, labels);
      put("aidc_job_memory_rss_bytes", rss * page, labels);
      put("aidc_job_processes", procs, labels);
      // the GPUs the executor gave the job (AIDC_GPUS in its leader's environment): their utilisation and memory
      const held = this.jobGpus(run.pgids);
      if (held.length > 0) {
        const readings = gpus.filter((g) => held.includes(g.index));
        put("aidc_job_gpus", held.length, labels);
        const util = readings.flatMap((g) => (g.utilizationRatio !== undefined ? [g.utilizationRatio] : []));
        if (util.length > 0) put("aidc_job_gpu_utilization_ratio", util.reduce((a, b) => a + b, 0) / util.length, labels);
        const mem = readings.flatMap((g) => (g.memoryUsedBytes !== undefined ? [g.memoryUsedBytes] : []));
        if (mem.length > 0)
          put(
            "aidc_job_gpu_memory_used_bytes",
            mem.reduce((a, b) => a + b, 0),
            labels,
          );
      }
    }
  }
}

/** Parsers for the Linux /proc files the node agent reads. Pure: text in, numbers out (tested on captured text). */

/** Jiffies per CPU line of /proc/stat ("cpu" is the total, "cpu0"… the cores). */
export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

export function parseProcStat(text: string): Map<string, CpuTimes> {
  const out = new Map<string, CpuTimes>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const [name, ...rest] = line.trim().split(/\s+/);
    if (name === undefined) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user/nice
    const v = rest.slice(0, 8).map(Number);
    if (v.length < 4 || v.some((x) => !Number.isFinite(x))) continue;
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    out.set(name, { busy: total - idle, total });
  }
  return out;
}

/** Busy share of each CPU line between two /proc/stat readings, in [0, 1]; lines without progress are left out. */
export function cpuUtilization(prev: ReadonlyMap<string, CpuTimes>, cur: ReadonlyMap<string, CpuTimes>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, c] of cur) {
    const p = prev.get(name);
    if (p === undefined) continue;
    const dt = c.total - p.total;
    if (dt <= 0) continue;
    out.set(name, Math.min(1, Math.max(0, (c.busy - p.busy) / dt)));
  }
  return out;
}

/** /proc/meminfo in bytes (the file says kB, meaning KiB). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], Number(m[2]) * (line.includes("kB") ? 1024 : 1));
  }
  return out;
}

export interface MemoryUsage {
  readonly totalBytes: number;
  readonly availableBytes: number;
  readonly usedBytes: number;
}

export function memoryUsage(info: ReadonlyMap<string, number>): MemoryUsage {
  const total = info.get("MemTotal") ?? 0;
  const available = info.get("MemAvailable") ?? (info.get("MemFree") ?? 0) + (info.get("Buffers") ?? 0) + (info.get("Cached") ?? 0);
  return { totalBytes: total, availableBytes: available, usedBytes: Math.max(0, total - available) };
}

export interface DiskStats {
  readonly device: string;
  readonly readBytes: number;
  readonly writtenBytes: number;
  readonly ioTimeS: number;
}

/** /proc/diskstats of whole disks (loop, ram and partitions of sdX/vdX/nvmeXnY are left out). Sectors are 512 bytes. */
export function parseDiskstats(text: string): DiskStats[] {
  const out: DiskStats[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    const device = f[2];
    if (device === undefined || f.length < 14) continue;
    if (/^(loop|ram|zram|dm-|sr|fd)/.test(device)) continue;
    if (/^(sd|vd|xvd|hd)[a-z]+\d+$/.test(device) || /^(nvme\d+n\d+|mmcblk\d+)p\d+$/.test(device)) continue;
    out.push({ device, readBytes: Number(f[5]) * 512, writtenBytes: Number(f[9]) * 512, ioTimeS: Number(f[12]) / 1000 });
  }
  return out;
}

export interface NetDevStats {
  readonly device: string;
  readonly receiveBytes: number;
  readonly transmitBytes: number;
  readonly receiveErrors: number;
  readonly transmitErrors: number;
  readonly receiveDrops: number;
  readonly transmitDrops: number;
}

/** /proc/net/dev, every interface but loopback. */
export function parseNetDev(text: string): NetDevStats[] {
  const out: NetDevStats[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined || m[1] === "lo") continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    if (v.length < 16) continue;
    out.push({
      device: m[1],
      receiveBytes: v[0] ?? 0,
      receiveErrors: v[2] ?? 0,
      receiveDrops: v[3] ?? 0,
      transmitBytes: v[8] ?? 0,
      transmitErrors: v[10] ?? 0,
      transmitDrops: v[11] ?? 0,
    });
  }
  return out;
}

export interface PidStat {
  readonly pid: number;
  readonly pgrp: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
  readonly rssPages: number;
  readonly state: string;
}

/** One /proc/<pid>/stat line (the command name may contain spaces and parentheses: split after the last ')'). */
export function parsePidStat(text: string): PidStat | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf("(")).trim());
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // f[0] = state (field 3); field n is f[n - 3]
  const num = (n: number): number => Number(f[n - 3]);
  const stat = { pid, state: f[0] ?? "?", pgrp: num(5), cpuTicks: num(14) + num(15), rssPages: num(24) };
  return Number.isFinite(stat.pid) && Number.isFinite(stat.pgrp) && Number.isFinite(stat.cpuTicks) ? stat : undefined;
}

/** Mounted filesystems worth watching from /proc/mounts: real block or network filesystems, one line per device. */
export function parseMounts(text: string): { device: string; mountpoint: string; fstype: string }[] {
  const real = new Set([
    "ext2",
    "ext3",
    "ext4",
    "xfs",
    "btrfs",
    "zfs",
    "f2fs",
    "vfat",
    "exfat",
    "nfs",
    "nfs4",
    "cifs",
    "lustre",
    "gpfs",
    "ceph",
    "fuse.glusterfs",
    "overlay",
  ]);
  const seen = new Set<string>();
  const out: { device: string; mountpoint: string; fstype: string }[] = [];
  for (const line of text.split("\n")) {
    const [device, rawMount, fstype] = line.split(" ");
    if (device === undefined || rawMount === undefined || fstype === undefined || !real.has(fstype)) continue;
    const mountpoint = rawMount.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (seen.has(device)) continue;
    seen.add(device);
    out.push({ device, mountpoint, fstype });
  }
  return out;
}

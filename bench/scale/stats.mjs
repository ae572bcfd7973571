// Small helpers of the scale benchmark: percentiles, Prometheus text, the server process's memory.
import { readFileSync } from "node:fs";

/** Summary of latencies in ms: count, p50, p99, max (2 decimals). */
export function summary(latencies) {
  const s = Float64Array.from(latencies).sort();
  const at = (p) => (s.length === 0 ? null : Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(2)));
  return { n: s.length, p50Ms: at(50), p99Ms: at(99), maxMs: s.length === 0 ? null : Number(s[s.length - 1].toFixed(2)) };
}

/** Prometheus text → Map of `name{labels}` (labels as written) → value. */
export function parseProm(text) {
  const out = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** The first series whose key starts with `prefix` (a name, optionally with labels), or undefined. */
export function promValue(map, prefix) {
  for (const [k, v] of map) if (k === prefix || k.startsWith(`${prefix}{`) || (prefix.includes("{") && k.startsWith(prefix))) return v;
  return undefined;
}

/** Resident memory of a process now and at its peak, in MiB (Linux /proc). */
export function memoryMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
    return { rssMiB: Math.round(kb("VmRSS") / 1024), peakRssMiB: Math.round(kb("VmHWM") / 1024) };
  } catch {
    return { rssMiB: null, peakRssMiB: null };
  }
}

/** CPU seconds (user + system) a process has used so far (Linux /proc), or null. */
export function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

import { execFile } from "node:child_process";

/** The fields asked of nvidia-smi, in this order. */
export const NVIDIA_SMI_FIELDS = [
  "index",
  "utilization.gpu",
  "memory.used",
  "memory.total",
  "power.draw",
  "temperature.gpu",
  "ecc.errors.uncorrected.volatile.total",
] as const;

export const NVIDIA_SMI_ARGS = [`--query-gpu=${NVIDIA_SMI_FIELDS.join(",")}`, "--format=csv,noheader,nounits"];

/** One GPU as nvidia-smi reports it; a field the GPU does not support ("[N/A]", "[Not Supported]") is undefined. */
export interface GpuReading {
  readonly index: string;
  readonly utilizationRatio?: number;
  readonly memoryUsedBytes?: number;
  readonly memoryTotalBytes?: number;
  readonly powerWatts?: number;
  readonly temperatureCelsius?: number;
  readonly eccErrorsUncorrected?: number;
}

const MIB = 1024 * 1024;

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === "" || t.startsWith("[") || /^n\/?a$/i.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/** Parse `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` output (memory in MiB, power in W, utilisation in %). */
export function parseNvidiaSmiCsv(text: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const f = line.split(",").map((x) => x.trim());
    const index = f[0];
    if (index === undefined || !/^\d+$/.test(index)) continue;
    const util = num(f[1]);
    const used = num(f[2]);
    const total = num(f[3]);
    const power = num(f[4]);
    const temp = num(f[5]);
    const ecc = num(f[6]);
    out.push({
      index,
      ...(util !== undefined ? { utilizationRatio: util / 100 } : {}),
      ...(used !== undefined ? { memoryUsedBytes: used * MIB } : {}),
      ...(total !== undefined ? { memoryTotalBytes: total * MIB } : {}),
      ...(power !== undefined ? { powerWatts: power } : {}),
      ...(temp !== undefined ? { temperatureCelsius: temp } : {}),
      ...(ecc !== undefined ? { eccErrorsUncorrected: ecc } : {}),
    });
  }
  return out;
}

/**
 * Ask nvidia-smi for every GPU. Resolves to undefined when nvidia-smi is not installed (ENOENT);
 * rejects when it exists but fails (driver not loaded, timeout), so the caller can report it.
 */
export function queryNvidiaSmi(binary = "nvidia-smi", timeoutMs = 5000): Promise<GpuReading[] | undefined> {
  return new Promise((resolve, reject) => {
    execFile(binary, NVIDIA_SMI_ARGS, { timeout: timeoutMs, encoding: "utf8" }, (err, stdout) => {
      if (err !== null) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") resolve(undefined);
        else reject(new Error(`${binary} failed: ${err.message}`));
        return;
      }
      resolve(parseNvidiaSmiCsv(stdout));
    });
  });
}

import type { JobView } from "./types.js";

export const HOUR_MS = 3_600_000;
export const NOW = 1_800_000_000_000;

export function job(id: string, o: Partial<JobView> & { gpus?: number; replicas?: number; gpuType?: string } = {}): JobView {
  const { gpus = 1, replicas = 1, gpuType, ...rest } = o;
  return {
    id,
    name: id,
    queue: "default",
    state: "running",
    gang: true,
    tasks: [{ replicas, gpus, ...(gpuType !== undefined ? { gpuType } : {}) }],
    submittedAtMs: NOW - HOUR_MS,
    ...rest,
  };
}

/** Samples every `stepS` seconds over the last `spanS` seconds with the given values (cycled). */
export function series(values: readonly number[], spanS: number, stepS = 60): [number, number][] {
  const out: [number, number][] = [];
  for (let t = NOW - spanS * 1000, i = 0; t <= NOW; t += stepS * 1000, i++) out.push([t, values[i % values.length]!]);
  return out;
}

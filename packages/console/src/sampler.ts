/** Samples GPU allocation from /api/v1/nodes every few seconds while the console is open (kept across pages). */
import { api, getToken } from "./api.js";
import type { NodeView } from "./types.js";

export interface Sample {
  readonly atMs: number;
  readonly usedGpus: number;
  readonly totalGpus: number;
}

export const SAMPLE_EVERY_MS = 5000;
const MAX = 720;
const samples: Sample[] = [];
const listeners = new Set<(nodes: readonly NodeView[]) => void>();

export function gpuSamples(): readonly Sample[] {
  return samples;
}

/** Called with the latest nodes after every sample; returns an unsubscribe function. */
export function onSample(fn: (nodes: readonly NodeView[]) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export async function sampleNow(): Promise<readonly NodeView[]> {
  const { nodes } = await api<{ nodes: NodeView[] }>("/api/v1/nodes");
  const totalGpus = nodes.reduce((s, n) => s + n.gpus, 0);
  const usedGpus = nodes.reduce((s, n) => s + (n.gpus - n.freeGpus), 0);
  samples.push({ atMs: Date.now(), usedGpus, totalGpus });
  if (samples.length > MAX) samples.splice(0, samples.length - MAX);
  listeners.forEach((fn) => fn(nodes));
  return nodes;
}

export function startSampler(): void {
  const tick = (): void => {
    if (getToken() && document.visibilityState !== "hidden") sampleNow().catch(() => undefined);
  };
  tick();
  setInterval(tick, SAMPLE_EVERY_MS);
}

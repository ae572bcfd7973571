import type { PlacementName } from "@aidc/scheduler";
import type { PackNodeSpec } from "./cluster.js";
import { runPackSeed, type PackPodRecord, type PackSeedResult } from "./run.js";

export interface PackOptions {
  readonly policy: PlacementName;
  /** Total GPU request as a multiple of cluster GPUs (the reference uses 1.3). */
  readonly inflate: number;
  readonly seeds: readonly number[];
  /** Typical-pod coverage in % (reference: 95). */
  readonly coveragePct?: number;
}

/** `aidc sim pack --json` document: means over the seeds at every 10 % of arrived GPU request. */
export interface PackSummary {
  readonly policy: PlacementName;
  readonly seeds: readonly number[];
  readonly inflate: number;
  readonly totalGpus: number;
  readonly nodes: number;
  readonly allocPct: Readonly<Record<string, number>>;
  readonly fragPct: Readonly<Record<string, number>>;
  readonly unallocatedGpusAt130: number;
  readonly failedPods: number;
  readonly perSeed: readonly { readonly seed: number; readonly pods: number; readonly failed: number; readonly allocAtEnd: number }[];
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

function meanAt(
  results: readonly PackSeedResult[],
  pick: (r: PackSeedResult) => readonly (number | null)[],
  x: number,
): number | undefined {
  const vals = results.map((r) => pick(r)[x]).filter((v): v is number => typeof v === "number");
  return vals.length === 0 ? undefined : vals.reduce((s, v) => s + v, 0) / vals.length;
}

export function summarizePack(opts: PackOptions, nodes: readonly PackNodeSpec[], results: readonly PackSeedResult[]): PackSummary {
  const totalGpus = nodes.reduce((s, n) => s + n.gpus, 0);
  const end = Math.round(opts.inflate * 100);
  const points = new Set<number>();
  for (let x = 10; x <= end; x += 10) points.add(x);
  points.add(end);
  const allocPct: Record<string, number> = {};
  const fragPct: Record<string, number> = {};
  for (const x of [...points].sort((a, b) => a - b)) {
    const a = meanAt(results, (r) => r.allocPct, x);
    const f = meanAt(results, (r) => r.fragPct, x);
    if (a !== undefined) allocPct[String(x)] = round(a);
    if (f !== undefined) fragPct[String(x)] = round(f);
  }
  const a130 = meanAt(results, (r) => r.allocPct, 130) ?? meanAt(results, (r) => r.allocPct, end) ?? 0;
  return {
    policy: opts.policy,
    seeds: opts.seeds,
    inflate: opts.inflate,
    totalGpus,
    nodes: nodes.length,
    allocPct,
    fragPct,
    unallocatedGpusAt130: round((totalGpus * (100 - a130)) / 100, 1),
    failedPods: results.reduce((s, r) => s + r.failed, 0),
    perSeed: results.map((r) => ({ seed: r.seed, pods: r.pods, failed: r.failed, allocAtEnd: round(r.allocPct[end] ?? 0) })),
  };
}

/** Run the FGD packing experiment for every seed and summarise (means over seeds). */
export function runPack(nodes: readonly PackNodeSpec[], pods: readonly PackPodRecord[], opts: PackOptions): PackSummary {
  const results = opts.seeds.map((seed) => runPackSeed(nodes, pods, opts.policy, opts.inflate, seed, opts.coveragePct));
  return summarizePack(opts, nodes, results);
}

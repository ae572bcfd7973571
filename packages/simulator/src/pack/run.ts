import { FragModel, typicalPods, type PackPod, type PlacementName } from "@aidc/scheduler";
import { PackCluster, type PackNodeSpec } from "./cluster.js";
import { seededRng, shuffleInPlace } from "./rng.js";

/** A pod of the workload list (openb pod CSV row reduced to what placement needs). */
export interface PackPodRecord extends PackPod {
  readonly name: string;
}

export interface PackSeedResult {
  readonly seed: number;
  /** Pods after re-sampling (the arrival sequence). */
  readonly pods: number;
  readonly placed: number;
  readonly failed: number;
  /** Index x = arrived GPU request as % of cluster GPUs; value = GPU allocation ratio % (null = no event there). */
  readonly allocPct: readonly (number | null)[];
  /** Same axis; value = fragmented GPU as % of cluster GPU capacity. */
  readonly fragPct: readonly (number | null)[];
  readonly distinctNodeStates: number;
}

/** Python's round(): half to even (the reference analysis buckets events with it). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The FGD experiment for one seed: the pod list is sorted by name and shuffled, then re-sampled until its total
 * GPU request reaches `inflate` × cluster GPUs (pods drawn with replacement from the original list and appended,
 * stopping at the first draw whose per-GPU request would overshoot; or random pods removed when the list is
 * larger), and placed one by one with no departures. After every pod the allocation and fragmentation are recorded
 * against the arrived GPU request; each integer percent x reports the mean over the events in that bucket (or in
 * x±1 when empty), exactly as the reference analysis scripts do.
 */
export function runPackSeed(
  nodes: readonly PackNodeSpec[],
  pods: readonly PackPodRecord[],
  policy: PlacementName,
  inflate: number,
  seed: number,
  coveragePct = 95,
): PackSeedResult {
  const rng = seededRng(seed);
  const byName = [...pods].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const typical = typicalPods(byName, coveragePct);
  const frag = new FragModel(typical);
  const order: PackPodRecord[] = shuffleInPlace([...byName], rng);
  const cluster = new PackCluster(nodes, policy, frag, rng, new FragModel(typical, { memory: true }));
  const capacityMilli = cluster.totalGpus * 1000;
  const target = inflate * capacityMilli;
  const milliOf = (p: PackPod): number => p.gpus * p.gpuMilli;
  let total = order.reduce((s, p) => s + milliOf(p), 0);
  if (inflate > 0 && total > target) {
    while (total > target && order.length > 0) {
      const [removed] = order.splice(rng.int(order.length), 1);
      total -= milliOf(removed as PackPodRecord);
    }
  } else if (inflate > 0 && byName.length > 0) {
    for (;;) {
      const p = byName[rng.int(byName.length)] as PackPodRecord;
      if (total + p.gpuMilli > target) break;
      order.push(p);
      total += milliOf(p);
    }
  }

  const maxBucket = Math.ceil(inflate * 100) + 3;
  const n = Math.max(maxBucket, 131) + 2;
  const allocSum = new Float64Array(n);
  const fragSum = new Float64Array(n);
  const count = new Int32Array(n);
  const total100 = cluster.totalGpus * 10;
  const record = (arrived: number): void => {
    const b = Math.min(n - 1, roundHalfEven(arrived / total100));
    allocSum[b] = (allocSum[b] as number) + Math.round((cluster.usedGpuMilli / total100) * 100) / 100;
    fragSum[b] = (fragSum[b] as number) + cluster.fragGpuMilli;
    count[b] = (count[b] as number) + 1;
  };
  let arrived = 0;
  let placed = 0;
  record(0);
  for (const p of order) {
    arrived += milliOf(p);
    if (cluster.place(p) >= 0) placed++;
    record(arrived);
  }

  const axis = Math.max(131, Math.round(inflate * 100) + 1);
  const allocPct: (number | null)[] = [];
  const fragPct: (number | null)[] = [];
  for (let x = 0; x < axis; x++) {
    let c = count[x] ?? 0;
    let a = allocSum[x] ?? 0;
    let f = fragSum[x] ?? 0;
    if (c === 0) {
      for (const y of [x - 1, x + 1]) {
        if (y < 0 || y >= n) continue;
        c += count[y] as number;
        a += allocSum[y] as number;
        f += fragSum[y] as number;
      }
    }
    allocPct.push(c === 0 ? null : a / c);
    fragPct.push(c === 0 ? null : (100 * f) / c / 1000 / cluster.totalGpus);
  }
  return { seed, pods: order.length, placed, failed: order.length - placed, allocPct, fragPct, distinctNodeStates: cluster.distinctStates };
}

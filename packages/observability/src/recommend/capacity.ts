import type { QueueView } from "./queue-imbalance.js";
import { jobGpus, round, type JobView, type NodeView, type Recommendation } from "./types.js";

export interface CapacityThresholds {
  /** Only jobs pending at least this long count as waiting for capacity. */
  readonly minWaitS: number;
  /** At most this many nodes are proposed at once. */
  readonly maxNodes: number;
}
export const CAPACITY_DEFAULTS: CapacityThresholds = { minWaitS: 600, maxNodes: 16 };

/** Nodes of one kind (system, or accelerator when the node names no system) in one partition. */
interface Pool {
  readonly partition: string | undefined;
  readonly accelerator: string;
  readonly nodes: NodeView[];
}

function mostCommon(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/**
 * Jobs that wait for GPUs their queue is entitled to (the queue is within its quota, or has none) while the
 * nodes they can run on are full: propose adding nodes like those (same system, the rack most of them are
 * in) for the GPUs the waiting jobs lack. The server forecasts the change with the what-if before showing it.
 */
export function capacityRule(
  nodes: readonly NodeView[],
  freeGpus: Readonly<Record<string, number>>,
  queues: readonly QueueView[],
  jobs: readonly JobView[],
  nowMs: number,
  t: CapacityThresholds = CAPACITY_DEFAULTS,
): Recommendation[] {
  const queueOf = new Map(queues.map((q) => [q.name, q]));
  const used = new Map<string, number>();
  for (const j of jobs) if (j.state !== "pending") used.set(j.queue, (used.get(j.queue) ?? 0) + jobGpus(j));
  const pools = new Map<string, Pool>();
  const waiting = new Map<string, { gpus: number; jobs: number; oldestMs: number; pool: Pool }>();
  for (const j of jobs) {
    if (j.state !== "pending" || nowMs - j.submittedAtMs < t.minWaitS * 1000) continue;
    const q = queueOf.get(j.queue);
    const gpus = jobGpus(j);
    if (gpus <= 0) continue;
    // a queue at its quota waits for quota, not nodes
    if (q?.quotaGpus !== undefined && (used.get(j.queue) ?? 0) + gpus > q.quotaGpus) continue;
    const wanted = j.tasks.find((x) => x.gpuType !== undefined)?.gpuType;
    const fits = nodes.filter(
      (n) =>
        n.gpus > 0 &&
        !n.cordoned &&
        (q?.partition === undefined || n.partitions === undefined || n.partitions.includes(q.partition)) &&
        (wanted === undefined || n.accelerator === wanted),
    );
    const accelerator = mostCommon(fits.map((n) => n.accelerator));
    if (accelerator === undefined) continue;
    const key = `${q?.partition ?? ""}|${accelerator}`;
    let pool = pools.get(key);
    if (pool === undefined) {
      pool = { partition: q?.partition, accelerator, nodes: fits.filter((n) => n.accelerator === accelerator) };
      pools.set(key, pool);
    }
    const w = waiting.get(key) ?? { gpus: 0, jobs: 0, oldestMs: j.submittedAtMs, pool };
    waiting.set(key, { ...w, gpus: w.gpus + gpus, jobs: w.jobs + 1, oldestMs: Math.min(w.oldestMs, j.submittedAtMs) });
  }
  const out: Recommendation[] = [];
  for (const [key, w] of waiting) {
    const free = w.pool.nodes.reduce((s, n) => s + (freeGpus[n.name] ?? 0), 0);
    const lacking = w.gpus - free;
    const perNode = Math.max(...w.pool.nodes.map((n) => n.gpus));
    if (lacking <= 0 || !(perNode > 0)) continue;
    const count = Math.min(t.maxNodes, Math.ceil(lacking / perNode));
    const system = mostCommon(w.pool.nodes.map((n) => n.system));
    const rack = mostCommon(w.pool.nodes.map((n) => n.rack));
    const kind = system ?? w.pool.accelerator;
    const where = w.pool.partition !== undefined ? ` in partition ${w.pool.partition}` : "";
    out.push({
      id: `capacity/${key.replace("|", "/")}`,
      kind: "capacity",
      severity: "info",
      title: `${w.jobs} job(s) within their quota wait for ${round(w.gpus)} ${w.pool.accelerator} GPU(s)${where}, ${round(free)} free: ${count} more ${kind} node(s) would run them`,
      evidence: {
        source: "pending jobs within their queues' quotas vs free GPUs of the nodes they can use",
        partition: w.pool.partition ?? null,
        accelerator: w.pool.accelerator,
        waitingJobs: w.jobs,
        waitingGpus: round(w.gpus),
        freeGpus: round(free),
        longestWaitS: Math.round((nowMs - w.oldestMs) / 1000),
      },
      expectedGain: {
        value: round(Math.min(lacking, count * perNode)),
        unit: "gpus",
        basis: `GPUs the waiting jobs lack that ${count} node(s) add`,
      },
      action: {
        description: `Add ${count} ${kind} node(s)${rack !== undefined ? ` to rack ${rack}` : ""}${where} (cluster file racks[].nodes)`,
        command: `aidc whatif --add-nodes "${count}x ${kind}"${rack !== undefined ? ` --rack ${rack}` : ""}`,
      },
      change: {
        addNodes: [
          { ...(system !== undefined ? { system } : { accelerator: w.pool.accelerator }), count, ...(rack !== undefined ? { rack } : {}) },
        ],
      },
    });
  }
  return out;
}

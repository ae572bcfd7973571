import { WHOLE } from "./state.js";
import type { Assignment, ClusterSnapshot, SchedJob, Topology } from "./types.js";

const BUFFERS = new WeakMap<ClusterSnapshot, { node: Int32Array; part: Int32Array }>();

/**
 * A copy-on-write view over a snapshot used inside one decide() call: tentative placements and
 * releases change private copies of the counters (made on first write), never the snapshot.
 */
export class Scratch {
  readonly topology: Topology;
  readonly snapshot: ClusterSnapshot;
  /** Tentatively changed GPUs (sparse); the snapshot's array otherwise. */
  private gpuOver = new Map<number, number>();
  private node: Int32Array;
  private part: Int32Array;
  private owned = false;
  private queueDelta = new Map<string, number>();

  constructor(snapshot: ClusterSnapshot) {
    this.snapshot = snapshot;
    this.topology = snapshot.topology;
    this.node = snapshot.nodeFreeGpus;
    this.part = snapshot.partitionFreeGpus;
  }

  private own(): void {
    if (this.owned) return;
    // reuse one buffer pair per snapshot (a memcpy, no allocation on the simulator's hot path)
    let buf = BUFFERS.get(this.snapshot);
    if (!buf || buf.node.length !== this.node.length || buf.part.length !== this.part.length) {
      buf = { node: new Int32Array(this.node.length), part: new Int32Array(this.part.length) };
      BUFFERS.set(this.snapshot, buf);
    }
    buf.node.set(this.node);
    buf.part.set(this.part);
    this.node = buf.node;
    this.part = buf.part;
    this.owned = true;
  }

  gpuFree(g: number): number {
    return this.gpuOver.get(g) ?? this.snapshot.gpuFreeMilli[g] ?? 0;
  }
  nodeFree(n: number): number {
    return this.snapshot.down[n] === 1 ? 0 : (this.node[n] ?? 0);
  }
  partitionFree(p: number): number {
    return this.part[p] ?? 0;
  }
  /** Whole free GPUs in the job's partition (or the whole cluster). */
  freeFor(job: SchedJob): number {
    if (job.partition >= 0) return this.partitionFree(job.partition);
    let s = 0;
    for (let p = 0; p < this.part.length; p++) s += this.part[p] ?? 0;
    return s;
  }
  queueUsed(queue: string): number {
    return (this.snapshot.queueUsedGpus.get(queue) ?? 0) + (this.queueDelta.get(queue) ?? 0);
  }
  isDown(n: number): boolean {
    return this.snapshot.down[n] === 1;
  }

  /** Nodes a job may use: its partition's, or all. */
  nodesFor(job: SchedJob): Int32Array | undefined {
    return job.partition >= 0 ? this.topology.partitionNodes[job.partition] : undefined;
  }

  private adjust(nodeIdx: number, g: number, delta: number): void {
    const before = this.gpuFree(g);
    const after = before + delta;
    this.gpuOver.set(g, after);
    const p = this.topology.nodePartition[nodeIdx] ?? 0;
    if (before === WHOLE && after < WHOLE) {
      this.node[nodeIdx] = (this.node[nodeIdx] ?? 0) - 1;
      this.part[p] = (this.part[p] ?? 0) - 1;
    } else if (before < WHOLE && after === WHOLE) {
      this.node[nodeIdx] = (this.node[nodeIdx] ?? 0) + 1;
      this.part[p] = (this.part[p] ?? 0) + 1;
    }
  }

  take(job: SchedJob, assignments: readonly Assignment[]): void {
    this.own();
    let milli = 0;
    for (const a of assignments)
      for (const g of a.gpus) {
        this.adjust(a.node, g, -a.gpuMilli);
        milli += a.gpuMilli;
      }
    this.queueDelta.set(job.queue, (this.queueDelta.get(job.queue) ?? 0) + milli / WHOLE);
  }

  give(job: SchedJob, assignments: readonly Assignment[]): void {
    this.own();
    let milli = 0;
    for (const a of assignments)
      for (const g of a.gpus) {
        this.adjust(a.node, g, a.gpuMilli);
        milli += a.gpuMilli;
      }
    this.queueDelta.set(job.queue, (this.queueDelta.get(job.queue) ?? 0) - milli / WHOLE);
  }

  /** The first `count` whole free GPUs of a node (global indices). */
  wholeGpus(nodeIdx: number, count: number): number[] {
    const off = this.topology.nodeGpuOffset[nodeIdx] ?? 0;
    const n = this.topology.nodeGpus[nodeIdx] ?? 0;
    const out: number[] = [];
    for (let g = off; g < off + n && out.length < count; g++) if (this.gpuFree(g) === WHOLE) out.push(g);
    return out;
  }

  /** The GPU of a node with the least free share that still fits `milli` (packs fractional jobs), or -1. */
  sharedGpu(nodeIdx: number, milli: number): number {
    const off = this.topology.nodeGpuOffset[nodeIdx] ?? 0;
    const n = this.topology.nodeGpus[nodeIdx] ?? 0;
    let best = -1;
    let bestFree = WHOLE + 1;
    for (let g = off; g < off + n; g++) {
      const f = this.gpuFree(g);
      if (f >= milli && f < bestFree) {
        best = g;
        bestFree = f;
      }
    }
    return best;
  }
}

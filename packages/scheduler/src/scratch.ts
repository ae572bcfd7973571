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
  /** Tentative CPU / memory changes per node (sparse). */
  private cpuDelta = new Map<number, number>();
  private memDelta = new Map<number, number>();
  /** Bumped on every take/give: per-node-set free counts are cached against it. */
  private version = 0;
  private setFree = new Map<Int32Array, { version: number; free: number }>();

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
  /** Whole free GPUs in the job's partition (or the whole cluster); on its eligible nodes when it has a set. */
  freeFor(job: SchedJob): number {
    if (job.nodes !== undefined) return this.nodeSetFree(job.nodes);
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

  /** Whole free GPUs on a set of nodes (cached until the next take/give). */
  nodeSetFree(nodes: Int32Array): number {
    const hit = this.setFree.get(nodes);
    if (hit && hit.version === this.version) return hit.free;
    let free = 0;
    for (let i = 0; i < nodes.length; i++) free += this.nodeFree(nodes[i] ?? 0);
    this.setFree.set(nodes, { version: this.version, free });
    return free;
  }

  cpuFree(n: number): number {
    return (this.snapshot.nodeFreeCpuMilli[n] ?? 0) + (this.cpuDelta.get(n) ?? 0);
  }
  memFree(n: number): number {
    return (this.snapshot.nodeFreeMemMiB[n] ?? 0) + (this.memDelta.get(n) ?? 0);
  }

  /**
   * The filter stage every placement goes through: how many replicas of a live job node n can
   * host now by CPUs and memory (where the cluster models them), 0 when the node is down;
   * Infinity for jobs that ask for no CPUs or memory (trace jobs).
   */
  replicasFit(job: SchedJob, n: number): number {
    if (this.snapshot.down[n] === 1) return 0;
    let k = Infinity;
    if (job.cpuMilli && (this.topology.nodeCpuMilli[n] ?? 0) > 0) k = Math.floor(this.cpuFree(n) / job.cpuMilli);
    if (job.memMiB && (this.topology.nodeMemMiB[n] ?? 0) > 0) k = Math.min(k, Math.floor(this.memFree(n) / job.memMiB));
    return k;
  }

  /**
   * Whole free GPUs of node n that this job can use: all of them for a trace job; for a live job,
   * whole replicas only (a replica never spans nodes), as many as the node's CPUs and memory hold.
   * Placement plugins size their pieces with this, so every placement respects the filters.
   */
  fitFree(job: SchedJob, n: number): number {
    const free = this.nodeFree(n);
    if (job.replicaGpus === undefined && job.cpuMilli === undefined && job.memMiB === undefined) return free;
    const per = Math.max(1, job.replicaGpus ?? 1);
    const units = Math.min(Math.floor(free / per), this.replicasFit(job, n));
    return units * per;
  }

  /** Nodes a job may use: its eligible set (partition ∩ GPU type ∩ selector), its partition's, or all. */
  nodesFor(job: SchedJob): Int32Array | undefined {
    if (job.nodes !== undefined) return job.nodes;
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

  private resources(a: Assignment, sign: 1 | -1): void {
    if (a.cpuMilli) this.cpuDelta.set(a.node, (this.cpuDelta.get(a.node) ?? 0) + sign * a.cpuMilli);
    if (a.memMiB) this.memDelta.set(a.node, (this.memDelta.get(a.node) ?? 0) + sign * a.memMiB);
  }

  take(job: SchedJob, assignments: readonly Assignment[]): void {
    this.own();
    this.version++;
    let milli = 0;
    for (const a of assignments) {
      for (const g of a.gpus) {
        this.adjust(a.node, g, -a.gpuMilli);
        milli += a.gpuMilli;
      }
      this.resources(a, -1);
    }
    this.queueDelta.set(job.queue, (this.queueDelta.get(job.queue) ?? 0) + milli / WHOLE);
  }

  give(job: SchedJob, assignments: readonly Assignment[]): void {
    this.own();
    this.version++;
    let milli = 0;
    for (const a of assignments) {
      for (const g of a.gpus) {
        this.adjust(a.node, g, a.gpuMilli);
        milli += a.gpuMilli;
      }
      this.resources(a, 1);
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

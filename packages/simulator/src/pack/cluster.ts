import type { Rng } from "@aidc/core";
import { affinityBit, chooseGpus, fits, scoreNode, type FragModel, type NodeView, type PackPod, type PlacementName } from "@aidc/scheduler";

/** One GPU node of the packing experiment (openb node list row). */
export interface PackNodeSpec {
  readonly name: string;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly gpus: number;
  readonly model: string;
}

/**
 * Nodes whose state is identical (model, CPU/memory left, multiset of idle milli per GPU, affinity classes) score
 * identically under every placement policy, so the cluster keeps them in groups and scores each group once per
 * pod shape (cached: a group's key is its state). Equal best scores go to the node that comes first in a seeded
 * random node order, as in the reference simulator (its selectHost takes the lexicographically smallest node name
 * and node names carry a per-seed random-permutation prefix).
 */
interface Group {
  readonly key: string;
  readonly view: NodeView;
  /** Fragmented milli-GPU of one node in this state. */
  readonly frag: number;
  /** Node indices, ascending by rank (the seeded node order). */
  readonly members: number[];
  /** Score per pod-shape id (sparse array); NaN when the pod does not fit. */
  readonly cache: (number | undefined)[];
  active: number;
}

export class PackCluster {
  readonly specs: readonly PackNodeSpec[];
  readonly totalGpus: number;
  private readonly cpuLeft: Float64Array;
  private readonly memLeft: Float64Array;
  private readonly gpuLeft: Int32Array[];
  private readonly mask: Int32Array;
  private readonly groupOf: Group[];
  /** Tie-break order: a seeded random permutation of the nodes. */
  private readonly rank: Int32Array;
  private readonly groups = new Map<string, Group>();
  private readonly active: Group[] = [];
  private readonly shapeIds = new Map<string, number>();
  private readonly policy: PlacementName;
  private readonly frag: FragModel;
  private readonly fragMemory: FragModel;
  private readonly rng: Rng;
  /** Sum of allocated milli-GPU. */
  usedGpuMilli = 0;
  /** Sum over nodes of fragmented milli-GPU (FGD definition, target-workload typical pods). */
  fragGpuMilli = 0;

  constructor(specs: readonly PackNodeSpec[], policy: PlacementName, frag: FragModel, rng: Rng, fragMemory: FragModel = frag) {
    this.specs = specs;
    this.policy = policy;
    this.frag = frag;
    this.fragMemory = fragMemory;
    this.rng = rng;
    const n = specs.length;
    this.cpuLeft = Float64Array.from(specs, (s) => s.cpuMilli);
    this.memLeft = Float64Array.from(specs, (s) => s.memoryMiB);
    this.gpuLeft = specs.map((s) => new Int32Array(s.gpus).fill(1000));
    this.mask = new Int32Array(n);
    this.groupOf = new Array<Group>(n);
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = perm[i] as number;
      perm[i] = perm[j] as number;
      perm[j] = t;
    }
    this.rank = Int32Array.from(perm);
    this.totalGpus = specs.reduce((s, x) => s + x.gpus, 0);
    for (let i = 0; i < n; i++) this.join(i);
  }

  /** Idle milli per GPU of a node (a copy). */
  nodeGpuLeft(node: number): number[] {
    return Array.from(this.gpuLeft[node] as Int32Array);
  }

  nodeCpuLeft(node: number): number {
    return this.cpuLeft[node] as number;
  }

  nodeMemoryLeft(node: number): number {
    return this.memLeft[node] as number;
  }

  private keyOf(node: number): { key: string; sorted: number[] } {
    const sorted = Array.from(this.gpuLeft[node] as Int32Array).sort((a, b) => b - a);
    const spec = this.specs[node] as PackNodeSpec;
    return { key: `${spec.model}|${this.cpuLeft[node]}|${this.memLeft[node]}|${this.mask[node]}|${sorted.join(",")}`, sorted };
  }

  private join(node: number): void {
    const { key, sorted } = this.keyOf(node);
    let g = this.groups.get(key);
    if (g === undefined) {
      const spec = this.specs[node] as PackNodeSpec;
      const view: NodeView = {
        model: spec.model,
        cpuLeftMilli: this.cpuLeft[node] as number,
        memoryLeftMiB: this.memLeft[node] as number,
        gpuLeft: sorted,
        affinityMask: this.mask[node] as number,
      };
      g = { key, view, frag: this.frag.nodeFrag(spec.model, view.cpuLeftMilli, sorted), members: [], cache: [], active: -1 };
      this.groups.set(key, g);
    }
    if (g.members.length === 0) {
      g.active = this.active.length;
      this.active.push(g);
    }
    g.members.splice(this.slot(g.members, node), 0, node);
    this.groupOf[node] = g;
    this.fragGpuMilli += g.frag;
  }

  private leave(node: number): void {
    const g = this.groupOf[node] as Group;
    g.members.splice(this.slot(g.members, node), 1);
    this.fragGpuMilli -= g.frag;
    if (g.members.length === 0) {
      const tail = this.active.pop() as Group;
      if (tail !== g) {
        this.active[g.active] = tail;
        tail.active = g.active;
      }
      g.active = -1;
    }
  }

  /** Index of `node` (or where it goes) in a rank-sorted member list. */
  private slot(members: readonly number[], node: number): number {
    const r = this.rank[node] as number;
    let lo = 0;
    let hi = members.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.rank[members[mid] as number] as number) < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private shapeId(pod: PackPod): number {
    const k = `${pod.cpuMilli}|${pod.memoryMiB}|${pod.gpus}|${pod.gpuMilli}|${pod.models.join("|")}`;
    let id = this.shapeIds.get(k);
    if (id === undefined) {
      id = this.shapeIds.size;
      this.shapeIds.set(k, id);
    }
    return id;
  }

  /** Place one pod; returns the node index, or -1 when no node fits. */
  place(pod: PackPod): number {
    const id = this.shapeId(pod);
    const ctx = { frag: this.frag, fragMemory: this.fragMemory };
    if (this.policy === "random") return this.placeUniform(pod, id, ctx);
    let best = -Infinity;
    let node = -1;
    for (const g of this.active) {
      let s = g.cache[id];
      if (s === undefined) {
        s = fits(g.view, pod) ? scoreNode(this.policy, g.view, pod, ctx) : NaN;
        g.cache[id] = s;
      }
      if (Number.isNaN(s) || s < best) continue;
      const first = g.members[0] as number;
      if (s > best || (this.rank[first] as number) < (this.rank[node] as number)) {
        best = s;
        node = first;
      }
    }
    if (node < 0) return -1;
    this.assign(node, pod, ctx);
    return node;
  }

  /** The random policy scores one uniformly drawn feasible node highest (reference: RandomScore's PreScore). */
  private placeUniform(pod: PackPod, id: number, ctx: { frag: FragModel; fragMemory: FragModel }): number {
    let total = 0;
    for (const g of this.active) {
      let ok = g.cache[id];
      if (ok === undefined) {
        ok = fits(g.view, pod) ? 1 : 0;
        g.cache[id] = ok;
      }
      total += ok * g.members.length;
    }
    if (total === 0) return -1;
    let r = this.rng.int(total);
    for (const g of this.active) {
      if (g.cache[id] === 0) continue;
      if (r < g.members.length) {
        const node = g.members[r] as number;
        this.assign(node, pod, ctx);
        return node;
      }
      r -= g.members.length;
    }
    throw new Error("internal: no feasible node left to draw");
  }

  private assign(node: number, pod: PackPod, ctx: { frag: FragModel; fragMemory: FragModel }): void {
    const gpus = this.gpuLeft[node] as Int32Array;
    const view: NodeView = {
      model: (this.specs[node] as PackNodeSpec).model,
      cpuLeftMilli: this.cpuLeft[node] as number,
      memoryLeftMiB: this.memLeft[node] as number,
      gpuLeft: Array.from(gpus),
      affinityMask: this.mask[node] as number,
    };
    const chosen = chooseGpus(this.policy, view, pod, this.rng, ctx);
    if (chosen.length !== (pod.gpus > 0 && pod.gpuMilli > 0 ? pod.gpus : 0)) {
      throw new Error(`internal: node ${node} passed the filter but has no GPUs for the pod`);
    }
    this.leave(node);
    this.cpuLeft[node] = (this.cpuLeft[node] as number) - pod.cpuMilli;
    this.memLeft[node] = (this.memLeft[node] as number) - pod.memoryMiB;
    for (const g of chosen) gpus[g] = (gpus[g] as number) - pod.gpuMilli;
    this.mask[node] = (this.mask[node] as number) | affinityBit(pod);
    this.usedGpuMilli += chosen.length * pod.gpuMilli;
    this.join(node);
  }

  /** Number of distinct node states currently present (diagnostics). */
  get distinctStates(): number {
    return this.active.length;
  }
}

import { modelAllowed, type PackPod, type TypicalPod } from "./types.js";

/**
 * GPU fragmentation as defined by FGD (ATC'23 §3, `NodeGpuShareFragAmount` in its simulator): the expected amount of
 * a node's idle GPU (milli) that a pod drawn from the workload distribution could not use. For each typical pod t
 * (popularity p_t):
 * - t needs no GPU, or cannot use the node's GPU model, or does not fit (too few GPUs with enough idle milli, or too
 *   little CPU): all idle GPU of the node counts as fragment;
 * - otherwise the idle part of every GPU whose idle amount is below t's per-GPU request counts.
 * Memory is not part of FGD's definition; `{ memory: true }` adds it (a typical pod that lacks memory on the node
 * counts like one that lacks CPU) — the variant our `fragmentation-aware` policy uses.
 */
export class FragModel {
  readonly typical: readonly TypicalPod[];
  private readonly cpu: Float64Array;
  private readonly milli: Float64Array;
  private readonly num: Int32Array;
  private readonly share: Float64Array;
  private readonly mem: Float64Array;
  private readonly access = new Map<string, Uint8Array>();

  constructor(typical: readonly TypicalPod[], opts: { readonly memory?: boolean } = {}) {
    this.typical = typical;
    const n = typical.length;
    this.mem = new Float64Array(n);
    this.cpu = new Float64Array(n);
    this.milli = new Float64Array(n);
    this.num = new Int32Array(n);
    this.share = new Float64Array(n);
    typical.forEach((t, i) => {
      this.cpu[i] = t.cpuMilli;
      this.milli[i] = t.gpus === 0 ? 0 : t.gpuMilli;
      this.num[i] = t.gpus;
      this.share[i] = t.share;
      this.mem[i] = opts.memory === true ? (t.memoryMiB ?? 0) : 0;
    });
  }

  private accessFor(model: string): Uint8Array {
    let a = this.access.get(model);
    if (a === undefined) {
      a = new Uint8Array(this.typical.map((t) => (modelAllowed(t.models, model) ? 1 : 0)));
      this.access.set(model, a);
    }
    return a;
  }

  /** Fragmented milli-GPU of one node state (`gpuLeft`: idle milli per GPU). */
  nodeFrag(model: string, cpuLeftMilli: number, gpuLeft: ArrayLike<number>, memoryLeftMiB = Infinity): number {
    const count = gpuLeft.length;
    let idle = 0;
    for (let g = 0; g < count; g++) idle += gpuLeft[g] as number;
    if (idle === 0) return 0;
    const access = this.accessFor(model);
    const { cpu, milli, num, share, mem } = this;
    let frag = 0;
    for (let t = 0; t < share.length; t++) {
      const m = milli[t] as number;
      if (m === 0 || access[t] === 0) {
        frag += (share[t] as number) * idle;
        continue;
      }
      let ok = 0;
      let small = 0;
      for (let g = 0; g < count; g++) {
        const left = gpuLeft[g] as number;
        if (left >= m) ok++;
        else small += left;
      }
      frag +=
        (share[t] as number) *
        (ok >= (num[t] as number) && cpuLeftMilli >= (cpu[t] as number) && memoryLeftMiB >= (mem[t] as number) ? small : idle);
    }
    return frag;
  }
}

function shapeKey(p: PackPod): string {
  return `${p.cpuMilli}|${p.gpus === 0 ? 0 : p.gpuMilli}|${p.gpus}|${p.models.join("|")}`;
}

/**
 * The workload's typical pods as the FGD simulator derives them: pod shapes (CPU, per-GPU milli, GPU count, allowed
 * models; memory ignored) counted over the whole list, most popular first, the smallest prefix that covers
 * `coveragePct` % of the pods kept and renormalised. CPU-only pods are included (their idle-GPU share counts as
 * fragment, as in the reference experiments).
 */
export function typicalPods(pods: readonly PackPod[], coveragePct = 95): TypicalPod[] {
  const counts = new Map<string, { pod: PackPod; n: number; mem: number }>();
  for (const p of pods) {
    const k = shapeKey(p);
    const e = counts.get(k);
    if (e) {
      e.n++;
      e.mem += p.memoryMiB;
    } else counts.set(k, { pod: p, n: 1, mem: p.memoryMiB });
  }
  const list = [...counts.values()].sort((a, b) => {
    if (a.n !== b.n) return b.n - a.n;
    const pa = a.pod;
    const pb = b.pod;
    if (pa.cpuMilli !== pb.cpuMilli) return pb.cpuMilli - pa.cpuMilli;
    const ma = pa.gpus === 0 ? 0 : pa.gpuMilli;
    const mb = pb.gpus === 0 ? 0 : pb.gpuMilli;
    if (ma !== mb) return mb - ma;
    if (pa.gpus !== pb.gpus) return pb.gpus - pa.gpus;
    const sa = pa.models.join("|");
    const sb = pb.models.join("|");
    return sa < sb ? 1 : sa > sb ? -1 : 0;
  });
  const total = pods.length;
  const target = (coveragePct * total) / 100;
  const kept: { pod: PackPod; n: number; mem: number }[] = [];
  let cum = 0;
  for (const e of list) {
    if (cum >= target) break;
    kept.push(e);
    cum += e.n;
  }
  return kept.map(({ pod, n, mem }) => ({
    cpuMilli: pod.cpuMilli,
    gpus: pod.gpus,
    gpuMilli: pod.gpus === 0 ? 0 : pod.gpuMilli,
    models: pod.models,
    memoryMiB: mem / n,
    share: n / cum,
  }));
}

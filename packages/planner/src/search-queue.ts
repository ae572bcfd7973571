import type { ParallelConfig } from "./parallel.js";
import { representative, type Axes, type TimeKnobs } from "./search-axes.js";
import type { TrainingEstimate } from "./training.js";

/** The k fastest configurations seen so far, fastest first. */
export class TopK {
  readonly items: { p: ParallelConfig; e: TrainingEstimate }[] = [];
  constructor(private readonly k: number) {}
  get worst(): number {
    return this.items.length < this.k ? Infinity : this.items[this.items.length - 1]!.e.stepTimeS;
  }
  offer(p: ParallelConfig, e: TrainingEstimate): void {
    if (e.stepTimeS >= this.worst) return;
    let i = this.items.length;
    while (i > 0 && this.items[i - 1]!.e.stepTimeS > e.stepTimeS) i--;
    this.items.splice(i, 0, { p, e });
    if (this.items.length > this.k) this.items.pop();
  }
}

/** Work not done yet: every configuration it stands for takes at least `bound` seconds per step. */
export interface Item {
  bound: number;
  /** configurations it stands for (children attached later included) */
  count(): number;
  /** reached only through a dominating sibling's time */
  readonly lazy: boolean;
  run(): void;
}

/** Min-heap of work by lower bound. */
export class Heap {
  private readonly a: Item[] = [];
  get size(): number {
    return this.a.length;
  }
  remaining(): readonly Item[] {
    return this.a;
  }
  push(x: Item): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (a[up]!.bound <= a[i]!.bound) break;
      [a[up], a[i]] = [a[i]!, a[up]!];
      i = up;
    }
  }
  pop(): Item | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.bound < a[m]!.bound) m = l;
        if (r < a.length && a[r]!.bound < a[m]!.bound) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** The leanest-memory variant of a block: SP on, highest ZeRO, every offload, full recompute of every layer. */
export function leanest(ax: Axes, p: ParallelConfig, spAxis: readonly boolean[], knobs: readonly TimeKnobs[]): ParallelConfig {
  const si = spAxis.indexOf(true) >= 0 && knobs[spAxis.indexOf(true)]!.all > 0 ? spAxis.indexOf(true) : 0;
  const rc = ax.rc.includes("full") ? "full" : ax.rc.includes("selective") ? "selective" : "none";
  return representative(
    {
      ...p,
      sequenceParallel: spAxis[si]!,
      recompute: rc,
      ...(ax.offOpt.includes(true) ? { offloadOptimizer: true } : {}),
      ...(ax.offW.includes(true) ? { offloadWeights: true } : {}),
      ...(ax.offAct.includes(true) ? { offloadActivations: true } : {}),
    },
    knobs[si]!,
  );
}

/** Fewest recomputed layers in lo..hi that fit (memory is non-increasing in the count); undefined when none does. */
export function bisect(lo: number, hi: number, run: (L: number) => TrainingEstimate): { L: number; e: TrainingEstimate } | undefined {
  const top = run(hi);
  if (!top.fits) return undefined;
  let best = { L: hi, e: top };
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >> 1;
    const e = run(mid);
    if (e.fits) {
      b = mid;
      best = { L: mid, e };
    } else a = mid + 1;
  }
  return best;
}

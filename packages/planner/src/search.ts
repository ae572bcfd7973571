import type { ParallelConfig, ZeroStage } from "./parallel.js";
import { stageLayout } from "./pipeline.js";
import {
  boundingKnobs,
  candidateAxes,
  dominatedKnobs,
  dominators,
  knobKey,
  knobList,
  layoutsFor,
  relaxedProblems,
  representative,
  timeKnobs,
  type SearchSpace,
  type TimeKnobs,
} from "./search-axes.js";
import { bisect, Heap, leanest, TopK, type Item } from "./search-queue.js";
import { estimateTraining, type TrainingEstimate, type TrainingProblem } from "./training.js";

export { candidateAxes, narrowSpace, NARROW_AXES, ALL_RANK_ORDERS, layoutsFor, type SearchSpace } from "./search-axes.js";

export interface RankedPlan {
  readonly rank: number;
  readonly parallel: ParallelConfig;
  readonly estimate: TrainingEstimate;
  readonly reasons: readonly string[];
}

/**
 * Counts partition the space: space = feasible + prunedMemory + prunedDominated + prunedBound.
 * `evaluated` counts full estimates (probes that did not fit included).
 */
export interface SearchResult {
  /** distinct legal configurations enumerated */
  readonly space: number;
  readonly evaluated: number;
  /** fully estimated and fitting */
  readonly feasible: number;
  /** cannot fit (a leaner configuration of the same shape does not fit, or its estimate does not) */
  readonly prunedMemory: number;
  /** a configuration that differs in one knob is provably at least as fast and fits (see `searchParallelism`) */
  readonly prunedDominated: number;
  /** their step-time lower bound is no better than the k-th best found */
  readonly prunedBound: number;
  readonly top: readonly RankedPlan[];
}

function reasonsFor(e: TrainingEstimate, best: TrainingEstimate | undefined): string[] {
  const b = e.breakdown;
  const pct = (x: number): string => `${((100 * x) / e.stepTimeS).toFixed(1)}%`;
  const gb = (x: number): string => (x / 1e9).toFixed(1);
  const limit = (e as { usableMemoryBytes?: number }).usableMemoryBytes ?? e.memoryCapacityBytes;
  const out = [
    `fits: ${gb(e.memory.totalBytes)} of ${gb(limit)} GB usable per GPU`,
    `compute ${pct(b.computeS)} of the step, MFU ${(100 * e.mfu).toFixed(1)}%`,
  ];
  if (b.pipelineBubbleS > 0) out.push(`pipeline bubble ${pct(b.pipelineBubbleS)}`);
  if (b.tensorParallelCommS > 0) out.push(`tensor-parallel communication ${pct(b.tensorParallelCommS)}`);
  if (b.dataParallelCommS + b.zeroGatherS > 0) out.push(`data-parallel communication ${pct(b.dataParallelCommS + b.zeroGatherS)} exposed`);
  if (b.expertAllToAllS > 0) out.push(`expert all-to-all ${pct(b.expertAllToAllS)}`);
  if (best && best !== e) out.push(`${((100 * (e.stepTimeS - best.stepTimeS)) / best.stepTimeS).toFixed(1)}% slower than the best`);
  return out;
}

const OFFLOAD_SETS = [0, 1, 2, 4, 3, 5, 6, 7]; // bit 1 optimizer, 2 weights, 4 activations; subsets before supersets

/** A fitting memory configuration whose representative was estimated; its other time variants are still to run. */
interface Group {
  readonly base: ParallelConfig;
  readonly k: TimeKnobs;
  readonly rep: ParallelConfig;
  readonly repTime: number;
  /** lazy work bounded by this group's best time over its variants (dominated siblings) */
  readonly children: Item[];
}
/** A block: everything fixed but SP, ZeRO, offloads, recompute and the time knobs. */
interface Block {
  readonly probe: ParallelConfig;
  readonly key: string;
  readonly count: number;
  readonly maxLayers: number;
  readonly knobsBySp: readonly TimeKnobs[];
  readonly spAxis: readonly boolean[];
  readonly zeroAxis: readonly ZeroStage[];
}

/**
 * Search the parallel configurations of a training problem on `s.gpus` accelerators and return the k fastest that
 * fit (ranked by step time: on a fixed cluster that is also the cheapest).
 *
 * Enumerates TP × CP × PP × DP × EP × pipeline layout (vp, uneven first/last stages) × micro-batch × SP × ZeRO ×
 * offloads (optimizer, weights, activations) × recompute (none, selective, full over 1..stage layers) × TP overlap ×
 * TP algorithm × DP overlap × EP overlap × rank order. Work is taken best lower bound first and stops when the
 * next bound is no better than the k-th best step time found, so no configuration strictly faster than the k-th
 * returned is dropped. The bounds rest on properties of the model that search.test.ts checks:
 * - relaxations: with free communication (`relaxedProblems().free`) a step is never slower... i.e. the real step
 *   is at least the free one; a block's bound is its free step time with no recompute, no offload, the highest ZeRO
 *   stage and SP on (recompute and offload only add, ZeRO only shards the optimizer step, SP only removes work);
 *   with every group on the best link (`fast`) the rank order no longer matters, bounding all orders at once;
 * - stepTimeS ≥ computeS + overheadS, and computeS does not depend on the time knobs (overlaps, TP algorithm,
 *   rank order), which change no memory either;
 * - dominance: turning an overlap on, recomputing fewer layers and offloading less never make a step slower, so a
 *   sibling's best time bounds the configuration (it is visited only if that bound is still competitive);
 * - memory is non-decreasing in the micro-batch and non-increasing in SP, ZeRO-sharding, offloads and recomputed
 *   layers: when no leanest variant of a block fits (one per ZeRO stage), neither does a larger micro-batch, and the
 *   fewest recomputed layers that fit are found by bisection.
 */
export function searchParallelism(pr: TrainingProblem, s: SearchSpace, topK = 5): SearchResult {
  const ax = candidateAxes(pr, s);
  const m = pr.shape;
  const top = new TopK(topK);
  const heap = new Heap();
  const { free, fast } = relaxedProblems(pr);
  let space = 0;
  let evaluated = 0;
  let feasible = 0;
  let prunedMemory = 0;
  let prunedDominated = 0;
  let prunedBound = 0;
  const estimate = (p: ParallelConfig, on: TrainingProblem = pr): TrainingEstimate => {
    evaluated++;
    return estimateTraining(on, p);
  };
  const offCount = ax.offOpt.length * ax.offW.length * ax.offAct.length;
  const lo = (maxL: number): number => (ax.layerRecompute ? 1 : maxL);

  function makeGroup(base: ParallelConfig, k: TimeKnobs, rep: ParallelConfig, e: TrainingEstimate, inherited: number): Group {
    feasible++;
    top.offer(rep, e);
    const g: Group = { base, k, rep, repTime: e.stepTimeS, children: [] };
    let tightened = k.orders.length === 1 || k.all === 1;
    heap.push({
      bound: Math.max(inherited, e.breakdown.computeS + e.breakdown.overheadS),
      count: () => k.all - 1 + g.children.reduce((n, c) => n + c.count(), 0),
      lazy: false,
      run() {
        if (!tightened) {
          // first visit: tighten the bound to the best fast-fabric time over the kept overlap/algorithm settings
          // (it bounds every rank order, and the dominated settings through their dominators), then queue again
          tightened = true;
          let b = Infinity;
          for (const kn of boundingKnobs(k)) b = Math.min(b, estimate({ ...base, ...kn }, fast).stepTimeS);
          this.bound = Math.max(this.bound, b);
          heap.push(this);
          return;
        }
        runGroup(g);
      },
    });
    return g;
  }

  /** Every other time variant of a group; then its dominated siblings become visitable, bounded by its best. */
  function runGroup(g: Group): void {
    const val = new Map<string, number>([[knobKey(g.rep), g.repTime]]);
    let lower = g.repTime;
    const all = knobList(g.k);
    for (let level = 0; level <= 3; level++) {
      let skipKey = "";
      for (const kn of all) {
        if (dominatedKnobs(kn, g.k) !== level) continue;
        const key = knobKey(kn);
        if (val.has(key)) continue;
        // all rank orders of one overlap/algorithm setting are bounded by the fast-fabric time
        const setting = key.slice(0, key.lastIndexOf(":"));
        let bound = setting === skipKey ? top.worst : 0;
        if (level > 0) for (const d of dominators(kn, g.k)) bound = Math.max(bound, val.get(knobKey(d)) ?? 0);
        if (bound < top.worst && g.k.orders.length > 1 && kn.rankOrder === g.k.orders[0]) {
          bound = Math.max(bound, estimate({ ...g.base, ...kn }, fast).stepTimeS);
          if (bound >= top.worst) skipKey = setting;
        }
        if (bound >= top.worst) {
          val.set(key, bound);
          lower = Math.min(lower, bound);
          if (level > 0) prunedDominated++;
          else prunedBound++;
          continue;
        }
        const v: ParallelConfig = { ...g.base, ...kn };
        const e = estimate(v);
        val.set(key, e.stepTimeS);
        lower = Math.min(lower, e.stepTimeS);
        if (!e.fits) {
          prunedMemory++;
          continue;
        }
        feasible++;
        top.offer(v, e);
      }
    }
    for (const c of g.children) {
      c.bound = Math.max(c.bound, lower);
      heap.push(c);
    }
  }

  /** A dominated memory configuration (one recompute mode, or full recompute of layers a..b), visited lazily. */
  function lazyItem(base: ParallelConfig, k: TimeKnobs, maxL: number, a: number, b: number, bound = 0): Item {
    const at = (L: number): ParallelConfig => (base.recompute === "full" ? { ...base, ...(L < maxL ? { recomputeLayers: L } : {}) } : base);
    return {
      bound,
      lazy: true,
      count: () => (b - a + 1) * k.all,
      run() {
        const rep = representative(at(a), k);
        const e = estimate(rep);
        const rest = a < b ? lazyItem(base, k, maxL, a + 1, b, this.bound) : undefined;
        if (!e.fits) {
          prunedMemory += k.all;
          if (rest) heap.push(rest);
          return;
        }
        const g = makeGroup(at(a), k, rep, e, this.bound);
        if (rest) g.children.push(rest);
      },
    };
  }

  /** Offload sets × recompute choices of one (block, SP, ZeRO). */
  function memoryVariants(b0: ParallelConfig, k: TimeKnobs, maxL: number): void {
    const groups = new Map<string, Group>(); // `${set}:${mode}` → the group that fits (for full: at its fewest layers)
    const lmin = new Map<number, number>();
    const done: number[] = [];
    for (const set of OFFLOAD_SETS) {
      const oo = (set & 1) !== 0;
      const ow = (set & 2) !== 0;
      const oa = (set & 4) !== 0;
      if (!ax.offOpt.includes(oo) || !ax.offW.includes(ow) || !ax.offAct.includes(oa)) continue;
      const subsets = done.filter((x) => (x & set) === x);
      done.push(set);
      const base: ParallelConfig = {
        ...b0,
        ...(oo ? { offloadOptimizer: true } : {}),
        ...(ow ? { offloadWeights: true } : {}),
        ...(oa ? { offloadActivations: true } : {}),
      };
      const viaSubset = (mode: string): Group | undefined => {
        for (const x of subsets) {
          const g = groups.get(`${x}:${mode}`);
          if (g) return g;
        }
        return undefined;
      };
      let noneG: Group | undefined;
      for (const rc of ax.rc) {
        if (rc === "full") continue;
        const b = { ...base, recompute: rc };
        // fewer offloads fit in this mode, or (selective) no recompute fits: that sibling is at least as fast
        const dom = rc === "selective" && noneG ? noneG : viaSubset(rc);
        if (dom) {
          dom.children.push(lazyItem(b, k, maxL, 0, 0));
          if (rc === "none") noneG = dom;
          continue;
        }
        const rep = representative(b, k);
        const e = estimate(rep);
        if (!e.fits) {
          prunedMemory += k.all;
          continue;
        }
        const g = makeGroup(b, k, rep, e, 0);
        groups.set(`${set}:${rc}`, g);
        if (rc === "none") noneG = g;
      }
      if (!ax.rc.includes("full")) continue;
      const full: ParallelConfig = { ...base, recompute: "full" };
      const first = lo(maxL);
      if (noneG) {
        noneG.children.push(lazyItem(full, k, maxL, first, maxL));
        lmin.set(set, first);
        continue;
      }
      // a subset fits from L' recomputed layers on: every L ≥ L' here is dominated by it; bisect below L'
      let lsub = Infinity;
      let gsub: Group | undefined;
      for (const x of subsets)
        if ((lmin.get(x) ?? Infinity) < lsub && groups.has(`${x}:full`)) {
          lsub = lmin.get(x)!;
          gsub = groups.get(`${x}:full`);
        }
      const hi = Math.min(maxL, lsub - 1);
      const at = (L: number): ParallelConfig => ({ ...full, ...(L < maxL ? { recomputeLayers: L } : {}) });
      const found = hi >= first ? bisect(first, hi, (L) => estimate(representative(at(L), k))) : undefined;
      if (found) {
        prunedMemory += (found.L - first) * k.all;
        const g = makeGroup(at(found.L), k, representative(at(found.L), k), found.e, 0);
        groups.set(`${set}:full`, g);
        lmin.set(set, found.L);
        if (found.L < hi) g.children.push(lazyItem(full, k, maxL, found.L + 1, hi));
      } else prunedMemory += Math.max(0, hi - first + 1) * k.all;
      if (gsub) gsub.children.push(lazyItem(full, k, maxL, Math.max(first, lsub), maxL));
    }
  }

  // blocks and their lower bounds
  const noFitFromMb = new Map<string, number>(); // block key → smallest micro-batch known not to fit
  for (const tp of ax.tp)
    for (const cp of ax.cp)
      for (const pp of ax.pp) {
        const dp = s.gpus / (tp * cp * pp);
        if (!Number.isInteger(dp) || dp < 1 || pp > m.layers) continue;
        for (const ep of ax.ep) {
          if ((dp * cp) % ep !== 0) continue;
          const spAxis = tp > 1 ? ax.sp : [false];
          const zeroAxis = dp * cp > 1 ? ax.zero : ([0] as const);
          const knobsBySp = spAxis.map((sp) => timeKnobs(ax, pr, { tp, cp, dp, pp, ep, sp }));
          for (const lay of layoutsFor(m, pp, ax.vp, ax.stageShift)) {
            const stage = lay.first !== undefined ? { firstStageLayers: lay.first, lastStageLayers: lay.last! } : {};
            const maxLayers = stageLayout(m, { pp, ...stage } as ParallelConfig).maxLayers;
            const rcCount = ax.rc.reduce((n, r) => n + (r === "full" && ax.layerRecompute ? maxLayers : 1), 0);
            const count = knobsBySp.reduce((n, k) => n + k.all, 0) * zeroAxis.length * offCount * rcCount;
            for (const mb of ax.mb) {
              if (s.globalBatch % (dp * mb) !== 0 || count === 0) continue;
              space += count;
              const probe: ParallelConfig = {
                ...{ tp, pp, dp, cp, ep, vp: lay.vp, microBatch: mb, globalBatch: s.globalBatch },
                ...{ recompute: "none", sequenceParallel: false, zeroStage: 0, ...stage },
              };
              const si = spAxis.length > 1 && knobsBySp[spAxis.indexOf(true)]!.all > 0 ? spAxis.indexOf(true) : 0;
              const zTop = zeroAxis.reduce((x, y) => (y > x ? y : x), 0 as ZeroStage);
              const lb = estimate(representative({ ...probe, sequenceParallel: spAxis[si]!, zeroStage: zTop }, knobsBySp[si]!), free);
              const bl: Block = {
                probe,
                key: `${tp}:${cp}:${pp}:${ep}:${lay.vp}:${lay.first}`,
                count,
                maxLayers,
                knobsBySp,
                spAxis,
                zeroAxis,
              };
              // tightening costs a few fast-fabric estimates: worth it only when the block's work is large (several
              // rank orders or offload sets per memory variant); either way the search stays exact
              let tightened = offCount === 1 && knobsBySp.every((k) => k.orders.length === 1);
              heap.push({
                bound: lb.stepTimeS,
                count: () => count,
                lazy: false,
                run() {
                  if (tightened) return runBlock(bl);
                  // first visit: the fast-fabric time, least over SP, ZeRO and the kept overlap/algorithm settings,
                  // bounds the whole block (recompute and offload only add; rank order does not matter there)
                  tightened = true;
                  if (mb >= (noFitFromMb.get(bl.key) ?? Infinity)) return runBlock(bl);
                  let b = Infinity;
                  spAxis.forEach((sp, si) => {
                    const k = knobsBySp[si]!;
                    for (const zero of zeroAxis)
                      for (const kn of boundingKnobs(k))
                        b = Math.min(b, estimate({ ...probe, sequenceParallel: sp, zeroStage: zero, ...kn }, fast).stepTimeS);
                  });
                  this.bound = Math.max(this.bound, b);
                  heap.push(this);
                },
              });
            }
          }
        }
      }

  function runBlock(bl: Block): void {
    const mb = bl.probe.microBatch;
    if (mb >= (noFitFromMb.get(bl.key) ?? Infinity)) {
      prunedMemory += bl.count;
      return;
    }
    // ZeRO 0 → 1 → 2 only shard more (memory non-increasing); ZeRO-3's gather buffers can outweigh its sharding, so it
    // is probed on its own: stages below the lowest that fails need no probe when that one does not fit
    const fitsAt = new Map<ZeroStage, boolean>();
    const probeZero = (z: ZeroStage): boolean => {
      let f = fitsAt.get(z);
      if (f === undefined) {
        f = estimate(leanest(ax, { ...bl.probe, zeroStage: z }, bl.spAxis, bl.knobsBySp)).fits;
        fitsAt.set(z, f);
      }
      return f;
    };
    const desc = [...bl.zeroAxis].sort((a, b) => b - a);
    for (const z of desc)
      if (z < 3 && desc.some((y) => y > z && y < 3 && fitsAt.get(y) === false)) fitsAt.set(z, false);
      else probeZero(z);
    const leanFits = bl.zeroAxis.map((z) => fitsAt.get(z)!);
    if (!leanFits.includes(true)) {
      noFitFromMb.set(bl.key, Math.min(mb, noFitFromMb.get(bl.key) ?? Infinity));
      prunedMemory += bl.count;
      return;
    }
    const perZero = bl.count / bl.zeroAxis.length;
    bl.spAxis.forEach((sp, si) => {
      const k = bl.knobsBySp[si]!;
      if (k.all === 0) return;
      bl.zeroAxis.forEach((zero, zi) => {
        if (!leanFits[zi]) prunedMemory += (perZero * k.all) / bl.knobsBySp.reduce((n, x) => n + x.all, 0);
        else memoryVariants({ ...bl.probe, sequenceParallel: sp, zeroStage: zero }, k, bl.maxLayers);
      });
    });
  }

  for (;;) {
    const it = heap.pop();
    if (!it) break;
    if (it.bound >= top.worst) {
      for (const x of [it, ...heap.remaining()]) {
        if (x.lazy) prunedDominated += x.count();
        else prunedBound += x.count();
      }
      break;
    }
    it.run();
  }
  const best = top.items[0]?.e;
  return {
    space,
    evaluated,
    feasible,
    prunedMemory,
    prunedDominated,
    prunedBound,
    top: top.items.map((t, i) => ({ rank: i + 1, parallel: t.p, estimate: t.e, reasons: reasonsFor(t.e, best) })),
  };
}

import {
  DEFAULT_RANK_ORDER,
  type ParallelConfig,
  RECOMPUTE_MODES,
  TP_COMM_ALGORITHMS,
  TP_OVERLAP_MODES,
  type RankDim,
  type Recompute,
  type TpComm,
  type TpOverlap,
  type ZeroStage,
} from "./parallel.js";
import { stageLayout } from "./pipeline.js";
import type { TransformerShape } from "./shape.js";
import type { TrainingProblem } from "./training.js";

/**
 * The parallel configurations a search may consider. Every axis left out takes its WIDE default (Calculon-sized:
 * uneven stages, per-layer recompute, ZeRO 0-3, overlap modes, TP algorithm, offloads, every rank order);
 * `NARROW_AXES` restores the pre-#16 space (the server's estimator uses it).
 */
export interface SearchSpace {
  readonly gpus: number;
  /** sequences per step */
  readonly globalBatch: number;
  readonly tp?: readonly number[];
  readonly pp?: readonly number[];
  readonly cp?: readonly number[];
  readonly ep?: readonly number[];
  readonly microBatch?: readonly number[];
  readonly vp?: readonly number[];
  readonly recompute?: readonly Recompute[];
  /** "layer": full recompute of 1..(stage layers) layers per stage (`recomputeLayers`); "stage": all layers only */
  readonly recomputeGranularity?: "layer" | "stage";
  /**
   * Uneven pipeline splits: the first and last stage may hold up to this many layers FEWER than a middle stage
   * (they also carry the embedding and the logits + loss); 0 = only the default layout of `stageLayout`.
   */
  readonly stageShift?: number;
  readonly zeroStage?: readonly ZeroStage[];
  readonly sequenceParallel?: readonly boolean[];
  readonly tpOverlap?: readonly TpOverlap[];
  readonly tpComm?: readonly TpComm[];
  readonly dpOverlap?: readonly boolean[];
  readonly epOverlap?: readonly boolean[];
  readonly offloadOptimizer?: readonly boolean[];
  readonly offloadWeights?: readonly boolean[];
  readonly offloadActivations?: readonly boolean[];
  /** rank layouts, innermost first; default: every order of tp, cp, dp, pp */
  readonly rankOrders?: readonly (readonly RankDim[])[];
}

/** The space of the search before issue #16 (~3,400 configurations for GPT-3 175B on 1,024 GPUs). */
export const NARROW_AXES = {
  microBatch: [1, 2, 4, 8, 16],
  vp: [1, 2, 4],
  zeroStage: [0, 1, 3],
  recomputeGranularity: "stage",
  stageShift: 0,
  tpOverlap: ["none"],
  dpOverlap: [true],
  epOverlap: [false],
  offloadOptimizer: [false],
  offloadWeights: [false],
  offloadActivations: [false],
  rankOrders: [DEFAULT_RANK_ORDER],
} as const satisfies Partial<SearchSpace>;

/** The narrow space for a problem: NARROW_AXES plus its context-parallel rule (only from 16K tokens). */
export function narrowSpace(pr: TrainingProblem, gpus: number, globalBatch: number): SearchSpace {
  return { gpus, globalBatch, ...NARROW_AXES, cp: pr.shape.seqLen >= 16384 ? POW2.filter((c) => c <= 32) : [1] };
}

export const POW2 = [1, 2, 4, 8, 16, 32, 64, 128, 256];

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}
export const ALL_RANK_ORDERS: readonly (readonly RankDim[])[] = permutations<RankDim>(["tp", "cp", "dp", "pp"]);

function divisors(n: number, max: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, max); d++) if (n % d === 0) out.push(d);
  return out;
}

export interface Axes {
  readonly tp: readonly number[];
  readonly pp: readonly number[];
  readonly cp: readonly number[];
  readonly ep: readonly number[];
  readonly mb: readonly number[];
  readonly vp: readonly number[];
  readonly rc: readonly Recompute[];
  readonly layerRecompute: boolean;
  readonly stageShift: number;
  readonly zero: readonly ZeroStage[];
  readonly sp: readonly boolean[];
  readonly tpOverlap: readonly TpOverlap[];
  readonly tpComm: readonly TpComm[];
  readonly dpOverlap: readonly boolean[];
  readonly epOverlap: readonly boolean[];
  readonly offOpt: readonly boolean[];
  readonly offW: readonly boolean[];
  readonly offAct: readonly boolean[];
  readonly rankOrders: readonly (readonly RankDim[])[];
}

/** Candidate values of each dimension that are legal for the model and cluster (wide defaults). */
export function candidateAxes(pr: TrainingProblem, s: SearchSpace): Axes {
  const m = pr.shape;
  const tp = s.tp ?? POW2.filter((t) => t <= pr.hw.scaleUpDomain && t <= 64 && m.heads % t === 0 && s.gpus % t === 0);
  const pp = s.pp ?? divisors(s.gpus, m.layers);
  // ring attention needs the sequence split in 2·cp chunks (load-balanced causal); keep ≥ 256 tokens per rank
  const cp = s.cp ?? POW2.filter((c) => c <= 32 && m.seqLen % (2 * c) === 0 && m.seqLen / c >= 256);
  const ep = s.ep ?? (m.moe ? POW2.filter((e) => e <= m.moe!.experts) : [1]);
  return {
    tp,
    pp,
    cp,
    ep,
    mb: s.microBatch ?? [1, 2, 3, 4, 6, 8, 12, 16],
    vp: s.vp ?? [1, 2, 3, 4, 6, 8],
    rc: s.recompute ?? RECOMPUTE_MODES,
    layerRecompute: (s.recomputeGranularity ?? "layer") === "layer",
    stageShift: s.stageShift ?? 4,
    zero: s.zeroStage ?? [0, 1, 2, 3],
    sp: s.sequenceParallel ?? [false, true],
    tpOverlap: s.tpOverlap ?? TP_OVERLAP_MODES,
    tpComm: s.tpComm ?? TP_COMM_ALGORITHMS,
    dpOverlap: s.dpOverlap ?? [false, true],
    epOverlap: s.epOverlap ?? [false, true],
    offOpt: s.offloadOptimizer ?? [false, true],
    offW: s.offloadWeights ?? [false, true],
    offAct: s.offloadActivations ?? [false, true],
    rankOrders: s.rankOrders ?? ALL_RANK_ORDERS,
  };
}

/** One pipeline layout: virtual stages and the (optional) layer counts of the first and last stage. */
export interface Layout {
  readonly vp: number;
  readonly first?: number;
  readonly last?: number;
}

/**
 * Layouts of the shape's layers over `pp` stages: the default one (`stageLayout`'s rule) and, with a shift, every
 * first/last count up to `shift` layers below a middle stage's (the middle stages share the rest exactly). Every
 * stage must hold at least vp layers (one per virtual chunk).
 */
export function layoutsFor(shape: TransformerShape, pp: number, vps: readonly number[], shift: number): Layout[] {
  if (pp === 1) return [{ vp: 1 }];
  const layers = shape.layers;
  const lay = stageLayout(shape, { pp } as ParallelConfig);
  const dflt = lay.layers;
  // with Megatron's embedding/loss-as-layers split, the first and last stages hold one unit more than their
  // transformer layers (405B at pp 16: 7 layers + the embedding), so interleaving may cut them into that many chunks
  const units = dflt.map((n, i) => (lay.rule === "embedding-loss-as-layers" && (i === 0 || i === pp - 1) ? n + 1 : n));
  const splits: { first?: number; last?: number; min: number }[] = [{ min: Math.min(...units) }];
  if (shift > 0) {
    if (pp === 2) {
      const half = layers / 2;
      for (let f = Math.ceil(half - shift); f <= Math.floor(half + shift); f++)
        if (f >= 1 && layers - f >= 1 && f !== dflt[0]) splits.push({ first: f, last: layers - f, min: Math.min(f, layers - f) });
    } else {
      for (let f = 1; f < layers; f++)
        for (let l = 1; l < layers; l++) {
          const rest = layers - f - l;
          if (rest < pp - 2 || rest % (pp - 2) !== 0) continue;
          const mid = rest / (pp - 2);
          if (f > mid || l > mid || mid - f > shift || mid - l > shift) continue;
          if (f === dflt[0] && l === dflt[pp - 1] && mid === dflt[1]) continue; // the default layout itself
          splits.push({ first: f, last: l, min: Math.min(f, l, mid) });
        }
    }
  }
  const out: Layout[] = [];
  for (const vp of vps)
    for (const sp of splits) if (sp.min >= vp) out.push({ vp, ...(sp.first !== undefined ? { first: sp.first, last: sp.last! } : {}) });
  return out;
}

/** Distinct rank orders once dimensions of size 1 are dropped (they do not change which ranks form a group). */
export function distinctOrders(orders: readonly (readonly RankDim[])[], size: Readonly<Record<RankDim, number>>): RankDim[][] {
  const seen = new Map<string, RankDim[]>();
  for (const o of orders) {
    const key = o.filter((d) => size[d] > 1).join(",");
    if (!seen.has(key)) seen.set(key, [...o]);
  }
  return [...seen.values()];
}

/** The knobs that change only how communication is scheduled/routed, never the memory (tested in search.test.ts). */
export interface TimeKnobs {
  readonly tpOverlap: readonly TpOverlap[];
  readonly tpComm: readonly TpComm[];
  readonly dpOverlap: readonly boolean[];
  readonly epOverlap: readonly boolean[];
  readonly orders: readonly (readonly RankDim[])[];
  /** distinct variants, and those left after the overlap dominance rules */
  readonly all: number;
  readonly kept: number;
}

export function timeKnobs(
  ax: Axes,
  pr: TrainingProblem,
  p: { tp: number; cp: number; dp: number; pp: number; ep: number; sp: boolean },
): TimeKnobs {
  const tpo = p.tp > 1 ? ax.tpOverlap : (["none"] as const);
  const tpc = p.tp > 1 ? (p.sp ? ax.tpComm.filter((c) => c === "rs-ag") : ax.tpComm) : (["allreduce"] as const);
  const dpo = p.dp * p.cp > 1 ? ax.dpOverlap : [true];
  const epo = pr.shape.moe && p.ep > 1 ? ax.epOverlap : [false];
  const orders = distinctOrders(ax.rankOrders, { tp: p.tp, cp: p.cp, dp: p.dp, pp: p.pp });
  orders.sort((a, b) => Number(b.join() === DEFAULT_RANK_ORDER.join()) - Number(a.join() === DEFAULT_RANK_ORDER.join()));
  // overlapping a communication never makes a step slower (H1's model property, tested): "off" is dominated;
  // the lists hold the preferred values first and the dominated ones last
  const rankTpo = (m: TpOverlap): number => (m === "pipelined" ? 0 : m === "ring" ? 1 : 2);
  const sortedTpo = [...tpo].sort((a, b) => rankTpo(a) - rankTpo(b));
  const sortedDpo = [...dpo].sort((a, b) => Number(b) - Number(a));
  const sortedEpo = [...epo].sort((a, b) => Number(b) - Number(a));
  const keepTpo = tpo.length > 1 ? tpo.filter((m) => m !== "none").length : 1;
  const keepDpo = dpo.includes(true) ? 1 : dpo.length;
  const keepEpo = epo.includes(true) ? 1 : epo.length;
  const all = tpo.length * tpc.length * dpo.length * epo.length * orders.length;
  const kept = keepTpo * tpc.length * keepDpo * keepEpo * orders.length;
  return { tpOverlap: sortedTpo, tpComm: tpc, dpOverlap: sortedDpo, epOverlap: sortedEpo, orders, all, kept };
}

/** How many of a variant's overlap knobs are "off" while "on" is in the space (0: not dominated). */
export function dominatedKnobs(v: Knobs, k: TimeKnobs): number {
  let n = 0;
  if (v.tpOverlap === "none" && k.tpOverlap.length > 1) n++;
  if (v.dpOverlap === false && k.dpOverlap.includes(true)) n++;
  if (v.epOverlap === false && k.epOverlap.includes(true)) n++;
  return n;
}

/** The variants that dominate v by turning one of its "off" overlaps on. */
export function dominators<T extends Knobs>(v: T, k: TimeKnobs): T[] {
  const out: T[] = [];
  if (v.tpOverlap === "none") for (const m of k.tpOverlap) if (m !== "none") out.push({ ...v, tpOverlap: m });
  if (v.dpOverlap === false && k.dpOverlap.includes(true)) out.push({ ...v, dpOverlap: true });
  if (v.epOverlap === false && k.epOverlap.includes(true)) out.push({ ...v, epOverlap: true });
  return out;
}

/** A stable key of a variant's time knobs. */
export function knobKey(v: Knobs): string {
  return `${v.tpOverlap}:${v.tpComm}:${v.dpOverlap}:${v.epOverlap}:${(v.rankOrder ?? []).join(",")}`;
}

/** The time knobs of one variant (a configuration is `{ ...base, ...knobs }`). */
export type Knobs = Pick<ParallelConfig, "tpOverlap" | "tpComm" | "dpOverlap" | "epOverlap" | "rankOrder">;

const knobLists = new WeakMap<TimeKnobs, readonly Knobs[]>();

/**
 * Every knob combination of `k`, built once per TimeKnobs (blocks share them across micro-batch and memory
 * variants). Only the knobs are materialised: spreading the whole configuration for each of the up to a few hundred
 * combinations of every group was most of the wide search's time.
 */
export function knobList(k: TimeKnobs): readonly Knobs[] {
  let out = knobLists.get(k);
  if (out) return out;
  const list: Knobs[] = [];
  for (const tpOverlap of k.tpOverlap)
    for (const tpComm of k.tpComm)
      for (const dpOverlap of k.dpOverlap)
        for (const epOverlap of k.epOverlap)
          for (const rankOrder of k.orders) list.push({ tpOverlap, tpComm, dpOverlap, epOverlap, rankOrder });
  out = list;
  knobLists.set(k, out);
  return out;
}

/** The undominated knob settings at the first rank order: what a fast-fabric bound has to take the least of. */
export function boundingKnobs(k: TimeKnobs): Knobs[] {
  return knobList(k).filter((kn) => kn.rankOrder === k.orders[0] && dominatedKnobs(kn, k) === 0);
}

export function representative(base: ParallelConfig, k: TimeKnobs): ParallelConfig {
  return {
    ...base,
    tpOverlap: k.tpOverlap[0]!,
    tpComm: k.tpComm[0]!,
    dpOverlap: k.dpOverlap[0]!,
    epOverlap: k.epOverlap[0]!,
    rankOrder: k.orders[0]!,
  };
}

const relaxed = new WeakMap<TrainingProblem, { free: TrainingProblem; fast: TrainingProblem }>();

/**
 * Two relaxations of a problem whose step times bound the real ones from below (faster links never slow a step,
 * tested in search.test.ts):
 * - `free`: every link (scale-up, scale-out, host) infinitely fast with no latency — communication costs nothing,
 *   so overlap modes, TP algorithm and rank order no longer matter;
 * - `fast`: every group gets the better of the scale-up and scale-out link — the rank order no longer matters.
 */
export function relaxedProblems(pr: TrainingProblem): { free: TrainingProblem; fast: TrainingProblem } {
  const hit = relaxed.get(pr);
  if (hit) return hit;
  const { hw, assumptions: a } = pr;
  const free: TrainingProblem = {
    ...pr,
    hw: { ...hw, scaleUpDomain: Infinity, scaleUpGBps: 1e12, scaleOutGBps: 1e12, hostLinkGBps: 1e12 },
    assumptions: { ...a, scaleUpSmallAllReduceS: 0, scaleOutSmallAllReduceS: 0 },
  };
  // every group on the best link its size allows (a group wider than a scale-up domain crosses the NICs under any
  // rank order): bounds all rank orders at once
  const fast: TrainingProblem = { ...pr, bestCaseLinks: true };
  const r = { free, fast };
  relaxed.set(pr, r);
  return r;
}

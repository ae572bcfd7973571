import type { Assumptions } from "./assumptions.js";
import type { LayerCost } from "./compute.js";
import type { ParallelConfig } from "./parallel.js";

/**
 * Collective times: a bandwidth term (ring algorithms, bytes per participant, one-direction link bandwidth) plus
 * a latency term that grows with log2 of the group (tree/two-shot algorithms used for small messages).
 */
function hops(n: number): number {
  return Math.ceil(Math.log2(n));
}

export function allReduceS(bytes: number, n: number, gbps: number, latencyS: number): number {
  if (n <= 1 || bytes <= 0) return 0;
  return (2 * (n - 1) * bytes) / (n * gbps * 1e9) + 2 * hops(n) * latencyS;
}

/** All-gather or reduce-scatter of a buffer of `bytes` (full size) among n ranks. */
export function allGatherS(bytes: number, n: number, gbps: number, latencyS: number): number {
  if (n <= 1 || bytes <= 0) return 0;
  return ((n - 1) * bytes) / (n * gbps * 1e9) + hops(n) * latencyS;
}

/** All-to-all where each rank sends `bytes` in total, (n-1)/n of it off-rank. */
export function allToAllS(bytes: number, n: number, gbps: number, latencyS: number): number {
  if (n <= 1 || bytes <= 0) return 0;
  return ((n - 1) * bytes) / (n * gbps * 1e9) + hops(n) * latencyS;
}

/**
 * Latency of one algorithm step (hop) on a link, from the measured time of one small all-reduce among 8 ranks on it
 * (`scaleUpSmallAllReduceS` / `scaleOutSmallAllReduceS`): a small all-reduce over 8 ranks takes 2·log2(8) = 6 steps
 * in the tree/ring-LL model above, so one step ≈ that time / 6.
 */
export function hopLatencyS(smallAllReduceS: number): number {
  return smallAllReduceS / 6;
}

/** A communication group's link: one-direction bandwidth per rank (after efficiency) and per-hop latency. */
export interface GroupLink {
  readonly gbps: number;
  readonly hopS: number;
  /** whether the whole group sits inside one scale-up domain */
  readonly scaleUp: boolean;
}

export interface LinkInput {
  readonly scaleUpGBps: number;
  readonly scaleUpDomain: number;
  readonly scaleOutGBps: number;
}

export interface LinkFactors {
  readonly scaleUpEfficiency: number;
  readonly scaleOutEfficiency: number;
  readonly scaleUpSmallAllReduceS: number;
  readonly scaleOutSmallAllReduceS: number;
}

/**
 * Link of a group whose ranks lie `span` consecutive ranks apart at most (n ranks at a stride: span = n × stride).
 * A group that fits one scale-up domain (an NVLink node, an NVL72 rack, a TPU slice) uses the scale-up link;
 * anything wider goes through the scale-out NICs, whose per-GPU bandwidth bounds the ring.
 */
export function groupLink(hw: LinkInput, a: LinkFactors, span: number): GroupLink {
  const up = span <= hw.scaleUpDomain;
  return up
    ? { gbps: hw.scaleUpGBps * a.scaleUpEfficiency, hopS: hopLatencyS(a.scaleUpSmallAllReduceS), scaleUp: true }
    : { gbps: hw.scaleOutGBps * a.scaleOutEfficiency, hopS: hopLatencyS(a.scaleOutSmallAllReduceS), scaleUp: false };
}

/** Point-to-point send of `bytes` over a link (one hop). */
export function sendS(bytes: number, link: GroupLink): number {
  return bytes > 0 ? bytes / (link.gbps * 1e9) + link.hopS : 0;
}

/** Rank layout dimensions in order; `ep` is carved out of the data-parallel ranks next to the inner dimensions. */
export interface RankLinks {
  readonly tp: GroupLink;
  readonly cp: GroupLink;
  readonly ep: GroupLink;
  readonly pp: GroupLink;
  /** the gradient group: data- and context-parallel ranks together */
  readonly dpcp: GroupLink;
}

export interface RankSizes {
  readonly tp: number;
  readonly cp: number;
  readonly dp: number;
  readonly pp: number;
  readonly ep: number;
  readonly rankOrder?: readonly ("tp" | "cp" | "dp" | "pp")[];
}

const DEFAULT_ORDER = ["tp", "cp", "dp", "pp"] as const;

/**
 * Which link each parallel group uses, from the rank order (innermost first, Megatron's `--rank-order`-style layout):
 * a dimension's stride is the product of the sizes inside it; its group spans size × stride consecutive ranks. The
 * expert-parallel group takes the innermost `ep` of the data-parallel ranks (Megatron-Core: tp-cp-ep-dp-pp).
 * A pipeline boundary is a single hop between neighbouring stages: it spans 2 × stride.
 */
export function rankLinks(hw: LinkInput, a: LinkFactors, s: RankSizes, pair?: LinkPair, bestCase = false): RankLinks {
  if (bestCase) return bestCaseLinks(hw, s, pair ?? linkPair(hw, a));
  const order = s.rankOrder ?? DEFAULT_ORDER;
  let tpS = 1;
  let cpS = 1;
  let dpS = 1;
  let ppS = 1;
  let acc = 1;
  for (let i = 0; i < order.length; i++) {
    const d = order[i];
    if (d === "tp") {
      tpS = acc;
      acc *= s.tp;
    } else if (d === "cp") {
      cpS = acc;
      acc *= s.cp;
    } else if (d === "dp") {
      dpS = acc;
      acc *= s.dp;
    } else {
      ppS = acc;
      acc *= s.pp;
    }
  }
  const lp = pair ?? linkPair(hw, a);
  const pick = (span: number): GroupLink => (span <= hw.scaleUpDomain ? lp.up : lp.out);
  const dpcpSpan = s.cp > 1 ? Math.max(s.dp * dpS, s.cp * cpS) : s.dp * dpS;
  return {
    tp: pick(s.tp * tpS),
    cp: pick(s.cp * cpS),
    ep: pick(Math.max(1, s.ep) * dpS),
    pp: pick(s.pp > 1 ? 2 * ppS : 1),
    dpcp: pick(s.dp * s.cp > 1 ? dpcpSpan : 1),
  };
}

/**
 * Each group on the best link any rank order could give it: a group spans at least its own size, so one no larger
 * than a scale-up domain may sit inside one (then it gets the faster bandwidth and the shorter hop of the two
 * links), and a larger one always crosses the scale-out NICs. Every rank order's links are at least this slow, so
 * a step estimated with these bounds the step of every order (the search's `fast` relaxation).
 */
function bestCaseLinks(hw: LinkInput, s: RankSizes, lp: LinkPair): RankLinks {
  const best: GroupLink = { gbps: Math.max(lp.up.gbps, lp.out.gbps), hopS: Math.min(lp.up.hopS, lp.out.hopS), scaleUp: true };
  const pick = (size: number): GroupLink => (size <= hw.scaleUpDomain ? best : lp.out);
  return {
    tp: pick(s.tp),
    cp: pick(s.cp),
    ep: pick(Math.max(1, s.ep)),
    pp: pick(s.pp > 1 ? 2 : 1),
    dpcp: pick(s.dp * s.cp),
  };
}

/** The scale-up and the scale-out link of a machine (compute once per problem; see groupLink). */
export interface LinkPair {
  readonly up: GroupLink;
  readonly out: GroupLink;
}

export function linkPair(hw: LinkInput, a: LinkFactors): LinkPair {
  return { up: groupLink(hw, a, 0), out: groupLink(hw, a, Number.POSITIVE_INFINITY) };
}

/**
 * Chunks a pipelined TP overlap splits each GEMM + collective into (Transformer Engine userbuffers "pipeline"
 * method, `num_splits` default 4 in Megatron's tp-comm-overlap configs); the first/last chunk's transfer stays exposed.
 * The "ring" method (collective matmul, Wang et al. ASPLOS 2023) exchanges tp chunks, exposing 1/tp.
 */
export const TP_OVERLAP_CHUNKS = 4;

export interface Pass {
  readonly fwd: number;
  readonly bwd: number;
}

/** Exposed seconds of a pass's TP communication `comm` next to GEMMs of `gemm` seconds under a chunked overlap. */
function chunked(comm: number, gemm: number, chunks: number, slowdown: number): number {
  const hideable = comm * (1 - 1 / chunks);
  const hidden = Math.min(hideable, gemm);
  return comm - hidden + slowdown * hidden;
}

/** Exposed TP communication of one layer and micro-batch (forward, backward) for the configured algorithm and overlap. */
export function tpExposed(lc: LayerCost, msg: number, link: GroupLink, p: ParallelConfig, a: Assumptions): Pass {
  if (p.tp <= 1) return { fwd: 0, bwd: 0 };
  const ar = allReduceS(msg, p.tp, link.gbps, link.hopS);
  const ag = allGatherS(msg, p.tp, link.gbps, link.hopS);
  const rsag = p.tpComm ?? (p.sequenceParallel ? "rs-ag" : "allreduce");
  const pair = rsag === "rs-ag" ? 2 * ag : ar;
  // forward: 2 collectives per layer (after attention and after the MLP); backward: the same two, plus with sequence
  // parallelism the re-gather of the two block inputs for the weight-gradient GEMMs (Korthikanti et al. 2022 §4.2.2)
  const fwd = 2 * pair;
  const bwd = 2 * pair + (p.sequenceParallel ? 2 * ag : 0);
  // "none": Megatron's asynchronous TP all-reduce still runs the backward data-gradient collective under the
  // weight-gradient GEMM (Korthikanti et al. 2022 §4.2.2); forward collectives are exposed
  const noneBwd = bwd - Math.min(bwd, lc.wgrad) + a.tpOverlapSlowdown * Math.min(bwd, lc.wgrad);
  const mode = p.tpOverlap ?? "none";
  if (mode === "none") return { fwd, bwd: noneBwd };
  const chunks = mode === "ring" ? p.tp : TP_OVERLAP_CHUNKS;
  return {
    fwd: Math.min(fwd, chunked(fwd, lc.gemmFwd, chunks, a.tpOverlapSlowdown)),
    bwd: Math.min(noneBwd, chunked(bwd, lc.gemmBwd + lc.wgrad, chunks, a.tpOverlapSlowdown)),
  };
}

/**
 * Ring attention over cp ranks (Megatron context parallelism): cp − 1 KV exchanges forward, KV + dKV backward, each
 * overlapped with the attention block of the previous step; the first exchange is exposed.
 */
export function cpExposed(lc: LayerCost, kvBytes: number, link: GroupLink, cp: number): Pass {
  if (cp <= 1) return { fwd: 0, bwd: 0 };
  const step = sendS(kvBytes, link);
  const fwd = (cp - 1) * step;
  const bwd = 2 * fwd;
  return { fwd: step + Math.max(0, fwd - step - lc.attnFwd), bwd: 2 * step + Math.max(0, bwd - 2 * step - lc.attnBwd) };
}

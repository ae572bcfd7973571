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
export function rankLinks(hw: LinkInput, a: LinkFactors, s: RankSizes, pair?: LinkPair): RankLinks {
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

/** The scale-up and the scale-out link of a machine (compute once per problem; see groupLink). */
export interface LinkPair {
  readonly up: GroupLink;
  readonly out: GroupLink;
}

export function linkPair(hw: LinkInput, a: LinkFactors): LinkPair {
  return { up: groupLink(hw, a, 0), out: groupLink(hw, a, Number.POSITIVE_INFINITY) };
}

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

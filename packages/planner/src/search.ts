import { RECOMPUTE_MODES, type ParallelConfig, type Recompute, type ZeroStage } from "./parallel.js";
import { estimateTraining, type TrainingEstimate, type TrainingProblem } from "./training.js";

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
  readonly zeroStage?: readonly ZeroStage[];
  readonly sequenceParallel?: readonly boolean[];
  /** fraction of accelerator memory a plan may use (headroom for fragmentation and framework buffers) */
  readonly memoryHeadroom?: number;
}

export interface RankedPlan {
  readonly rank: number;
  readonly parallel: ParallelConfig;
  readonly estimate: TrainingEstimate;
  readonly reasons: readonly string[];
}

export interface SearchResult {
  readonly evaluated: number;
  readonly feasible: number;
  readonly prunedMemory: number;
  readonly top: readonly RankedPlan[];
}

const POW2 = [1, 2, 4, 8, 16, 32, 64, 128, 256];

function divisorsUpTo(n: number, max: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, max); d++) if (n % d === 0) out.push(d);
  return out;
}

/** Candidate values of each dimension that are legal for the model and cluster. */
export function candidateAxes(pr: TrainingProblem, s: SearchSpace) {
  const m = pr.shape;
  const tp = s.tp ?? POW2.filter((t) => t <= pr.hw.scaleUpDomain && t <= 64 && m.heads % t === 0 && s.gpus % t === 0);
  const pp = s.pp ?? [...new Set([...divisorsUpTo(m.layers, 128), ...POW2.filter((p) => p <= m.layers)])].filter((p) => s.gpus % p === 0);
  const cp = s.cp ?? (m.seqLen >= 16384 ? POW2.filter((c) => c <= 32) : [1]);
  const ep = s.ep ?? (m.moe ? POW2.filter((e) => e <= m.moe!.experts) : [1]);
  const mb = s.microBatch ?? [1, 2, 4, 8, 16];
  const vp = s.vp ?? [1, 2, 4];
  const rc = s.recompute ?? RECOMPUTE_MODES;
  const zero = s.zeroStage ?? ([0, 1, 3] as const);
  const sp = s.sequenceParallel ?? [false, true];
  return { tp, pp, cp, ep, mb, vp, rc, zero, sp };
}

function reasonsFor(e: TrainingEstimate, best: TrainingEstimate | undefined): string[] {
  const b = e.breakdown;
  const pct = (x: number): string => `${((100 * x) / e.stepTimeS).toFixed(1)}%`;
  const gb = (x: number): string => (x / 1e9).toFixed(1);
  const out = [
    `fits: ${gb(e.memory.totalBytes)} of ${gb(e.memoryCapacityBytes)} GB per GPU`,
    `compute ${pct(b.computeS)} of the step, MFU ${(100 * e.mfu).toFixed(1)}%`,
  ];
  if (b.pipelineBubbleS > 0) out.push(`pipeline bubble ${pct(b.pipelineBubbleS)}`);
  if (b.tensorParallelCommS > 0) out.push(`tensor-parallel communication ${pct(b.tensorParallelCommS)}`);
  if (b.dataParallelCommS + b.zeroGatherS > 0) out.push(`data-parallel communication ${pct(b.dataParallelCommS + b.zeroGatherS)} exposed`);
  if (b.expertAllToAllS > 0) out.push(`expert all-to-all ${pct(b.expertAllToAllS)}`);
  if (best && best !== e) out.push(`${((100 * (e.stepTimeS - best.stepTimeS)) / best.stepTimeS).toFixed(1)}% slower than the best`);
  return out;
}

/**
 * Enumerate TP x PP x CP x EP x DP x micro-batch x virtual stages x recompute x ZeRO x SP, drop what cannot fit
 * or is illegal (divisibility), rank by step time (equivalently cost on a fixed cluster) and keep the top k.
 */
export function searchParallelism(pr: TrainingProblem, s: SearchSpace, topK = 5): SearchResult {
  const ax = candidateAxes(pr, s);
  const headroom = s.memoryHeadroom ?? 0.92;
  const cap = pr.hw.memoryBytes * headroom;
  const m = pr.shape;
  let evaluated = 0;
  let feasible = 0;
  let pruned = 0;
  const top: { p: ParallelConfig; e: TrainingEstimate }[] = [];
  for (const tp of ax.tp)
    for (const cp of ax.cp)
      for (const pp of ax.pp) {
        const rest = s.gpus / (tp * cp * pp);
        if (!Number.isInteger(rest) || rest < 1) continue;
        const dp = rest;
        for (const ep of ax.ep) {
          if ((dp * cp) % ep !== 0) continue;
          for (const mb of ax.mb) {
            if (s.globalBatch % (dp * mb) !== 0) continue;
            for (const vp of ax.vp) {
              if (vp > 1 && (pp === 1 || m.layers % (pp * vp) !== 0)) continue;
              for (const sp of ax.sp) {
                if (sp && tp === 1) continue;
                for (const zero of ax.zero) {
                  if (zero > 0 && dp * cp === 1) continue;
                  for (const rc of ax.rc) {
                    const p: ParallelConfig = {
                      tp,
                      pp,
                      dp,
                      cp,
                      ep,
                      vp,
                      microBatch: mb,
                      globalBatch: s.globalBatch,
                      recompute: rc,
                      sequenceParallel: sp,
                      zeroStage: zero,
                    };
                    evaluated++;
                    const e = estimateTraining(pr, p);
                    if (e.memory.totalBytes > cap) {
                      pruned++;
                      continue;
                    }
                    feasible++;
                    if (top.length < topK || e.stepTimeS < (top[top.length - 1]?.e.stepTimeS ?? Infinity)) {
                      top.push({ p, e });
                      top.sort((x, y) => x.e.stepTimeS - y.e.stepTimeS);
                      if (top.length > topK) top.pop();
                    }
                  }
                }
              }
            }
          }
        }
      }
  const best = top[0]?.e;
  return {
    evaluated,
    feasible,
    prunedMemory: pruned,
    top: top.map((t, i) => ({ rank: i + 1, parallel: t.p, estimate: t.e, reasons: reasonsFor(t.e, best) })),
  };
}

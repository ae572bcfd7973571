import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile } from "./hardware.js";
import { gpuCount, type ParallelConfig } from "./parallel.js";
import { ALL_RANK_ORDERS, candidateAxes, distinctOrders, layoutsFor, relaxedProblems, type SearchSpace } from "./search-axes.js";
import { narrowSpace, searchParallelism } from "./search.js";
import { stageLayout } from "./pipeline.js";
import { countShape, shapeFromModel, type TransformerShape } from "./shape.js";
import { estimateTraining, type TrainingProblem } from "./training.js";

const catalog = defaultCatalog();
const h100 = hardwareProfile(catalog.get("h100-sxm5-80gb", "Accelerator"), catalog);
const options = { precision: "bf16", finetune: "full", flashAttention: true, fp32Grads: true } as const;
function problem(shape: TransformerShape): TrainingProblem {
  return { shape, counts: countShape(shape), hw: h100, options, assumptions: DEFAULT_ASSUMPTIONS };
}
const pr = problem(shapeFromModel(catalog.get("llama-3-70b", "ModelArch"), 8192)!);

/** A 16-layer ~13B model on 8 GPUs: memory binds, so every pruning rule fires, and the space is small enough to brute-force. */
const small: TransformerShape = {
  name: "test-13b",
  layers: 16,
  hidden: 8192,
  heads: 64,
  kvHeads: 8,
  headDim: 128,
  ffnHidden: 28672,
  ffnMatrices: 3,
  vocab: 128256,
  seqLen: 4096,
  tiedEmbeddings: false,
};
const smallSpace: SearchSpace = {
  gpus: 8,
  globalBatch: 32,
  tp: [1, 2, 4, 8],
  cp: [1, 2],
  pp: [1, 2, 4],
  microBatch: [1, 2, 4],
  vp: [1, 2],
  stageShift: 1,
  zeroStage: [0, 1, 3],
  tpOverlap: ["none", "pipelined", "ring"],
  offloadWeights: [false],
  rankOrders: [
    ["tp", "cp", "dp", "pp"],
    ["pp", "dp", "cp", "tp"],
  ],
};

/** Every configuration of a space, enumerated with the search's canonical rules but without any pruning. */
function* everyConfig(p: TrainingProblem, s: SearchSpace): Generator<ParallelConfig> {
  const ax = candidateAxes(p, s);
  for (const tp of ax.tp)
    for (const cp of ax.cp)
      for (const pp of ax.pp) {
        const dp = s.gpus / (tp * cp * pp);
        if (!Number.isInteger(dp) || pp > p.shape.layers) continue;
        for (const lay of layoutsFor(p.shape, pp, ax.vp, ax.stageShift))
          for (const mb of ax.mb) {
            if (s.globalBatch % (dp * mb) !== 0) continue;
            const stage = lay.first !== undefined ? { firstStageLayers: lay.first, lastStageLayers: lay.last! } : {};
            const maxL = stageLayout(p.shape, { pp, ...stage } as ParallelConfig).maxLayers;
            for (const sp of tp > 1 ? ax.sp : [false])
              for (const zeroStage of dp * cp > 1 ? ax.zero : [0 as const])
                for (const oo of ax.offOpt)
                  for (const ow of ax.offW)
                    for (const oa of ax.offAct)
                      for (const rc of ax.rc)
                        for (const L of rc === "full" ? Array.from({ length: maxL }, (_, i) => i + 1) : [0])
                          for (const tpOverlap of tp > 1 ? ax.tpOverlap : ["none" as const])
                            for (const tpComm of tp > 1 ? ax.tpComm.filter((c) => !sp || c === "rs-ag") : ["allreduce" as const])
                              for (const dpOverlap of dp * cp > 1 ? ax.dpOverlap : [true])
                                for (const rankOrder of distinctOrders(ax.rankOrders, { tp, cp, dp, pp, ep: 1 } as never))
                                  yield {
                                    tp,
                                    pp,
                                    dp,
                                    cp,
                                    ep: 1,
                                    vp: lay.vp,
                                    microBatch: mb,
                                    globalBatch: s.globalBatch,
                                    recompute: rc,
                                    sequenceParallel: sp,
                                    zeroStage,
                                    ...stage,
                                    ...(L > 0 && L < maxL ? { recomputeLayers: L } : {}),
                                    ...(oo ? { offloadOptimizer: true } : {}),
                                    ...(ow ? { offloadWeights: true } : {}),
                                    ...(oa ? { offloadActivations: true } : {}),
                                    tpOverlap,
                                    tpComm,
                                    dpOverlap,
                                    epOverlap: false,
                                    rankOrder,
                                  };
          }
      }
}

describe("parallelism search", () => {
  const r = searchParallelism(pr, narrowSpace(pr, 1024, 2048), 5);

  it("returns legal, fitting configurations ranked by step time, and its counts partition the space", () => {
    expect(r.top.length).toBe(5);
    expect(r.space).toBe(r.feasible + r.prunedMemory + r.prunedDominated + r.prunedBound);
    for (const t of r.top) {
      expect(gpuCount(t.parallel)).toBe(1024);
      expect(pr.shape.heads % t.parallel.tp).toBe(0);
      expect(2048 % (t.parallel.dp * t.parallel.microBatch)).toBe(0);
      expect(t.estimate.fits).toBe(true);
      expect(t.reasons.length).toBeGreaterThan(1);
    }
    for (let i = 1; i < r.top.length; i++) expect(r.top[i]!.estimate.stepTimeS).toBeGreaterThanOrEqual(r.top[i - 1]!.estimate.stepTimeS);
  });

  it("prunes what cannot fit: 70B without model parallelism or ZeRO on 80 GB GPUs", () => {
    const dpOnly = searchParallelism(pr, { ...narrowSpace(pr, 1024, 2048), tp: [1], pp: [1], zeroStage: [0] }, 5);
    expect(dpOnly.top.length).toBe(0);
    expect(dpOnly.prunedMemory).toBe(dpOnly.space);
  });

  it("is exact: the pruned search returns the same top 10 as evaluating every configuration", () => {
    const p = problem(small);
    const all: number[] = [];
    let count = 0;
    for (const c of everyConfig(p, smallSpace)) {
      count++;
      const e = estimateTraining(p, c);
      if (e.fits) all.push(e.stepTimeS);
    }
    all.sort((a, b) => a - b);
    const res = searchParallelism(p, smallSpace, 10);
    expect(res.space).toBe(count);
    expect(res.evaluated).toBeLessThan(count / 3);
    // dominated siblings (an overlap turned off, more recompute, more offload) are visited lazily, bounded by
    // the sibling's time: ties and near-ties with it are still returned
    expect(res.top.map((t) => t.estimate.stepTimeS)).toEqual(all.slice(0, 10));
  });

  it("is deterministic", () => {
    const again = searchParallelism(pr, narrowSpace(pr, 1024, 2048), 5);
    expect(again.top.map((t) => t.parallel)).toEqual(r.top.map((t) => t.parallel));
  });
});

describe("the model properties the pruning rests on", () => {
  const p = problem(small);
  const { free, fast } = relaxedProblems(p);
  const base: ParallelConfig = {
    tp: 2,
    pp: 2,
    dp: 2,
    cp: 1,
    ep: 1,
    vp: 1,
    microBatch: 2,
    globalBatch: 32,
    recompute: "none",
    sequenceParallel: true,
    zeroStage: 1,
  };
  const sample: ParallelConfig[] = [];
  for (const tp of [1, 2, 4])
    for (const pp of [1, 2, 4])
      for (const zeroStage of [0, 1, 2, 3] as const)
        for (const mb of [1, 4]) sample.push({ ...base, tp, pp, dp: 8 / (tp * pp), microBatch: mb, zeroStage, sequenceParallel: tp > 1 });

  it("faster links never slow a step: free ≤ fast fabric ≤ real, for every rank order", () => {
    for (const c of sample)
      for (const rankOrder of [undefined, ["pp", "dp", "cp", "tp"] as const]) {
        const q = { ...c, ...(rankOrder ? { rankOrder } : {}) };
        const real = estimateTraining(p, q).stepTimeS;
        expect(estimateTraining(fast, q).stepTimeS).toBeLessThanOrEqual(real * (1 + 1e-12));
        expect(estimateTraining(free, q).stepTimeS).toBeLessThanOrEqual(estimateTraining(fast, q).stepTimeS * (1 + 1e-12));
      }
    // across nodes: 64 GPUs (a scale-up domain is 8), every rank order, groups that do and do not fit one node
    const wide = problem(shapeFromModel(catalog.get("mixtral-8x7b", "ModelArch"), 4096)!);
    const rel = relaxedProblems(wide);
    for (const [tp, pp, dp, ep] of [
      [8, 1, 8, 8],
      [4, 2, 8, 8],
      [2, 4, 8, 4],
      [1, 2, 32, 8],
    ] as const)
      for (const rankOrder of ALL_RANK_ORDERS) {
        const q: ParallelConfig = {
          ...base,
          tp,
          pp,
          dp,
          ep,
          microBatch: 1,
          globalBatch: 256,
          zeroStage: 1,
          sequenceParallel: tp > 1,
          rankOrder,
        };
        const real = estimateTraining(wide, q).stepTimeS;
        expect(estimateTraining(rel.fast, q).stepTimeS, `${tp}/${pp}/${dp}/${ep} ${rankOrder.join()}`).toBeLessThanOrEqual(
          real * (1 + 1e-12),
        );
      }
    // SP only removes replicated element-wise work: with free communication it is never slower
    for (const c of sample.filter((x) => x.tp > 1))
      expect(estimateTraining(free, c).stepTimeS).toBeLessThanOrEqual(
        estimateTraining(free, { ...c, sequenceParallel: false, tpComm: "allreduce" }).stepTimeS * (1 + 1e-12),
      );
  });

  it("time knobs change neither memory nor compute; overlap never slows a step", () => {
    for (const c of sample) {
      const ref = estimateTraining(p, c);
      for (const tpOverlap of ["pipelined", "ring"] as const)
        for (const rankOrder of [undefined, ["dp", "pp", "tp", "cp"] as const]) {
          const e = estimateTraining(p, { ...c, tpOverlap, dpOverlap: false, ...(rankOrder ? { rankOrder } : {}) });
          expect(e.memory.totalBytes).toBe(ref.memory.totalBytes);
          expect(e.breakdown.computeS).toBeCloseTo(ref.breakdown.computeS, 12);
          const on = estimateTraining(p, { ...c, tpOverlap, dpOverlap: true, ...(rankOrder ? { rankOrder } : {}) });
          expect(on.stepTimeS).toBeLessThanOrEqual(e.stepTimeS);
        }
      expect(estimateTraining(p, { ...c, tpOverlap: "pipelined" }).stepTimeS).toBeLessThanOrEqual(ref.stepTimeS);
      expect(ref.stepTimeS).toBeGreaterThanOrEqual(ref.breakdown.computeS + ref.breakdown.overheadS);
    }
  });

  it("recomputing more layers or offloading more never speeds a step up and never needs more memory", () => {
    for (const c of sample) {
      const none = estimateTraining(p, c);
      const sel = estimateTraining(p, { ...c, recompute: "selective" });
      expect(sel.stepTimeS).toBeGreaterThanOrEqual(none.stepTimeS);
      let prev = none;
      const maxL = stageLayout(small, c).maxLayers;
      for (let L = 1; L <= maxL; L++) {
        const e = estimateTraining(p, { ...c, recompute: "full", recomputeLayers: L });
        expect(e.stepTimeS).toBeGreaterThanOrEqual(prev.stepTimeS);
        expect(e.memory.totalBytes).toBeLessThanOrEqual(prev.memory.totalBytes);
        prev = e;
      }
      for (const off of ["offloadOptimizer", "offloadWeights", "offloadActivations"] as const) {
        const e = estimateTraining(p, { ...c, [off]: true });
        expect(e.stepTimeS).toBeGreaterThanOrEqual(none.stepTimeS);
        expect(e.memory.totalBytes).toBeLessThanOrEqual(none.memory.totalBytes);
      }
      const bigger = estimateTraining(p, { ...c, microBatch: c.microBatch * 2 });
      expect(bigger.memory.totalBytes).toBeGreaterThanOrEqual(none.memory.totalBytes);
      if (c.tp > 1)
        expect(estimateTraining(p, { ...c, sequenceParallel: false, tpComm: "allreduce" }).memory.totalBytes).toBeGreaterThanOrEqual(
          none.memory.totalBytes,
        );
    }
  });
});

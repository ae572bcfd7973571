import { issue, type Catalog, type Issue, type ModelArch } from "@aidc/core";
import { ASSUMPTION_DOCS, withAssumptions, type Assumptions } from "../assumptions.js";
import { hardwareProfile, type HardwareProfile } from "../hardware.js";
import { gpuCount, type FlopConvention, type ParallelConfig } from "../parallel.js";
import { checkStageLayout, stageLayout } from "../pipeline.js";
import { narrowSpace, searchParallelism, type RankedPlan, type SearchResult } from "../search.js";
import { countShape, forwardFlopsPerSample, shapeFromModel } from "../shape.js";
import { estimateTraining, tflopsUnder, type TrainingEstimate, type TrainingProblem } from "../training.js";
import type { TrainingScenario } from "./schemas.js";

export interface RunTotals {
  readonly tokens: number;
  readonly wallClockDays: number;
  readonly gpuHours: number;
  readonly energyMWh: number;
  readonly co2eTonnes: number;
  readonly costUsd: number;
}

export interface TrainingPlan {
  readonly scenario: string;
  readonly model: string;
  readonly accelerator: string;
  readonly gpus: number;
  readonly parallel?: ParallelConfig;
  readonly estimate?: TrainingEstimate;
  readonly totals?: RunTotals;
  readonly search?: {
    /** distinct legal configurations enumerated; = feasible + prunedMemory + prunedDominated + prunedBound */
    readonly space: number;
    /** full estimates run */
    readonly evaluated: number;
    readonly feasible: number;
    readonly prunedMemory: number;
    readonly prunedDominated: number;
    readonly prunedBound: number;
    readonly top: readonly RankedPlan[];
  };
  /** TFLOPS per GPU under the scenario's `flopConvention` (when it states one) */
  readonly reported?: { readonly convention: FlopConvention; readonly tflopsPerGpu: number };
  /** non-transformer models (LSTM/CNN): FLOP count and a simple throughput estimate */
  readonly simple?: {
    readonly forwardFlopsPerSample: number;
    readonly trainFlopsPerSample: number;
    readonly samplesPerS: number;
    readonly memoryGB: number;
    readonly batch: number;
    readonly trainingS?: number;
  };
  readonly assumptions: readonly {
    readonly name: string;
    readonly value: number;
    readonly meaning: string;
    readonly overridden: boolean;
  }[];
}

export function totalsFor(tokens: number, e: TrainingEstimate, hw: HardwareProfile, a: Assumptions): RunTotals {
  const seconds = tokens / e.tokensPerS / a.runGoodput;
  const gpuHours = (seconds * e.gpus) / 3600;
  const energyMWh = (gpuHours * hw.tdpW * a.powerFractionOfTdp * a.pue) / 1e6;
  return {
    tokens,
    wallClockDays: seconds / 86400,
    gpuHours,
    energyMWh,
    co2eTonnes: energyMWh * a.gridKgCo2PerKwh,
    costUsd: gpuHours * a.usdPerGpuHour,
  };
}

function assumptionList(a: Assumptions, overrides: Partial<Assumptions> | undefined): TrainingPlan["assumptions"] {
  return (Object.keys(ASSUMPTION_DOCS) as (keyof Assumptions)[]).map((k) => ({
    name: k,
    value: a[k],
    meaning: ASSUMPTION_DOCS[k],
    overridden: overrides?.[k] !== undefined,
  }));
}

/** Batch size assumed for the small (LSTM/CNN) models, and kernels launched per recurrent step (gates, cell, grads). */
export const SIMPLE_MODEL_BATCH = 32;
const KERNELS_PER_STEP = 4;

interface Resolved {
  readonly model: ModelArch;
  readonly hw: HardwareProfile;
  readonly assumptions: Assumptions;
}

function resolve(s: TrainingScenario, catalog: Catalog): { value?: Resolved; issues: Issue[] } {
  const issues: Issue[] = [];
  const m = catalog.lookup(s.model, "ModelArch");
  const a = catalog.lookup(s.hardware.accelerator, "Accelerator");
  const refs = [
    catalog.checkRef(s.model, "ModelArch", ["model"]),
    catalog.checkRef(s.hardware.accelerator, "Accelerator", ["hardware", "accelerator"]),
  ];
  if (s.hardware.system !== undefined) refs.push(catalog.checkRef(s.hardware.system, "System", ["hardware", "system"]));
  for (const r of refs) if (r) issues.push(r);
  if (!m.found || !a.found || issues.length > 0) return { issues };
  const sys = s.hardware.system !== undefined ? catalog.lookup(s.hardware.system, "System") : undefined;
  const hw = hardwareProfile(a.item, catalog, {
    ...(s.hardware.gpusPerNode !== undefined ? { gpusPerNode: s.hardware.gpusPerNode } : {}),
    ...(s.hardware.scaleOutGbpsPerGpu !== undefined ? { scaleOutGbpsPerGpu: s.hardware.scaleOutGbpsPerGpu } : {}),
    ...(sys?.found ? { system: sys.item } : {}),
  });
  return { value: { model: m.item, hw, assumptions: withAssumptions(s.assumptions) }, issues };
}

/** Check that a stated parallelism is legal for the model and cluster; one Issue per violated rule. */
export function checkParallelism(s: TrainingScenario, pr: TrainingProblem, p: ParallelConfig): Issue[] {
  const out: Issue[] = [];
  const m = pr.shape;
  if (m.heads % p.tp !== 0)
    out.push(issue("invalid_parallelism", "parallelism.tp", `tp=${p.tp} does not divide the ${m.heads} attention heads of ${s.model}`));
  if (p.tp > pr.hw.scaleUpDomain)
    out.push(
      issue(
        "invalid_parallelism",
        "parallelism.tp",
        `tp=${p.tp} spans more than the ${pr.hw.scaleUpDomain} accelerators of one scale-up domain`,
      ),
    );
  out.push(...checkStageLayout(m, p, "parallelism"));
  if (p.recomputeLayers !== undefined && p.recompute !== "full")
    out.push(issue("invalid_parallelism", "parallelism.recomputeLayers", `recomputeLayers needs recompute: full (it is ${p.recompute})`));
  else if (p.recomputeLayers !== undefined && out.length === 0 && p.recomputeLayers > stageLayout(m, p).maxLayers)
    out.push(
      issue(
        "invalid_parallelism",
        "parallelism.recomputeLayers",
        `recomputeLayers=${p.recomputeLayers} exceeds the ${stageLayout(m, p).maxLayers} layers of the largest pipeline stage`,
      ),
    );
  if (p.sequenceParallel && p.tpComm === "allreduce")
    out.push(
      issue(
        "invalid_parallelism",
        "parallelism.tpComm",
        "sequence parallelism needs tpComm rs-ag (reduce-scatter + all-gather), not allreduce",
      ),
    );
  if (p.sequenceParallel && p.tp === 1)
    out.push(issue("invalid_parallelism", "parallelism.sequenceParallel", "sequence parallelism needs tp > 1"));
  if (gpuCount(p) !== s.hardware.count)
    out.push(issue("invalid_parallelism", "parallelism", `tp x cp x pp x dp = ${gpuCount(p)} but hardware.count is ${s.hardware.count}`));
  if (p.globalBatch % (p.dp * p.microBatch) !== 0)
    out.push(
      issue(
        "invalid_parallelism",
        "parallelism.microBatch",
        `global batch ${p.globalBatch} is not a multiple of dp x microBatch = ${p.dp * p.microBatch}`,
      ),
    );
  if (m.moe && (p.dp * p.cp) % p.ep !== 0)
    out.push(issue("invalid_parallelism", "parallelism.ep", `ep=${p.ep} must divide dp x cp = ${p.dp * p.cp}`));
  if (!m.moe && p.ep > 1) out.push(issue("invalid_parallelism", "parallelism.ep", "expert parallelism needs a mixture-of-experts model"));
  return out;
}

/** Plan a training run: estimate a stated parallelism, or search for the best ones. Bad input returns issues. */
export function planTraining(
  s: TrainingScenario,
  catalog: Catalog,
  /** `space` overrides the scenario's search space (a server answering a request should ask for "narrow") */
  options: { search?: boolean; space?: "wide" | "narrow" } = {},
): { plan?: TrainingPlan; issues: Issue[] } {
  const r = resolve(s, catalog);
  if (!r.value) return { issues: r.issues };
  const { model, hw, assumptions } = r.value;
  const list = assumptionList(assumptions, s.assumptions);
  const base = { scenario: s.name, model: model.id, accelerator: hw.accelerator, gpus: s.hardware.count, assumptions: list };
  const shape = shapeFromModel(model, s.seqLen ?? ("seqLen" in model ? Math.min(model.seqLen, 8192) : undefined));
  if (!shape) {
    // LSTM/CNN: FLOP count; recurrent steps run one after another, so a step is bounded by kernel latency too
    const fwd = forwardFlopsPerSample(model);
    const batch = SIMPLE_MODEL_BATCH;
    const rate = (hw.peaks[s.precision] ?? hw.peak16Tflops) * 1e12 * assumptions.gemmEfficiencyMax * 0.25;
    const serialSteps = model.family === "lstm" ? model.seqLen * model.lstmLayers : (model.layers ?? 50);
    const batchS = Math.max((3 * fwd * batch) / rate, 3 * serialSteps * KERNELS_PER_STEP * assumptions.decodeLayerOverheadS);
    const samplesPerS = (s.hardware.count * batch) / batchS;
    const samples = s.training.samples ?? 0;
    return {
      plan: {
        ...base,
        simple: {
          forwardFlopsPerSample: fwd,
          trainFlopsPerSample: 3 * fwd,
          samplesPerS,
          memoryGB: (model.params * 16) / 1e9,
          batch,
          ...(samples > 0 ? { trainingS: samples / samplesPerS } : {}),
        },
      },
      issues: [],
    };
  }
  const problem: TrainingProblem = {
    shape,
    counts: countShape(shape),
    hw,
    options: { precision: s.precision, finetune: s.training.finetune, flashAttention: true, fp32Grads: true },
    assumptions,
  };
  const globalBatch = s.training.globalBatch ?? Math.max(1, Math.round((s.training.globalBatchTokens ?? 4 * 1024 * 1024) / shape.seqLen));
  const tokens = s.training.tokens ?? 0;
  if (options.search || s.parallelism === undefined) {
    const counts = s.search?.gpuCounts ?? [s.hardware.count];
    const sum = { space: 0, evaluated: 0, feasible: 0, prunedMemory: 0, prunedDominated: 0, prunedBound: 0 };
    const all: RankedPlan[] = [];
    for (const gpus of counts) {
      const wide = (options.space ?? s.search?.space ?? (shape.moe ? "narrow" : "wide")) === "wide";
      const space = wide ? { gpus, globalBatch } : narrowSpace(problem, gpus, globalBatch);
      const result: SearchResult = searchParallelism(problem, space, s.search?.topK ?? 5);
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += result[k];
      all.push(...result.top);
    }
    const cost = (x: RankedPlan): number =>
      s.search?.objective === "cost" ? x.estimate.stepTimeS * x.estimate.gpus : x.estimate.stepTimeS;
    const top = all
      .sort((x, y) => cost(x) - cost(y))
      .slice(0, s.search?.topK ?? 5)
      .map((x, i) => ({ ...x, rank: i + 1 }));
    const best = top[0];
    if (!best) {
      return {
        issues: [
          issue(
            "does_not_fit",
            "hardware.count",
            `no parallel configuration of ${s.model} fits in ${hw.memoryGB} GB per ${hw.accelerator} with global batch ${globalBatch}`,
          ),
        ],
      };
    }
    return {
      plan: {
        ...base,
        gpus: best.estimate.gpus,
        parallel: best.parallel,
        estimate: best.estimate,
        ...(tokens > 0 ? { totals: totalsFor(tokens, best.estimate, hw, assumptions) } : {}),
        search: { ...sum, top },
        ...reportedUnder(s, problem, best.parallel, best.estimate),
      },
      issues: [],
    };
  }
  const ps = s.parallelism;
  const dp = ps.dp ?? Math.max(1, Math.floor(s.hardware.count / (ps.tp * ps.pp * ps.cp)));
  const parallel: ParallelConfig = {
    tp: ps.tp,
    pp: ps.pp,
    dp,
    cp: ps.cp,
    ep: ps.ep,
    vp: ps.vp,
    microBatch: ps.microBatch,
    globalBatch,
    recompute: ps.recompute,
    sequenceParallel: ps.sequenceParallel ?? ps.tp > 1,
    zeroStage: ps.zeroStage,
    ...definedOnly({
      recomputeLayers: ps.recomputeLayers,
      firstStageLayers: ps.firstStageLayers,
      lastStageLayers: ps.lastStageLayers,
      tpOverlap: ps.tpOverlap,
      tpComm: ps.tpComm,
      dpOverlap: ps.dpOverlap,
      epOverlap: ps.epOverlap,
      offloadOptimizer: ps.offloadOptimizer,
      offloadWeights: ps.offloadWeights,
      offloadActivations: ps.offloadActivations,
      rankOrder: ps.rankOrder,
    }),
  };
  const issues = checkParallelism(s, problem, parallel);
  if (issues.length > 0) return { issues };
  const estimate = estimateTraining(problem, parallel);
  if (!estimate.fits) return { issues: [doesNotFit(estimate, hw)] };
  return {
    plan: {
      ...base,
      parallel,
      estimate,
      ...(tokens > 0 ? { totals: totalsFor(tokens, estimate, hw, assumptions) } : {}),
      ...reportedUnder(s, problem, parallel, estimate),
    },
    issues: [],
  };
}

/** The stated configuration does not fit: the most loaded stage's memory by category against the one usable limit. */
export function doesNotFit(e: TrainingEstimate, hw: HardwareProfile): Issue {
  const gb = (x: number): string => (x / 1e9).toFixed(1);
  const m = e.memory;
  const stage = (m as { stage?: number }).stage;
  return issue(
    "does_not_fit",
    "parallelism.microBatch",
    `needs ${gb(m.totalBytes)} GB per GPU${stage !== undefined ? ` on pipeline stage ${stage}` : ""} (weights ${gb(m.weightsBytes)}, grads ${gb(m.gradsBytes)}, optimizer ${gb(m.optimizerBytes)}, activations ${gb(m.activationsBytes)}, buffers ${gb(m.buffersBytes)}) but ${hw.accelerator} leaves ${gb(e.usableMemoryBytes)} GB usable of ${gb(hw.memoryBytes)}; lower microBatch, raise tp/pp, recompute, use ZeRO or offload`,
  );
}

function reportedUnder(s: TrainingScenario, pr: TrainingProblem, p: ParallelConfig, e: TrainingEstimate): Pick<TrainingPlan, "reported"> {
  if (!s.flopConvention) return {};
  return { reported: { convention: s.flopConvention, tflopsPerGpu: tflopsUnder(e, pr, p, s.flopConvention) } };
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

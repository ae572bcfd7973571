import type { Assumptions } from "./assumptions.js";
import { allGatherS, allToAllS, cpExposed, linkPair, rankLinks, sendS, tpExposed, type LinkPair, type Pass } from "./collectives.js";
import { modelCost, type LayerCost } from "./compute.js";
import type { HardwareProfile } from "./hardware.js";
import { recomputedLayers, trainingMemory, usableMemoryBytes, type MemoryBreakdown } from "./memory.js";
import { gpuCount, microBatchesPerStep, type FlopConvention, type ParallelConfig, type TrainingOptions } from "./parallel.js";
import { offloadTime } from "./offload.js";
import { stageLayout } from "./pipeline.js";
import type { ShapeCounts, TransformerShape } from "./shape.js";

/** Everything one estimate needs; `counts` is computed once per model (the search reuses it). */
export interface TrainingProblem {
  readonly shape: TransformerShape;
  readonly counts: ShapeCounts;
  readonly hw: HardwareProfile;
  readonly options: TrainingOptions;
  readonly assumptions: Assumptions;
  /**
   * search relaxation only: every parallel group on the best link its size allows under any rank order
   * (collectives.ts bestCaseLinks), so the estimate bounds every order's from below
   */
  readonly bestCaseLinks?: boolean;
}

/** Step time split by cause; the parts add up to the step. Per-micro-batch parts are those of the slowest stage. */
export interface StepBreakdown {
  /** forward+backward(+recompute) math of the slowest stage, all micro-batches */
  readonly computeS: number;
  readonly tensorParallelCommS: number;
  readonly contextParallelCommS: number;
  readonly expertAllToAllS: number;
  readonly pipelineP2pS: number;
  /** pipeline fill and drain (uneven stages: the sum of the other stages' times, divided by vp) */
  readonly pipelineBubbleS: number;
  readonly dataParallelCommS: number;
  readonly zeroGatherS: number;
  readonly optimizerS: number;
  readonly overheadS: number;
}

export interface TrainingEstimate {
  readonly gpus: number;
  readonly stepTimeS: number;
  readonly breakdown: StepBreakdown;
  readonly tokensPerStep: number;
  readonly tokensPerS: number;
  readonly tokensPerSPerGpu: number;
  readonly modelFlopsPerToken: number;
  readonly hardwareFlopsPerToken: number;
  readonly modelTflopsPerGpu: number;
  readonly hardwareTflopsPerGpu: number;
  /** model FLOPs / (16-bit dense peak), PaLM definition */
  readonly mfu: number;
  readonly hfu: number;
  readonly memory: MemoryBreakdown;
  readonly memoryCapacityBytes: number;
  /** device memory a job can fill (capacity minus reserve and fragmentation); `fits` compares the most loaded stage with it */
  readonly usableMemoryBytes: number;
  readonly fits: boolean;
  /** efficiency of the layer's largest GEMM (forward FC1 / QKV shape), fraction of the recipe's GEMM peak */
  readonly gemmEfficiency: number;
  /** transformer layers per pipeline stage */
  readonly stageLayers: readonly number[];
  /** seconds per micro-batch of each stage (forward + backward + exposed communication) */
  readonly stageTimesS: readonly number[];
}

/** FLOPs per token of the model (no recompute), PaLM/Megatron convention (attention counted non-causally). */
export function modelFlopsPerToken(c: ShapeCounts, o: TrainingOptions, conv?: FlopConvention): number {
  const attn = conv?.causalAttention ? c.attnScoreFlops / 2 : c.attnScoreFlops;
  return (o.finetune === "lora" ? 2 : 3) * (c.forwardFlops - c.attnScoreFlops + attn);
}

/**
 * FLOPs per token actually executed under the PaLM count, including recomputation. With `recomputeLayers` (partial
 * full recompute) pass the stage's layer count: the recomputed share is recomputeLayers / stageLayers.
 */
export function hardwareFlopsPerToken(
  c: ShapeCounts,
  p: ParallelConfig,
  o: TrainingOptions,
  conv?: FlopConvention,
  stageLayers?: number,
): number {
  const attn = conv?.causalAttention ? c.attnScoreFlops / 2 : c.attnScoreFlops;
  let extra = 0;
  if (p.recompute === "full") {
    const share =
      p.recomputeLayers === undefined || stageLayers === undefined ? 1 : recomputedLayers(p, stageLayers) / Math.max(1, stageLayers);
    extra = share * (c.layerMatmulFlops + attn);
  } else if (p.recompute === "selective") extra = attn;
  return modelFlopsPerToken(c, o, conv) + extra;
}

/** TFLOP/s per GPU of an estimate counted under a source's convention (causal or full attention, recompute or not). */
export function tflopsUnder(e: TrainingEstimate, pr: TrainingProblem, p: ParallelConfig, conv: FlopConvention): number {
  const flops = conv.includeRecompute
    ? hardwareFlopsPerToken(
        pr.counts,
        p,
        pr.options,
        conv,
        e.stageLayers.reduce((x, y) => Math.max(x, y), 0),
      )
    : modelFlopsPerToken(pr.counts, pr.options, conv);
  return (e.tokensPerSPerGpu * flops) / 1e12;
}

/**
 * Megatron's gradient bucket: `--ddp-bucket-size` default max(40 M, 1 M × dp) parameters; with overlap, all but the
 * last bucket's reduction runs under the backward pass (Li et al., VLDB 2020, PyTorch DDP §3.2.3).
 */
export const DDP_BUCKET_PARAMS = 40e6;

/** Per-layer seconds of one micro-batch: compute (fwd+bwd+launch), forward, backward, exposed comm; and its recompute. */
interface LayerTotals {
  readonly compute: number;
  readonly fwd: number;
  readonly bwd: number;
  readonly comm: number;
  readonly tp: number;
  readonly cp: number;
  readonly ep: number;
  /** a fully recomputed layer adds its forward (and forward communication) to the backward pass */
  readonly rcCompute: number;
  readonly rcComm: number;
  readonly rcTp: number;
  readonly rcCp: number;
  readonly rcEp: number;
  readonly selective: number;
}

function totals(lc: LayerCost, tp: Pass, cp: Pass, ep: Pass, launch: number): LayerTotals {
  const tpS = tp.fwd + tp.bwd;
  const cpS = cp.fwd + cp.bwd;
  const epS = ep.fwd + ep.bwd;
  return {
    compute: lc.fwd + lc.bwd + launch,
    fwd: lc.fwd,
    bwd: lc.bwd,
    comm: tpS + cpS + epS,
    tp: tpS,
    cp: cpS,
    ep: epS,
    rcCompute: lc.fwd,
    rcComm: tp.fwd + cp.fwd + ep.fwd,
    rcTp: tp.fwd,
    rcCp: cp.fwd,
    rcEp: ep.fwd,
    selective: lc.selectiveRecompute,
  };
}

const pairs = new WeakMap<TrainingProblem, LinkPair>();

export function estimateTraining(pr: TrainingProblem, p: ParallelConfig): TrainingEstimate {
  const { shape: m, counts: c, hw, options: o, assumptions: a } = pr;
  const gpus = gpuCount(p);
  const lora = o.finetune === "lora";
  const tokensMb = (p.microBatch * m.seqLen) / p.cp;
  const mbs = microBatchesPerStep(p);
  const cost = modelCost(pr, tokensMb, p.tp, p.ep, p.sequenceParallel);
  let pair = pairs.get(pr);
  if (!pair) {
    pair = linkPair(hw, a);
    pairs.set(pr, pair);
  }
  const links = rankLinks(hw, a, p, pair, pr.bestCaseLinks === true);

  // per-layer exposed communication, dense and MoE layers
  const msg = tokensMb * m.hidden * 2;
  const kvBytes = ((tokensMb * c.kvElementsPerToken) / m.layers / p.tp) * 2;
  const tpD = tpExposed(cost.dense, msg, links.tp, p, a);
  const tpM = m.moe ? tpExposed(cost.moe, msg, links.tp, p, a) : tpD;
  const cpD = cpExposed(cost.dense, kvBytes, links.cp, p.cp);
  const cpM = m.moe ? cpExposed(cost.moe, kvBytes, links.cp, p.cp) : cpD;
  const noEp: Pass = { fwd: 0, bwd: 0 };
  let epM = noEp;
  if (m.moe && p.ep > 1) {
    // dispatch + combine in forward and again in backward; the busiest rank sends the imbalance share
    const a2a = allToAllS(((msg * m.moe.activeExperts) / p.tp) * a.moeLoadImbalance, p.ep, links.ep.gbps, links.ep.hopS);
    const exposed = p.epOverlap ? 1 - a.epOverlap : 1;
    epM = { fwd: 2 * a2a * exposed, bwd: 2 * a2a * exposed };
  }

  // stages: layers (dense first, then MoE), recompute, embedding on the first, logits + loss on the last
  const layout = stageLayout(m, p);
  const pp = layout.layers.length;
  const firstMoe = m.moe ? Math.min(m.layers, m.moe.denseLayers) : m.layers;
  // Megatron scatters the boundary activation over the TP ranks before sending it (scatter-gather optimization)
  const p2p = pp > 1 ? 2 * p.vp * sendS(msg / (p.tp > 1 ? p.tp : 1), links.pp) : 0;
  const D = totals(cost.dense, tpD, cpD, noEp, a.layerLaunchOverheadS);
  const M = m.moe ? totals(cost.moe, tpM, cpM, epM, a.layerLaunchOverheadS) : D;
  const stageTimes = new Array<number>(pp);
  const stageCompute = new Array<number>(pp);
  const stageFwd = new Array<number>(pp);
  const stageBwd = new Array<number>(pp);
  let start = 0;
  let slowest = 0;
  let heaviest = 0;
  let sum = 0;
  for (let i = 0; i < pp; i++) {
    const n = layout.layers[i]!;
    const nM = Math.max(0, start + n - Math.max(start, firstMoe));
    const nD = n - nM;
    const rc = recomputedLayers(p, n);
    const rcM = Math.min(rc, nM);
    const rcD = rc - rcM;
    let compute = nD * D.compute + nM * M.compute + rcD * D.rcCompute + rcM * M.rcCompute;
    if (rc === 0 && p.recompute === "selective") compute += nD * D.selective + nM * M.selective;
    if (i === layout.embeddingStage) compute += cost.embedding;
    if (i === layout.lossStage) compute += cost.logits;
    const t = compute + nD * D.comm + nM * M.comm + rcD * D.rcComm + rcM * M.rcComm + p2p;
    stageTimes[i] = t;
    stageCompute[i] = compute;
    stageFwd[i] = nD * D.fwd + nM * M.fwd;
    stageBwd[i] = nD * D.bwd + nM * M.bwd + rcD * D.rcCompute + rcM * M.rcCompute;
    sum += t;
    if (t > stageTimes[slowest]!) slowest = i;
    if (compute > stageCompute[heaviest]!) heaviest = i;
    start += n;
  }
  const tMax = stageTimes[slowest]!;
  // 1F1B with uneven stages: the slowest stage paces the steady state; fill and drain pass once through the others
  // (interleaving divides the fill/drain by vp: Narayanan et al. SC'21 §2.2)
  const pipelineS = mbs * tMax + (sum - tMax) / (p.vp > 1 ? p.vp : 1);
  // the breakdown reports the compute-heaviest stage (so overlap and rank order never move computeS); what the
  // slowest stage spends beyond it is counted in the bubble
  let hs = 0;
  for (let i = 0; i < heaviest; i++) hs += layout.layers[i]!;
  const hn = layout.layers[heaviest]!;
  const hM = Math.max(0, hs + hn - Math.max(hs, firstMoe));
  const hrc = recomputedLayers(p, hn);
  const hrcM = Math.min(hrc, hM);
  const part = (d: number, mo: number, rd: number, rm: number): number => (hn - hM) * d + hM * mo + (hrc - hrcM) * rd + hrcM * rm;
  const slTp = part(D.tp, M.tp, D.rcTp, M.rcTp);
  const slCp = part(D.cp, M.cp, D.rcCp, M.rcCp);
  const slEp = part(D.ep, M.ep, D.rcEp, M.rcEp);
  const slCompute = stageCompute[heaviest]!;

  // data-parallel gradient sync and ZeRO gathers per stage; the slowest stage's sync ends the step
  const mem = trainingMemory(m, c, p, o);
  const dpRanks = p.dp * p.cp;
  const dl = links.dpcp;
  const overlap = p.dpOverlap ?? true;
  // bucketed overlap: the part of `comm` longer than the compute window, plus the last bucket (1/tail) stay exposed;
  // the hidden part still slows the GEMMs it runs beside (NCCL's kernels take SMs and HBM bandwidth), as for TP
  const hide = (comm: number, window: number, tail: number): number => {
    if (!overlap) return comm;
    const exposed = Math.min(comm, Math.max(0, comm - window) + comm / tail);
    return exposed + a.tpOverlapSlowdown * (comm - exposed);
  };
  let dpExposed = 0;
  let zeroExposed = 0;
  for (let i = 0; i < pp && dpRanks > 1; i++) {
    const params = mem.stages[i]?.paramsPerGpu ?? mem.paramsPerGpu;
    // Megatron's DDP / distributed optimizer reduces in the gradient buffer's type (fp32 with fp32 grads); ZeRO-2/3
    // (DeepSpeed, FSDP) reduce-scatter each micro-batch's gradients in the 16-bit model type (DeepSpeed
    // `communication_data_type` defaults to the fp16/bf16 type; FSDP MixedPrecision reduce_dtype likewise)
    const gradBytes = (lora ? 0.01 : 1) * params * (o.fp32Grads && p.zeroStage < 2 ? 4 : 2);
    const rs = allGatherS(gradBytes, dpRanks, dl.gbps, dl.hopS);
    const ag = allGatherS((lora ? 0.01 : 1) * params * 2, dpRanks, dl.gbps, dl.hopS);
    const buckets = Math.max(1, params / DDP_BUCKET_PARAMS);
    let dpS = 0;
    let zS = 0;
    const fwd = stageFwd[i]!;
    const bwd = stageBwd[i]!;
    if (p.zeroStage === 0) dpS = hide(2 * rs, bwd, buckets);
    else if (p.zeroStage === 1) dpS = hide(rs, bwd, buckets) + hide(ag, fwd, buckets);
    else if (p.zeroStage === 2) dpS = mbs * hide(rs, bwd, buckets) + hide(ag, fwd, buckets);
    else {
      // ZeRO-3: every micro-batch gathers the weights in forward and again in backward and reduce-scatters the
      // gradients; prefetch hides each layer's gather behind the previous layer's compute (first layer exposed)
      const layers = Math.max(1, layout.layers[i]!);
      zS = mbs * (hide(ag, fwd, layers) + hide(ag + rs, bwd, layers));
    }
    dpExposed = Math.max(dpExposed, dpS);
    zeroExposed = Math.max(zeroExposed, zS);
  }
  const optBytes = lora ? 0 : (mem.paramsPerGpu / (p.zeroStage >= 1 ? dpRanks : 1)) * 32;
  const optimizerS = p.offloadOptimizer ? 0 : optBytes / (hw.memoryBandwidthGBps * a.memoryBandwidthEfficiency * 1e9);
  // offloads (offload.ts): host-link traffic the stage's compute cannot hide, the CPU optimizer step, the weight upload
  const offloaded = p.offloadOptimizer === true || p.offloadWeights === true || p.offloadActivations === true;
  const offloadS = offloaded ? offloadTime(hw, a, p, o, mem, mbs * (stageCompute[mem.stage] ?? slCompute)).exposedS : 0;

  const stepTimeS = pipelineS + dpExposed + zeroExposed + optimizerS + offloadS + a.stepOverheadS;
  const tokensPerStep = p.globalBatch * m.seqLen;
  const mft = modelFlopsPerToken(c, o);
  const hft = hardwareFlopsPerToken(c, p, o, undefined, layout.maxLayers);
  const tokensPerS = tokensPerStep / stepTimeS;
  const modelTflopsPerGpu = (tokensPerS * mft) / gpus / 1e12;
  const hardwareTflopsPerGpu = (tokensPerS * hft) / gpus / 1e12;
  const usable = usableMemoryBytes(hw, a);
  return {
    gpus,
    stepTimeS,
    breakdown: {
      computeS: mbs * slCompute,
      tensorParallelCommS: mbs * slTp,
      contextParallelCommS: mbs * slCp,
      expertAllToAllS: mbs * slEp,
      pipelineP2pS: mbs * p2p,
      pipelineBubbleS: pipelineS - mbs * (slCompute + slTp + slCp + slEp + p2p),
      dataParallelCommS: dpExposed,
      zeroGatherS: zeroExposed,
      optimizerS: optimizerS + offloadS,
      overheadS: a.stepOverheadS,
    },
    tokensPerStep,
    tokensPerS,
    tokensPerSPerGpu: tokensPerS / gpus,
    modelFlopsPerToken: mft,
    hardwareFlopsPerToken: hft,
    modelTflopsPerGpu,
    hardwareTflopsPerGpu,
    mfu: modelTflopsPerGpu / hw.peak16Tflops,
    hfu: hardwareTflopsPerGpu / hw.peak16Tflops,
    memory: mem,
    memoryCapacityBytes: hw.memoryBytes,
    usableMemoryBytes: usable,
    fits: mem.totalBytes <= usable,
    gemmEfficiency: cost.gemmEfficiency,
    stageLayers: layout.layers,
    stageTimesS: stageTimes,
  };
}

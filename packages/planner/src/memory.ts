import type { ShapeCounts, TransformerShape } from "./shape.js";
import type { ParallelConfig, TrainingOptions } from "./parallel.js";

/** Bytes per parameter of mixed-precision Adam training (Megatron): 16-bit weights, fp32 grads, fp32 master + 2 moments. */
export const BYTES = { weight: 2, grad: 4, master: 4, adam: 8 } as const;

export interface MemoryBreakdown {
  readonly paramsPerGpu: number;
  readonly weightsBytes: number;
  readonly gradsBytes: number;
  readonly optimizerBytes: number;
  readonly activationsBytes: number;
  /** logits and other buffers on the most loaded stage */
  readonly buffersBytes: number;
  readonly totalBytes: number;
}

/** Per-layer, per-micro-batch activation bytes (Korthikanti et al. 2023, Table 2), per GPU. */
export function activationBytesPerLayer(
  m: TransformerShape,
  tokens: number,
  tp: number,
  mode: "none" | "selective" | "full",
  sequenceParallel: boolean,
  flashAttention: boolean,
): number {
  const sbh = tokens * m.hidden;
  if (mode === "full") return (2 * sbh) / (sequenceParallel ? tp : 1);
  const scores = flashAttention || mode === "selective" ? 0 : (5 * m.heads * m.seqLen) / (m.hidden * tp);
  // Korthikanti's 24sbh split by TP: Q 2, K 2r, V 2r, attention output 2, MLP 16 (4h GELU); generalised to GQA and F/h
  const r = m.kvHeads / m.heads;
  const ffn = m.moe ? m.moe.expertFfnHidden * (m.moe.activeExperts + m.moe.sharedExperts) : m.ffnHidden;
  const mlp = ((m.ffnMatrices === 3 ? 6 : 4) * ffn) / m.hidden;
  const tpPart = (4 + 4 * r + mlp) / tp;
  const replicated = sequenceParallel ? 10 / tp : 10;
  return sbh * (replicated + tpPart + scores);
}

/** Layers held by the most loaded (first) pipeline stage. */
export function layersPerStage(m: TransformerShape, pp: number): number {
  return Math.ceil(m.layers / pp);
}

/** Parameters held per GPU on the first stage before ZeRO sharding (embedding included). */
export function stageParams(m: TransformerShape, c: ShapeCounts, p: ParallelConfig): number {
  const layers = layersPerStage(m, p.pp);
  const moeShare = c.moeLayers / m.layers;
  const perLayer =
    c.attnParamsPerLayer / p.tp + (1 - moeShare) * (c.denseMlpParamsPerLayer / p.tp) + moeShare * (c.moeMlpParamsPerLayer / (p.tp * p.ep));
  const embedding = (m.vocab * m.hidden * (p.pp === 1 && !m.tiedEmbeddings ? 2 : 1)) / p.tp;
  return layers * perLayer + embedding;
}

export function trainingMemory(m: TransformerShape, c: ShapeCounts, p: ParallelConfig, o: TrainingOptions): MemoryBreakdown {
  const params = stageParams(m, c, p);
  const shard = (stage: number): number => (p.zeroStage >= stage ? p.dp * p.cp : 1);
  const lora = o.finetune === "lora";
  const weightsBytes = (params * BYTES.weight) / shard(3);
  const gradsBytes = lora ? 0 : (params * (o.fp32Grads ? BYTES.grad : 2)) / shard(2);
  const optimizerBytes = lora ? 0 : (params * (BYTES.master + BYTES.adam)) / shard(1);
  const tokens = (p.microBatch * m.seqLen) / p.cp;
  const perLayer = activationBytesPerLayer(m, tokens, p.tp, p.recompute, p.sequenceParallel, o.flashAttention);
  const inFlight = Math.min(p.pp, Math.max(1, p.globalBatch / (p.dp * p.microBatch)));
  const interleave = p.vp > 1 && p.pp > 1 ? 1 + (p.pp - 1) / (p.pp * p.vp) : 1;
  const activationsBytes = perLayer * layersPerStage(m, p.pp) * inFlight * interleave;
  const gatherBuffer = p.zeroStage === 3 ? (2 * params * BYTES.weight) / Math.max(1, layersPerStage(m, p.pp)) : 0;
  const logits = p.pp === 1 ? (tokens * m.vocab * 4) / p.tp : 0;
  const buffersBytes = gatherBuffer + logits;
  const totalBytes = weightsBytes + gradsBytes + optimizerBytes + activationsBytes + buffersBytes;
  return { paramsPerGpu: params, weightsBytes, gradsBytes, optimizerBytes, activationsBytes, buffersBytes, totalBytes };
}

import type { ModelArch } from "@aidc/core";

/** Mixture-of-experts part of a transformer. */
export interface MoeShape {
  readonly experts: number;
  readonly activeExperts: number;
  readonly sharedExperts: number;
  readonly expertFfnHidden: number;
  /** leading layers with a dense FFN instead of MoE */
  readonly denseLayers: number;
}

/** The numbers of a decoder transformer the performance model needs. */
export interface TransformerShape {
  readonly name: string;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly ffnHidden: number;
  readonly ffnMatrices: 2 | 3;
  readonly vocab: number;
  readonly seqLen: number;
  readonly tiedEmbeddings: boolean;
  /** MLA: latent KV width cached per token and layer (replaces 2 x kvHeads x headDim) */
  readonly kvLoraRank?: number;
  readonly moe?: MoeShape;
}

/** Parameter and FLOP counts derived once from a shape (per token unless noted). */
export interface ShapeCounts {
  readonly attnParamsPerLayer: number;
  readonly denseMlpParamsPerLayer: number;
  /** parameters of one MoE layer's FFN: all experts (routed + shared) plus the router */
  readonly moeMlpParamsPerLayer: number;
  /** parameters touched per token by one MoE layer's FFN */
  readonly moeMlpActiveParamsPerLayer: number;
  readonly moeLayers: number;
  readonly embeddingParams: number;
  readonly totalParams: number;
  readonly activeParams: number;
  /** forward matmul FLOPs per token in the transformer layers (2 x active layer params) */
  readonly layerMatmulFlops: number;
  /** forward attention score FLOPs (QK^T and AV) per token, all layers, full (non-causal) count as PaLM/Megatron */
  readonly attnScoreFlops: number;
  /** forward FLOPs of the output (logit) layer per token */
  readonly logitFlops: number;
  /** total forward FLOPs per token = layerMatmul + attnScore + logit */
  readonly forwardFlops: number;
  /** KV-cache elements per token (all layers) */
  readonly kvElementsPerToken: number;
}

export function countShape(m: TransformerShape): ShapeCounts {
  const h = m.hidden;
  const qDim = m.heads * m.headDim;
  const kvDim = m.kvHeads * m.headDim;
  const attnParamsPerLayer =
    m.kvLoraRank !== undefined
      ? // MLA (DeepSeek-V2/V3): low-rank Q (rank 3 x kvLoraRank) and KV (kvLoraRank + 64 rope dims), up-projections, output
        h * 3 * m.kvLoraRank +
        3 * m.kvLoraRank * m.heads * (m.headDim + 64) +
        h * (m.kvLoraRank + 64) +
        m.kvLoraRank * m.heads * 2 * m.headDim +
        qDim * h
      : h * qDim + 2 * h * kvDim + qDim * h + 4 * h;
  const denseMlpParamsPerLayer = m.ffnMatrices * h * m.ffnHidden;
  const moe = m.moe;
  const expertParams = moe ? m.ffnMatrices * h * moe.expertFfnHidden : 0;
  const moeLayers = moe ? Math.max(0, m.layers - moe.denseLayers) : 0;
  const moeMlpParamsPerLayer = moe ? expertParams * (moe.experts + moe.sharedExperts) + h * moe.experts : 0;
  const moeMlpActiveParamsPerLayer = moe ? expertParams * (moe.activeExperts + moe.sharedExperts) + h * moe.experts : 0;
  const denseLayers = m.layers - moeLayers;
  const embeddingParams = m.vocab * h * (m.tiedEmbeddings ? 1 : 2);
  const layerParams = m.layers * attnParamsPerLayer + denseLayers * denseMlpParamsPerLayer + moeLayers * moeMlpParamsPerLayer;
  const layerActive = m.layers * attnParamsPerLayer + denseLayers * denseMlpParamsPerLayer + moeLayers * moeMlpActiveParamsPerLayer;
  const layerMatmulFlops = 2 * layerActive;
  const attnScoreFlops = 4 * m.seqLen * qDim * m.layers;
  const logitFlops = 2 * m.vocab * h;
  const kvElementsPerToken = m.layers * (m.kvLoraRank !== undefined ? m.kvLoraRank + 64 : 2 * kvDim);
  return {
    attnParamsPerLayer,
    denseMlpParamsPerLayer,
    moeMlpParamsPerLayer,
    moeMlpActiveParamsPerLayer,
    moeLayers,
    embeddingParams,
    totalParams: layerParams + embeddingParams,
    activeParams: layerActive + embeddingParams,
    layerMatmulFlops,
    attnScoreFlops,
    logitFlops,
    forwardFlops: layerMatmulFlops + attnScoreFlops + logitFlops,
    kvElementsPerToken,
  };
}

/** The shape of a catalog transformer, or undefined for LSTM/CNN models. */
export function shapeFromModel(model: ModelArch, seqLen?: number): TransformerShape | undefined {
  if (model.family !== "transformer-dense" && model.family !== "transformer-moe") return undefined;
  const base = {
    name: model.name,
    layers: model.layers,
    hidden: model.hidden,
    heads: model.heads,
    kvHeads: model.kvHeads,
    headDim: model.headDim ?? model.hidden / model.heads,
    ffnHidden: model.ffnHidden,
    ffnMatrices: model.ffnMatrices,
    vocab: model.vocab,
    seqLen: seqLen ?? model.seqLen,
    tiedEmbeddings: model.tiedEmbeddings,
  };
  if (model.family === "transformer-dense") return base;
  return {
    ...base,
    ...(model.kvLoraRank !== undefined ? { kvLoraRank: model.kvLoraRank } : {}),
    moe: {
      experts: model.experts,
      activeExperts: model.activeExperts,
      sharedExperts: model.sharedExperts,
      expertFfnHidden: model.expertFfnHidden,
      denseLayers: model.denseLayers,
    },
  };
}

/** Forward FLOPs per sample of the catalog's non-transformer models (LSTM, CNN). */
export function forwardFlopsPerSample(model: ModelArch): number {
  if (model.family === "cnn") return model.forwardGflopsPerSample * 1e9;
  if (model.family === "lstm") {
    const dirs = model.bidirectional ? 2 : 1;
    let input = model.embeddingDim;
    let flops = 0;
    for (let l = 0; l < model.lstmLayers; l++) {
      flops += dirs * 2 * 4 * model.lstmUnits * (input + model.lstmUnits) * model.seqLen;
      input = model.lstmUnits * dirs;
    }
    return flops + 2 * input * model.outputs;
  }
  const shape = shapeFromModel(model);
  return shape ? countShape(shape).forwardFlops * shape.seqLen : 0;
}

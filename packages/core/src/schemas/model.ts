import { z } from "zod";
import { catalogItemBase, positive, positiveCount, count } from "./common.js";

export const MODEL_FAMILIES = ["transformer-dense", "transformer-moe", "lstm", "cnn"] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

const common = {
  ...catalogItemBase,
  kind: z.literal("ModelArch"),
  params: positive.describe("total parameter count"),
};

const transformer = {
  layers: positiveCount,
  hidden: positiveCount,
  heads: positiveCount,
  kvHeads: positiveCount.describe("key/value heads; equals heads for multi-head attention"),
  headDim: positiveCount.optional().describe("defaults to hidden / heads"),
  ffnHidden: positiveCount.describe("feed-forward inner size (of the dense layers for MoE)"),
  ffnMatrices: z.union([z.literal(2), z.literal(3)]).describe("2 for GELU MLP, 3 for gated (SwiGLU/GeGLU)"),
  vocab: count.describe("vocabulary size; 0 for vision encoders"),
  seqLen: positiveCount.describe("training / context length used by default (patches + 1 for ViT)"),
  tiedEmbeddings: z.boolean().default(false),
  architecture: z.enum(["decoder", "encoder", "encoder-decoder", "vision-encoder"]).default("decoder"),
  attention: z.enum(["mha", "gqa", "mqa", "mla"]).default("mha"),
  patchSize: positiveCount.optional().describe("vision transformers: patch edge in pixels"),
  outputs: positiveCount.optional().describe("classifier outputs for encoders and vision models"),
  imageSize: positiveCount.optional().describe("vision models: input edge in pixels"),
};

export const DenseTransformer = z.strictObject({
  ...common,
  ...transformer,
  family: z.literal("transformer-dense"),
});

export const MoeTransformer = z.strictObject({
  ...common,
  ...transformer,
  family: z.literal("transformer-moe"),
  experts: positiveCount.describe("routed experts per MoE layer"),
  activeExperts: positiveCount.describe("routed experts per token"),
  sharedExperts: count.default(0),
  expertFfnHidden: positiveCount.describe("inner size of one expert"),
  denseLayers: count.default(0).describe("leading layers with a dense FFN instead of MoE"),
  activeParams: positive.describe("parameters touched per token"),
  kvLoraRank: positiveCount.optional().describe("MLA latent KV size"),
});

export const LstmModel = z.strictObject({
  ...common,
  family: z.literal("lstm"),
  vocab: positiveCount,
  embeddingDim: positiveCount,
  lstmLayers: positiveCount,
  lstmUnits: positiveCount,
  bidirectional: z.boolean().default(false),
  outputs: positiveCount,
  seqLen: positiveCount,
});

export const CnnModel = z.strictObject({
  ...common,
  family: z.literal("cnn"),
  imageSize: positiveCount,
  forwardGflopsPerSample: positive.describe("forward-pass FLOPs per sample, in GFLOPs (2 x multiply-adds)"),
  layers: positiveCount.optional(),
  outputs: positiveCount,
});

export const ModelArch = z.discriminatedUnion("family", [DenseTransformer, MoeTransformer, LstmModel, CnnModel]);
export type ModelArch = z.infer<typeof ModelArch>;

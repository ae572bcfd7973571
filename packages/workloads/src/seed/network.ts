import { quietly, tf, useWasm } from "./backend.js";

/** Hyper-parameters of the `seed` preset: the classic Keras IMDB LSTM. */
export interface SeedHyper {
  readonly numWords: number;
  readonly maxlen: number;
  readonly embeddingDim: number;
  readonly lstmUnits: number;
  readonly dropout: number;
  readonly batchSize: number;
  /** Upper bound; early stopping usually ends sooner. */
  readonly epochs: number;
  readonly validationSplit: number;
  readonly patience: number;
  readonly learningRate: number;
  readonly seed: number;
}

export const SEED_DEFAULTS: SeedHyper = {
  numWords: 10_000,
  maxlen: 500,
  embeddingDim: 32,
  lstmUnits: 64,
  dropout: 0.2,
  batchSize: 128,
  epochs: 30,
  validationSplit: 0.2,
  patience: 5,
  learningRate: 0.001,
  seed: 42,
};

/** Embedding(numWords, 32) → LSTM(64, dropout 0.2) → Dense(1, sigmoid), seeded initializers, Adam + BCE. */
export function buildSeedNetwork(h: SeedHyper): tf.LayersModel {
  return quietly(() => build(h));
}

function build(h: SeedHyper): tf.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.embedding({
      inputDim: h.numWords,
      outputDim: h.embeddingDim,
      inputLength: h.maxlen,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: h.seed }),
    }),
  );
  model.add(
    tf.layers.lstm({
      units: h.lstmUnits,
      dropout: h.dropout,
      kernelInitializer: tf.initializers.glorotUniform({ seed: h.seed + 1 }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: h.seed + 2 }),
    }),
  );
  model.add(tf.layers.dense({ units: 1, activation: "sigmoid", kernelInitializer: tf.initializers.glorotUniform({ seed: h.seed + 3 }) }));
  compileSeed(model, h.learningRate);
  return model;
}

export function compileSeed(model: tf.LayersModel, learningRate: number): void {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: "binaryCrossentropy", metrics: ["accuracy"] });
}

/** A layers model as plain data: topology JSON, weight specs and one weights buffer. */
export interface SerializedNetwork {
  readonly topology: unknown;
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  readonly weightData: Uint8Array;
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((s, b) => s + b.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}

/** Serialize through `tf.io.withSaveHandler` (tfjs-node's file:// handler is not available here). */
export async function serializeNetwork(model: tf.LayersModel): Promise<SerializedNetwork> {
  let out: SerializedNetwork | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      out = {
        topology: artifacts.modelTopology,
        weightSpecs: artifacts.weightSpecs ?? [],
        weightData: joinBuffers((artifacts.weightData ?? new ArrayBuffer(0)) as ArrayBuffer | ArrayBuffer[]),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
  if (out === undefined) throw new Error("tfjs did not hand over the model artifacts");
  return out;
}

export async function deserializeNetwork(s: SerializedNetwork): Promise<tf.LayersModel> {
  await useWasm();
  const copy = s.weightData.slice().buffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: s.topology as object, weightSpecs: s.weightSpecs, weightData: copy as ArrayBuffer }),
  );
}

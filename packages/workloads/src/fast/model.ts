import { AidcError } from "@aidc/core";
import type { SentimentModel } from "../model.js";
import { NgramHasher, fastTokens, type HashingConfig } from "./ngrams.js";
import type { FastParams } from "./train.js";

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The `fast` preset's model: a linear model on hashed binarized n-grams, in plain typed arrays. */
export class FastModel implements SentimentModel {
  readonly preset = "fast" as const;
  readonly params: FastParams;
  private readonly hasher: NgramHasher;

  constructor(params: FastParams) {
    this.params = params;
    this.hasher = new NgramHasher(params.hashing);
  }

  tokenize(text: string): string[] {
    return fastTokens(text);
  }

  predictSync(texts: readonly string[]): Float32Array {
    return this.predictTokensSync(texts.map((t) => fastTokens(t)));
  }

  predictTokensSync(lists: readonly (readonly string[])[]): Float32Array {
    const out = new Float32Array(lists.length);
    lists.forEach((tokens, i) => (out[i] = sigmoid(this.params.bias + this.hasher.sumWeights(tokens, this.params.weights))));
    return out;
  }

  predict(texts: readonly string[]): Promise<Float32Array> {
    return Promise.resolve(this.predictSync(texts));
  }

  predictTokens(lists: readonly (readonly string[])[]): Promise<Float32Array> {
    return Promise.resolve(this.predictTokensSync(lists));
  }

  dispose(): void {}

  /** Sparse weights file: count × uint32 bucket ids, then count × float32 weights (little-endian), then the bias. */
  encodeWeights(): Uint8Array {
    const { weights } = this.params;
    let count = 0;
    for (let j = 0; j < weights.length; j++) if (weights[j] !== 0) count++;
    const buf = new ArrayBuffer(count * 8 + 8);
    const view = new DataView(buf);
    let k = 0;
    for (let j = 0; j < weights.length; j++) {
      const w = weights[j] ?? 0;
      if (w === 0) continue;
      view.setUint32(k * 4, j, true);
      view.setFloat32(count * 4 + k * 4, w, true);
      k++;
    }
    view.setFloat64(count * 8, this.params.bias, true);
    return new Uint8Array(buf);
  }

  static decode(hashing: HashingConfig, bytes: Uint8Array): FastModel {
    if (bytes.length < 8 || (bytes.length - 8) % 8 !== 0) {
      throw new AidcError("MODEL_CORRUPT", `fast weights have ${bytes.length} bytes, not 8 × count + 8`);
    }
    const count = (bytes.length - 8) / 8;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const dim = 2 ** hashing.bits;
    const weights = new Float32Array(dim);
    for (let k = 0; k < count; k++) {
      const j = view.getUint32(k * 4, true);
      if (j >= dim) throw new AidcError("MODEL_CORRUPT", `fast weights name bucket ${j}, beyond the ${dim} buckets`);
      weights[j] = view.getFloat32(count * 4 + k * 4, true);
    }
    return new FastModel({ hashing, weights, bias: view.getFloat64(count * 8, true) });
  }
}

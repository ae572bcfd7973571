import { kerasWords, type KerasTokenizer } from "../data/tokenizer.js";
import { padSequences } from "../data/sequences.js";
import type { SentimentModel } from "../model.js";
import type { tf } from "./backend.js";
import { serializeNetwork, type SerializedNetwork } from "./network.js";
import { predictPadded } from "./train.js";

/** The `seed` preset's model: Keras tokenizer + pre-padding/pre-truncation + the tfjs LSTM network. */
export class SeedModel implements SentimentModel {
  readonly preset = "seed" as const;
  readonly network: tf.LayersModel;
  readonly tokenizer: KerasTokenizer;
  readonly maxlen: number;

  constructor(network: tf.LayersModel, tokenizer: KerasTokenizer, maxlen: number) {
    this.network = network;
    this.tokenizer = tokenizer;
    this.maxlen = maxlen;
  }

  tokenize(text: string): string[] {
    return kerasWords(text);
  }

  encode(lists: readonly (readonly string[])[]): Int32Array {
    return padSequences(
      lists.map((words) => this.tokenizer.wordsToSequence(words)),
      { maxlen: this.maxlen },
    );
  }

  predict(texts: readonly string[]): Promise<Float32Array> {
    return this.predictTokens(texts.map((t) => kerasWords(t)));
  }

  predictTokens(lists: readonly (readonly string[])[]): Promise<Float32Array> {
    return Promise.resolve(predictPadded(this.network, this.encode(lists), this.maxlen));
  }

  serialize(): Promise<SerializedNetwork> {
    return serializeNetwork(this.network);
  }

  dispose(): void {
    this.network.dispose();
  }
}

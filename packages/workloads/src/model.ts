/** The two training presets of the reference sentiment workload. */
export const PRESETS = ["fast", "seed"] as const;
export type Preset = (typeof PRESETS)[number];

/** What evaluation, serving and explanations need from a trained sentiment model, whatever its preset. */
export interface SentimentModel {
  readonly preset: Preset;
  /** The tokens the model reads, in order: the unit explanations attribute to. */
  tokenize(text: string): string[];
  /** P(positive) of each text. */
  predict(texts: readonly string[]): Promise<Float32Array>;
  /** P(positive) of token lists (as `tokenize` returns them, possibly with tokens removed). */
  predictTokens(lists: readonly (readonly string[])[]): Promise<Float32Array>;
  /** Release native memory (tfjs tensors); a no-op for plain-array models. */
  dispose(): void;
}

export function labelOf(score: number): "positive" | "negative" {
  return score >= 0.5 ? "positive" : "negative";
}

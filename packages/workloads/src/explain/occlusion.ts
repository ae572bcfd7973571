import { labelOf, type SentimentModel } from "../model.js";

export interface TokenAttribution {
  readonly token: string;
  /** Position in the model's token list (occlusion, SHAP), or the first occurrence (LIME, which scores word types). */
  readonly index: number;
  /** How much this token pushes P(positive) up (positive) or down (negative). */
  readonly weight: number;
}

export interface Explanation {
  readonly method: "occlusion" | "lime" | "shap";
  readonly score: number;
  readonly label: "positive" | "negative";
  readonly tokens: TokenAttribution[];
  /**
   * The scale of the weights: occlusion and LIME work on P(positive) ("probability"); SHAP explains the log-odds
   * ("log-odds", as SHAP's linear explainer does for a logistic model), where its values add up exactly.
   */
  readonly output?: "probability" | "log-odds";
  /** SHAP: the output (on the `output` scale) of the baseline, the empty text; base + Σ weights = f(text). */
  readonly base?: number;
}

/**
 * Occlusion: the attribution of token i is P(positive | text) − P(positive | text without token i).
 * All leave-one-out variants are scored in one batch.
 */
export async function explainOcclusion(model: SentimentModel, text: string, options: { maxTokens?: number } = {}): Promise<Explanation> {
  const tokens = model.tokenize(text);
  const limit = Math.min(tokens.length, options.maxTokens ?? 1000);
  const variants = [tokens, ...Array.from({ length: limit }, (_, i) => [...tokens.slice(0, i), ...tokens.slice(i + 1)])];
  const scores = await model.predictTokens(variants);
  const score = scores[0] ?? 0.5;
  return {
    method: "occlusion",
    score,
    label: labelOf(score),
    tokens: tokens.slice(0, limit).map((token, index) => ({ token, index, weight: score - (scores[index + 1] ?? score) })),
  };
}

/** The `k` tokens with the largest |weight|, largest first. */
export function topTokens(e: Explanation, k: number): TokenAttribution[] {
  return [...e.tokens].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, k);
}

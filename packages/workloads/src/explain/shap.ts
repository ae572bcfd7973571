import type { FastModel } from "../fast/model.js";
import type { SentimentModel } from "../model.js";
import { explainKernelShap, type KernelShapOptions } from "./kernel-shap.js";
import type { Explanation } from "./occlusion.js";
import { explainShapLinear } from "./shap-linear.js";

/**
 * SHAP for either preset: exact values for the fast linear model (explainShapLinear), KernelSHAP for anything else
 * (the seed preset's LSTM). Both explain the log-odds with the empty text as the baseline.
 */
export function explainShap(model: SentimentModel, text: string, options: KernelShapOptions = {}): Promise<Explanation> {
  if (model.preset === "fast" && "params" in model) return Promise.resolve(explainShapLinear(model as FastModel, text));
  return explainKernelShap(model, text, options);
}

import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { planInference } from "./infer.js";
import { parseScenario } from "./parse.js";
import type { InferenceScenario } from "./schemas.js";

const catalog = defaultCatalog();

function scenario(extra: Record<string, unknown> = {}): { value?: InferenceScenario; issues: unknown[] } {
  const r = parseScenario({
    apiVersion: "aidc/v1",
    kind: "InferenceScenario",
    name: "serve-70b",
    model: "llama-3.3-70b",
    precision: "fp8",
    hardware: { accelerator: "h100-sxm5-80gb" },
    tp: [2],
    workload: { inputTokens: 1024, outputTokens: 256 },
    slo: { itlMs: 60 },
    ...extra,
  });
  return { issues: r.issues, ...(r.scenario?.kind === "InferenceScenario" ? { value: r.scenario.value } : {}) };
}

function plan(extra: Record<string, unknown> = {}) {
  const s = scenario(extra);
  expect(s.issues).toEqual([]);
  const r = planInference(s.value!, catalog);
  expect(r.issues).toEqual([]);
  return r.plan!.options[0]!.estimate;
}

describe("inference scenario options", () => {
  it("keeps a 16-bit KV cache for FP8 weights unless kvPrecision says otherwise", () => {
    const kv16 = plan();
    const kv8 = plan({ kvPrecision: "fp8" });
    expect(kv8.maxBatch).toBeGreaterThan(1.9 * kv16.maxBatch);
  });
  it("plans speculative decoding with a draft model or a stated draft cost, and names a missing one", () => {
    const base = plan({ workload: { inputTokens: 1024, outputTokens: 256, batch: 1 } });
    const ngram = plan({
      workload: { inputTokens: 1024, outputTokens: 256, batch: 1 },
      speculative: { acceptance: 0.7, draftStepRatio: 0 },
    });
    const draft = plan({
      workload: { inputTokens: 1024, outputTokens: 256, batch: 1 },
      speculative: { acceptance: 0.7, draftTokens: 4, draftModel: "llama-3.1-8b" },
    });
    expect(ngram.outputTokensPerS).toBeGreaterThan(1.5 * base.outputTokensPerS);
    expect(draft.outputTokensPerS).toBeGreaterThan(base.outputTokensPerS);
    expect(draft.outputTokensPerS).toBeLessThan(ngram.outputTokensPerS);
    const bad = scenario({ speculative: { acceptance: 0.7 } });
    expect(planInference(bad.value!, catalog).issues.map((i) => (i as { path: string }).path)).toEqual(["speculative.draftStepRatio"]);
    const unknown = scenario({ speculative: { acceptance: 0.7, draftModel: "no-such-model" } });
    expect(planInference(unknown.value!, catalog).issues.map((i) => (i as { path: string }).path)).toEqual(["speculative.draftModel"]);
  });
  it("lowers time to first token with prefix-cache hits", () => {
    const cold = plan({ workload: { inputTokens: 8192, outputTokens: 256, batch: 1 } });
    const warm = plan({ workload: { inputTokens: 8192, outputTokens: 256, batch: 1 }, prefixCache: { hitRate: 0.75 } });
    expect(warm.ttftS).toBeLessThan(0.5 * cold.ttftS);
  });
  it("rejects an acceptance rate of 1 with an issue naming the field", () => {
    const r = scenario({ speculative: { acceptance: 1, draftStepRatio: 0 } });
    expect(JSON.stringify(r.issues)).toContain("acceptance");
  });
});

import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile } from "./hardware.js";
import { bestThroughput, estimateContinuous, estimateStatic } from "./inference-batching.js";
import { maxBatch, type InferenceProblem } from "./inference.js";
import { countShape, shapeFromModel } from "./shape.js";

const catalog = defaultCatalog();
function problem(model: string, tp: number): InferenceProblem {
  const shape = shapeFromModel(catalog.get(model, "ModelArch"), 8192)!;
  return {
    shape,
    counts: countShape(shape),
    hw: hardwareProfile(catalog.get("h100-sxm5-80gb", "Accelerator"), catalog),
    assumptions: DEFAULT_ASSUMPTIONS,
    precision: "fp8",
    kvPrecision: "fp8",
    tp,
  };
}

describe("serving estimates", () => {
  it("static batches: request latency is TTFT plus one step per further token", () => {
    const e = estimateStatic(problem("llama-3-8b", 1), 32, 1024, 256);
    expect(e.requestLatencyS).toBeCloseTo(e.ttftS + 255 * e.interTokenLatencyS, 9);
    expect(e.outputTokensPerS).toBeCloseTo((32 * 256) / e.requestLatencyS, 6);
  });
  it("in-flight batching obeys Little's law for a closed loop of clients beyond the KV budget", () => {
    const p = problem("llama-3.3-70b", 2);
    const clients = 2 * maxBatch(p, 5500);
    const e = estimateContinuous(p, clients, 5000, 500);
    // every client cycles through TTFT and 499 further tokens; the group's throughput serves all of them
    expect(e.outputTokensPerS * (e.ttftS + 499 * e.interTokenLatencyS)).toBeCloseTo(clients * 500, -1);
  });
  it("charges the prompts of replacement requests inside the steps: longer prompts lower throughput", () => {
    const p = problem("llama-3-8b", 1);
    expect(bestThroughput(p, 4096, 128).outputTokensPerS).toBeLessThan(0.5 * bestThroughput(p, 128, 128).outputTokensPerS);
  });
  it("reports throughput for the whole TP group and per GPU", () => {
    const e = bestThroughput(problem("llama-3.3-70b", 4), 1000, 1000);
    expect(e.outputTokensPerSPerGpu).toBeCloseTo(e.outputTokensPerS / 4, 9);
  });
});

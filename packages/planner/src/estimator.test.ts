import { describe, expect, it } from "vitest";
import { defaultCatalog, JobSpec, type Placement } from "@aidc/core";
import { ESTIMATE_LABELS, PlannerEstimator } from "./estimator.js";

const estimator = new PlannerEstimator(defaultCatalog());
function job(labels: Record<string, string>, gpuType = "h100-sxm5-80gb", run: unknown = { command: "train.sh" }): JobSpec {
  return JobSpec.parse({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: "j",
    tasks: [{ name: "main", replicas: 1, resources: { gpus: 8, gpuType } }],
    labels,
    run,
  });
}
function placement(gpus: number): Placement {
  return {
    tasks: Array.from({ length: gpus / 8 }, (_, i) => ({ task: "main", replica: i, node: `n${i}`, gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7] })),
  };
}

describe("PlannerEstimator (core's Estimator port)", () => {
  const labels = { [ESTIMATE_LABELS.model]: "llama-3-8b", [ESTIMATE_LABELS.tokens]: "1e10" };
  it("predicts a transformer job's duration from its labels and placement", () => {
    const e = estimator.estimate(job(labels), placement(8));
    expect(e).toBeDefined();
    expect(e!.durationS).toBeGreaterThan(0);
    expect(e!.basis).toMatch(/llama-3-8b/);
  });
  it("gets faster with more GPUs", () => {
    expect(estimator.estimate(job(labels), placement(64))!.durationS).toBeLessThan(
      estimator.estimate(job(labels), placement(8))!.durationS,
    );
  });
  it("knows the built-in sentiment workload", () => {
    const e = estimator.estimate(job({}, "l4-24gb", { workload: "sentiment-train", args: { epochs: 2 } }), {
      tasks: [{ task: "main", replica: 0, node: "n", gpuIndices: [0] }],
    });
    expect(e?.basis).toMatch(/imdb-sentiment-lstm, 50000 samples/);
  });
  it("declines what it cannot model", () => {
    expect(estimator.estimate(job({}), placement(8))).toBeUndefined();
    expect(estimator.estimate(job(labels, "h900"), placement(8))).toBeUndefined();
  });
});

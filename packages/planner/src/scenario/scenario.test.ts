import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultCatalog } from "@aidc/core";
import { planInference } from "./infer.js";
import { parseScenario } from "./parse.js";
import { scenarioJsonSchemas, type TrainingScenario } from "./schemas.js";
import { planTraining } from "./train.js";

const catalog = defaultCatalog();
const dir = fileURLToPath(new URL("../../../../examples/scenarios/", import.meta.url));

function training(over: Record<string, unknown> = {}): TrainingScenario {
  const base = {
    apiVersion: "aidc/v1",
    kind: "TrainingScenario",
    name: "t",
    model: "llama-2-70b",
    seqLen: 4096,
    hardware: { accelerator: "h100-sxm5-80gb", count: 64 },
    training: { tokens: 1e12, globalBatch: 256 },
    parallelism: { tp: 8, pp: 2, microBatch: 1, recompute: "selective" },
    ...over,
  };
  const r = parseScenario(base);
  expect(r.issues).toEqual([]);
  return r.scenario!.value as TrainingScenario;
}

describe("scenario examples", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
  it.each(files)("%s parses and plans", (f) => {
    const r = parseScenario(parse(readFileSync(dir + f, "utf8")));
    expect(r.issues).toEqual([]);
    const s = r.scenario!;
    if (s.kind === "TrainingScenario") expect(planTraining(s.value, catalog).issues).toEqual([]);
    if (s.kind === "InferenceScenario") expect(planInference(s.value, catalog).issues).toEqual([]);
  });
  it("includes the reference sentiment model on one GPU and a 405B-class model on thousands", () => {
    const docs = files.map((f) => parse(readFileSync(dir + f, "utf8")) as { model?: string; hardware?: { count?: number } });
    expect(docs.some((d) => d.model === "imdb-sentiment-lstm" && d.hardware?.count === 1)).toBe(true);
    expect(docs.some((d) => d.model === "llama-3.1-405b" && (d.hardware?.count ?? 0) >= 1000)).toBe(true);
  });
});

describe("bad scenarios give issues with paths, not exceptions", () => {
  it("rejects schema violations with their path", () => {
    const r = parseScenario({
      apiVersion: "aidc/v1",
      kind: "TrainingScenario",
      name: "x",
      model: "m",
      hardware: { accelerator: "a", count: 0 },
      training: {},
    });
    expect(r.issues.map((i) => i.path)).toContain("hardware.count");
  });
  it("names an unknown model and accelerator", () => {
    const r = planTraining(training({ model: "gpt-9", hardware: { accelerator: "h900", count: 64 } }), catalog);
    expect(r.issues.map((i) => i.path).sort()).toEqual(["hardware.accelerator", "model"]);
    expect(r.issues[0]!.message).toMatch(/unknown/);
  });
  it("rejects a TP degree that does not divide the heads", () => {
    const r = planTraining(
      training({
        parallelism: { tp: 3, pp: 1, dp: 21 },
        hardware: { accelerator: "h100-sxm5-80gb", count: 63 },
        training: { globalBatch: 63 },
      }),
      catalog,
    );
    expect(r.issues.map((i) => i.path)).toContain("parallelism.tp");
    expect(r.issues.find((i) => i.path === "parallelism.tp")!.message).toMatch(/does not divide the 64 attention heads/);
  });
  it("rejects a batch that cannot fit in memory", () => {
    const r = planTraining(
      training({ parallelism: { tp: 1, pp: 1, microBatch: 8, recompute: "none", zeroStage: 0 }, training: { globalBatch: 512 } }),
      catalog,
    );
    expect(r.issues.map((i) => i.code)).toEqual(["does_not_fit"]);
    expect(r.issues[0]!.message).toMatch(/GB per GPU.*usable of/);
  });
  it("names the field of an illegal new knob", () => {
    const bad = (parallelism: Record<string, unknown>): string[] =>
      planTraining(training({ parallelism: { tp: 8, pp: 2, ...parallelism } }), catalog).issues.map((i) => i.path);
    expect(bad({ recompute: "selective", recomputeLayers: 4 })).toContain("parallelism.recomputeLayers");
    expect(bad({ recompute: "full", recomputeLayers: 99 })).toContain("parallelism.recomputeLayers");
    expect(bad({ sequenceParallel: true, tpComm: "allreduce" })).toContain("parallelism.tpComm");
    expect(bad({ firstStageLayers: 70, lastStageLayers: 30 })).toContain("parallelism.firstStageLayers");
    const r = parseScenario({ ...training(), parallelism: { tp: 8, pp: 2, rankOrder: ["tp", "tp", "dp", "pp"] } });
    expect(r.issues.map((i) => i.path)).toContain("parallelism.rankOrder");
  });
  it("respects every stated knob (uneven stages, overlap modes, offloads, rank order) instead of searching it", () => {
    const knobs = {
      firstStageLayers: 39,
      lastStageLayers: 41,
      tpOverlap: "ring",
      tpComm: "rs-ag",
      dpOverlap: false,
      offloadOptimizer: true,
      rankOrder: ["tp", "cp", "pp", "dp"],
      recompute: "full",
      recomputeLayers: 10,
    } as const;
    const p = planTraining(training({ parallelism: { tp: 8, pp: 2, ...knobs } }), catalog).plan!;
    expect(p.parallel).toMatchObject(knobs);
    expect(p.estimate!.stageLayers).toEqual([39, 41]);
  });
  it("reports the TFLOPS under a stated FLOP convention", () => {
    const a = planTraining(training(), catalog).plan!;
    const b = planTraining(training({ flopConvention: { causalAttention: true, includeRecompute: false } }), catalog).plan!;
    expect(a.reported).toBeUndefined();
    expect(b.reported!.tflopsPerGpu).toBeLessThan(b.estimate!.modelTflopsPerGpu);
  });
  it("rejects a parallelism whose product is not the GPU count", () => {
    const r = planTraining(training({ parallelism: { tp: 8, pp: 2, dp: 8 } }), catalog);
    expect(r.issues.map((i) => i.path)).toContain("parallelism");
  });
});

describe("training plans", () => {
  it("lists every assumption, marks overrides and lets them change the estimate", () => {
    const a = planTraining(training(), catalog).plan!;
    const b = planTraining(training({ assumptions: { stepOverheadS: 0.5 } }), catalog).plan!;
    expect(a.assumptions.length).toBeGreaterThan(15);
    expect(b.assumptions.find((x) => x.name === "stepOverheadS")).toMatchObject({ value: 0.5, overridden: true });
    expect(b.estimate!.stepTimeS).toBeGreaterThan(a.estimate!.stepTimeS);
  });
  it("turns tokens into days, GPU-hours, energy, CO2e and cost consistently", () => {
    const p = planTraining(training(), catalog).plan!;
    const t = p.totals!;
    expect(t.gpuHours).toBeCloseTo(t.wallClockDays * 24 * 64, 3);
    expect(t.co2eTonnes).toBeCloseTo(t.energyMWh * 0.385, 6);
    expect(t.costUsd).toBeCloseTo(t.gpuHours * 2, 3);
  });
  it("searches when asked and returns the best configuration first", () => {
    const p = planTraining(training(), catalog, { search: true }).plan!;
    expect(p.search!.top[0]!.estimate.stepTimeS).toBeLessThanOrEqual(planTraining(training(), catalog).plan!.estimate!.stepTimeS);
  });
});

describe("scenario JSON Schemas", () => {
  it("are generated for every kind with apiVersion and kind required", () => {
    const all = scenarioJsonSchemas();
    for (const schema of Object.values(all))
      expect((schema as { required: string[] }).required).toEqual(expect.arrayContaining(["apiVersion", "kind", "name"]));
  });
});

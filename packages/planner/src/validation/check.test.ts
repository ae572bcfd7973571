import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultCatalog } from "@aidc/core";
import { fixture } from "../../../../test/support/data.js";
import { checkValidation, type CheckReport } from "./check.js";
import { parseConventions } from "./conventions.js";
import type { ValidationEntry } from "./entry.js";

// the planner validation set, committed whole under examples/data, and the per-source conventions beside it
const file = fixture("planner-validation.yaml");
const entries = (parse(readFileSync(file, "utf8")) as { entries: ValidationEntry[] }).entries;
const conventions = parseConventions(parse(readFileSync(fixture("planner-conventions.yaml"), "utf8"))).table;
const catalog = defaultCatalog();
const report: CheckReport = checkValidation(entries, catalog, { conventions });
const kind = (k: string) => report.summary.byKind[k]!;

/** Targets reached on the developer split (see the issue note); the predictions themselves are never stored. */
describe("plan check on planner-validation.yaml", () => {
  it("predicts at least 90% of the numeric measured keys of the scored kinds", () => {
    expect(report.summary.coverage).toBeGreaterThanOrEqual(0.9);
  });
  it("keeps the median error within the issue's acceptance targets (shipped defaults)", () => {
    expect(kind("training_throughput").medianAbsErrorPct!).toBeLessThanOrEqual(10);
    expect(kind("training_step_time").medianAbsErrorPct!).toBeLessThanOrEqual(10);
    expect(kind("training_memory").medianAbsErrorPct!).toBeLessThanOrEqual(12);
    expect(kind("inference_throughput").medianAbsErrorPct!).toBeLessThanOrEqual(15);
    expect(kind("inference_latency").medianAbsErrorPct!).toBeLessThanOrEqual(15);
    expect(kind("gpu_hours_energy").medianAbsErrorPct!).toBeLessThanOrEqual(25);
    expect(kind("mlperf_training").medianAbsErrorPct!).toBeLessThanOrEqual(25);
    // one published estimate (SC'21's GPT-3 on 1,024 A100), predicted from the model's own throughput on a searched
    // layout (the entry's stated 140 TFLOP/s is no longer echoed): it carries the step-time model's error there
    expect(kind("time_to_train").medianAbsErrorPct!).toBeLessThanOrEqual(35);
  });
  it("predicts every stated training configuration, reporting the ones that do not fit", () => {
    const training = report.entries.filter((e) => e.kind === "training_throughput" || e.kind === "training_step_time");
    expect(training.every((e) => typeof e.fits === "boolean")).toBe(true);
    expect(report.summary.notFitting).toEqual([]);
  });
  it("reads hardware specifications exactly from the catalog", () => {
    expect(kind("hardware_spec").medianAbsErrorPct).toBe(0);
    expect(kind("hardware_spec").predicted / kind("hardware_spec").n).toBeGreaterThan(0.9);
  });
  it("predicts the same without the measured values (they are only used for the error)", () => {
    const blind = entries.map((e) => ({ ...e, measured: Object.fromEntries(Object.keys(e.measured ?? {}).map((k) => [k, null])) }));
    const again = checkValidation(blind, catalog, { conventions });
    report.entries.forEach((e, i) => {
      for (const [k, v] of Object.entries(e.predicted)) if (!k.includes(".")) expect(again.entries[i]!.predicted[k]).toEqual(v);
    });
    expect(again.entries.every((e) => Object.keys(e.errorPct).length === 0)).toBe(true);
  });
  it("has the JSON shape of the issue", () => {
    const e = report.entries.find((x) => x.kind === "hardware_spec")!;
    expect(Object.keys(e).sort()).toEqual(["errorPct", "id", "kind", "measured", "predicted"]);
    const t = report.entries.find((x) => x.kind === "training_throughput")!;
    expect(typeof t.fits).toBe("boolean");
    expect(report.summary.notFitting).toEqual(report.entries.filter((x) => x.fits === false).map((x) => x.id));
    expect(Object.keys(kind("training_throughput")).sort()).toEqual(["meanAbsErrorPct", "medianAbsErrorPct", "n", "predicted"]);
  });
});

describe("plan check without a measured block", () => {
  it("predicts the kind's usual keys", () => {
    const { measured: _m, ...entry } = entries.find((e) => e.kind === "training_throughput")!;
    const r = checkValidation([entry as ValidationEntry], catalog, { conventions });
    expect(typeof r.entries[0]!.predicted["tokens_per_sec_per_gpu"]).toBe("number");
    expect(r.entries[0]!.errorPct).toEqual({});
  });
});

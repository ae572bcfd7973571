import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fixture } from "../../../../test/support/data.js";
import { defaultCatalog } from "@aidc/core";
import { applyConventions, parseConventions, type ConventionsTable } from "./conventions.js";
import { trainingCase } from "./predict-training.js";
import type { ValidationEntry } from "./entry.js";

const table: ConventionsTable = {
  old: {
    reason: "an old stack that counted recompute",
    conventions: { flops: "hardware" },
    stack: { flash_attention: false, tp_overlap: "none" },
    accounting: { pue: 1.2 },
  },
  mirror: { reason: "a mirror of the old source", conventions: { flops: "model", attention: "causal" } },
  serve: {
    reason: "a serving benchmark",
    conventions: { throughput_per: "gpu" },
    by_precision: { fp8: { reason: "its FP8 rows ran an FP8 KV cache", stack: { kv_cache_precision: "fp8" } } },
  },
};
const entry = (over: Partial<ValidationEntry>): ValidationEntry => ({ id: "e", kind: "training_throughput", ...over });

describe("per-source conventions", () => {
  it("fills an entry from its source; source.ref wins over source.also; the entry's own fields win over both", () => {
    const e = applyConventions(entry({ source: { ref: "old", also: "mirror" }, stack: { flash_attention: true } }), table);
    expect(e.conventions).toEqual({ flops: "hardware", attention: "causal" });
    expect(e.stack).toEqual({ flash_attention: true, tp_overlap: "none" });
    expect(e.accounting).toEqual({ pue: 1.2 });
  });
  it("applies a by_precision block only to entries of that precision", () => {
    const fp8 = applyConventions(entry({ kind: "inference_throughput", source: { ref: "serve" }, precision: "FP8 (TRT)" }), table);
    const fp16 = applyConventions(entry({ kind: "inference_throughput", source: { ref: "serve" }, precision: "fp16" }), table);
    expect(fp8.stack?.kv_cache_precision).toBe("fp8");
    expect(fp16.stack?.kv_cache_precision).toBeUndefined();
    expect(fp16.conventions?.throughput_per).toBe("gpu");
  });
  it("gives a source the file does not list nothing but the defaults", () => {
    const e = applyConventions(entry({ source: { ref: "unknown" } }), table);
    expect([e.conventions, e.stack, e.accounting]).toEqual([{}, {}, {}]);
  });
  it("a source's recomputation fixes what its entries leave open; without one the fastest that fits is chosen, partial included", () => {
    const catalog = defaultCatalog();
    const e = entry({
      source: { ref: "r" },
      model: {
        family: "Llama 3.1",
        params_b: 405,
        layers: 126,
        hidden: 16384,
        heads: 128,
        kv_heads: 8,
        ffn_hidden: 53248,
        vocab: 128256,
        seq_len: 8192,
      },
      hardware: { accelerator: "H100-SXM5-80GB", count: 1024 },
      parallelism: { tp: 8, pp: 16, dp: 8, micro_batch: 1, global_batch_seqs: 1024 },
      precision: "bf16",
    });
    const open = trainingCase(catalog, e)!;
    // activations of 16-deep 1F1B at 8K do not fit without recomputation: only some layers per stage recompute
    expect(open.parallel.recompute).toBe("full");
    expect(open.parallel.recomputeLayers).toBeGreaterThan(0);
    expect(open.fits).toBe(true);
    const full = trainingCase(
      catalog,
      applyConventions(e, { r: { reason: "a source that recomputed every layer", stack: { recompute: "full" } } }),
    )!;
    expect(full.parallel.recompute).toBe("full");
    expect(full.parallel.recomputeLayers).toBeUndefined();
    expect(full.estimate.stepTimeS).toBeGreaterThan(open.estimate.stepTimeS);
  });
  it("reports a wrong field or value with its path", () => {
    const r = parseConventions({
      apiVersion: "aidc/v1",
      kind: "PlannerConventions",
      sources: { x: { reason: "long enough reason", stack: { flash_attn: true }, accounting: { pue: 0.5 } } },
    });
    expect(r.table).toBeUndefined();
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain("sources.x.stack.flash_attn");
    expect(paths).toContain("sources.x.accounting.pue");
  });
  it("parses the committed file, and every source has its reason", () => {
    const r = parseConventions(parse(readFileSync(fixture("planner-conventions.yaml"), "utf8")));
    expect(r.issues).toEqual([]);
    for (const s of Object.values(r.table ?? {})) expect(s.reason.length).toBeGreaterThan(40);
  });
});

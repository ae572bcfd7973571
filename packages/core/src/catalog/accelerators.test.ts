import { existsSync, readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import { parse } from "yaml";
import { fixture } from "../../../../test/support/data.js";
import type { Accelerator } from "../schemas/accelerator.js";
import { buildCatalog } from "./catalog.js";
import { CATALOG_FILES } from "./data.generated.js";
import { defaultCatalog } from "./default.js";

/** The planner validation set, committed whole under examples/data. */
const VALIDATION_SET = fixture("planner-validation.yaml");

interface ValidationEntry {
  id: string;
  kind: string;
  hardware?: { accelerator?: string };
  measured?: Record<string, unknown>;
}

/** Validation-set field -> how to read the same figure from a catalog accelerator. */
const FIELD_MAP: Record<string, (a: Accelerator) => number | undefined> = {
  bf16_dense_tflops: (a) => a.dense.bf16Tflops,
  bf16_peak_tflops: (a) => a.dense.bf16Tflops,
  fp16_dense_tflops: (a) => a.dense.fp16Tflops,
  fp8_dense_tflops: (a) => a.dense.fp8Tflops,
  fp4_dense_tflops: (a) => a.dense.fp4Tflops,
  tf32_dense_tflops: (a) => a.dense.tf32Tflops,
  fp64_tensor_tflops: (a) => a.dense.fp64Tflops,
  fp64_tflops: (a) => a.dense.fp64Tflops,
  int8_dense_tops: (a) => a.dense.int8Tops,
  int8_peak_tops: (a) => a.dense.int8Tops,
  hbm_gb: (a) => a.memoryGB,
  hbm_gib: (a) => a.memoryGB,
  hbm_bw_gb_s: (a) => a.memoryBandwidthGBps,
  nvlink_bidir_gb_s: (a) => a.scaleUp?.bidirGBps,
  nvlink_links: (a) => a.scaleUp?.links,
  tdp_w: (a) => a.tdpW,
};

/** Fields that only an accelerator entry carries (DGX boxes, racks and switches have none of them). */
const ACCELERATOR_MARKERS = ["bf16_dense_tflops", "bf16_peak_tflops", "hbm_gb", "hbm_gib", "hbm_bw_gb_s"];

function hardwareSpecs(): ValidationEntry[] {
  if (!existsSync(VALIDATION_SET)) throw new Error(`validation set not found at ${VALIDATION_SET}`);
  const doc = parse(readFileSync(VALIDATION_SET, "utf8")) as unknown;
  const entries = Array.isArray(doc) ? doc : ((doc as { entries?: unknown }).entries ?? (doc as { items?: unknown }).items);
  const list = Array.isArray(entries) ? (entries as ValidationEntry[]) : findEntryList(doc);
  return list.filter((e) => e.kind === "hardware_spec");
}

/** The validation file's top-level layout is not fixed here: find the array whose items carry `kind`. */
function findEntryList(doc: unknown): ValidationEntry[] {
  if (doc === null || typeof doc !== "object") return [];
  for (const v of Object.values(doc as Record<string, unknown>)) {
    if (Array.isArray(v) && v.some((x) => x !== null && typeof x === "object" && "kind" in x)) return v as ValidationEntry[];
  }
  return [];
}

/** One plain name per required accelerator (the brief's list). */
const REQUIRED = [
  "V100 SXM2 16GB",
  "V100 SXM2 32GB",
  "A100 SXM4 40GB",
  "A100 SXM4 80GB",
  "A100 PCIe 40GB",
  "A100 PCIe 80GB",
  "H100 SXM5 80GB",
  "H100 PCIe 80GB",
  "H200 SXM 141GB",
  "B200 HGX",
  "B200 GB200",
  "L4",
  "L40S",
  "T4",
  "A10",
  "MI250X",
  "MI300X",
  "MI325X",
  "TPU v4",
  "TPU v5e",
  "TPU v5p",
  "Gaudi 2",
  "Gaudi 3",
];

/** Bare names that must resolve to one specific variant. */
const BARE_NAMES: Record<string, string> = {
  a100: "a100-sxm4-80gb",
  h100: "h100-sxm5-80gb",
  v100: "v100-sxm2-32gb",
  b200: "b200-hgx",
  gb200: "b200-gb200",
  "AMD MI300X": "mi300x-192gb",
  "Google TPU v5e": "tpu-v5e",
  "Intel Gaudi 3": "gaudi3-128gb",
};

describe("accelerator catalog", () => {
  it("loads without issues", () => {
    const { catalog, issues } = buildCatalog(CATALOG_FILES);
    expect(issues).toEqual([]);
    expect(catalog.accelerators.length).toBeGreaterThanOrEqual(REQUIRED.length);
  });

  it("agrees exactly with every hardware_spec entry of the validation set", () => {
    const catalog = defaultCatalog();
    const mismatches: string[] = [];
    const unresolved: string[] = [];
    let comparedEntries = 0;
    let comparedFields = 0;
    for (const entry of hardwareSpecs()) {
      const measured = entry.measured ?? {};
      const name = entry.hardware?.accelerator;
      if (name === undefined || !ACCELERATOR_MARKERS.some((f) => f in measured)) continue;
      const r = catalog.lookup(name, "Accelerator");
      if (!r.found) {
        unresolved.push(
          `${entry.id}: "${name}" (ambiguous: ${r.ambiguous.join(", ") || "-"}; suggestions: ${r.suggestions.join(", ") || "-"})`,
        );
        continue;
      }
      let fields = 0;
      for (const [field, expected] of Object.entries(measured)) {
        const read = FIELD_MAP[field];
        if (read === undefined || typeof expected !== "number") continue;
        const actual = read(r.item);
        fields++;
        if (actual !== expected)
          mismatches.push(`${entry.id} (${r.item.id}): ${field} expected ${expected}, catalog has ${String(actual)}`);
      }
      if (fields > 0) comparedEntries++;
      comparedFields += fields;
    }
    expect(unresolved).toEqual([]);
    expect(mismatches).toEqual([]);
    expect(comparedEntries).toBeGreaterThanOrEqual(7);
    expect(comparedFields).toBeGreaterThanOrEqual(40);
  });

  it("holds every required accelerator, found by a plain name", () => {
    const catalog = defaultCatalog();
    const missing = REQUIRED.filter((n) => !catalog.lookup(n, "Accelerator").found);
    expect(missing).toEqual([]);
    const found = REQUIRED.map((n) => {
      const r = catalog.lookup(n, "Accelerator");
      return r.found ? r.item.id : n;
    });
    expect(new Set(found).size).toBe(REQUIRED.length);
  });

  it("gives bare names to the intended variant", () => {
    const catalog = defaultCatalog();
    for (const [name, id] of Object.entries(BARE_NAMES)) {
      const r = catalog.lookup(name, "Accelerator");
      expect(r.found ? r.item.id : `not found: ${name}`).toBe(id);
    }
  });

  it("stores dense (not 2:4 sparse) peaks", () => {
    const suspicious: string[] = [];
    for (const a of defaultCatalog().accelerators) {
      const d = a.dense;
      // the 16-bit tensor peak: BF16, or FP16 on parts without BF16 (V100, T4)
      const half = d.bf16Tflops ?? d.fp16Tflops ?? 0;
      // FP8 never runs slower than BF16 (Gaudi 3 and TPU v5p state the two peaks as equal).
      if (d.fp8Tflops !== undefined && half > d.fp8Tflops) suspicious.push(`${a.id}: bf16 ${half} > fp8 ${d.fp8Tflops}`);
      if (d.fp16Tflops !== undefined && d.fp16Tflops > 2 * half) suspicious.push(`${a.id}: fp16 ${d.fp16Tflops} > 2x bf16`);
      // A sparse figure slipped into one field shows up as a jump of more than 2x over its neighbour (1% slack for rounding).
      // Blackwell Ultra is the exception: its NVFP4 rate is 1.5x Blackwell's while FP8 stays, so fp4 = 3x fp8 (dense).
      const fp4Ratio = a.generation === "Blackwell Ultra" ? 3.02 : 2.02;
      if (d.fp4Tflops !== undefined && d.fp8Tflops !== undefined && d.fp4Tflops > fp4Ratio * d.fp8Tflops)
        suspicious.push(`${a.id}: fp4 > 2x fp8`);
      if (d.fp8Tflops !== undefined && d.fp8Tflops > 2.02 * half) suspicious.push(`${a.id}: fp8 > 2x bf16`);
      if (d.tf32Tflops !== undefined && d.tf32Tflops > half) suspicious.push(`${a.id}: tf32 > bf16`);
    }
    expect(suspicious).toEqual([]);
  });

  it("omits scale-up links for bridgeless PCIe cards and keeps them for the rest", () => {
    const catalog = defaultCatalog();
    for (const name of ["T4", "L4", "L40S", "A10", "V100 PCIe 16GB", "V100 PCIe 32GB"]) {
      const r = catalog.lookup(name, "Accelerator");
      expect(r.found && r.item.scaleUp === undefined, name).toBe(true);
    }
    for (const a of catalog.accelerators) {
      if (a.formFactor !== "pcie") expect(a.scaleUp, a.id).toBeDefined();
    }
  });
});

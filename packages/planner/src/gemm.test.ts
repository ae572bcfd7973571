import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { gemmCurve, gemmEff, gemmMaxFor, gemmS } from "./gemm.js";
import { hardwareProfile } from "./hardware.js";

const catalog = defaultCatalog();
const h100 = hardwareProfile(catalog.get("h100-sxm5-80gb", "Accelerator"), catalog);
const a100 = hardwareProfile(catalog.get("a100-sxm4-80gb", "Accelerator"), catalog);

describe("GEMM efficiency curves", () => {
  it("knows the catalog's generations", () => {
    for (const g of ["Volta", "Ampere", "Hopper", "Blackwell", "CDNA 3", "TPU v5p", "Gaudi 3"]) expect(gemmMaxFor(g)).toBeDefined();
    expect(gemmMaxFor("Unknown")).toBeUndefined();
  });
  it("loses efficiency on a skinny GEMM (few tokens or a narrow TP shard), not on a large one", () => {
    const c = gemmCurve(h100, "bf16", DEFAULT_ASSUMPTIONS);
    const large = gemmEff(c, 8192, 8192, 8192);
    expect(large).toBeGreaterThan(0.9 * c.maxEff);
    expect(gemmEff(c, 64, 8192, 8192)).toBeLessThan(0.5 * large);
    expect(gemmEff(c, 8192, 128, 8192)).toBeLessThan(0.7 * large);
  });
  it("runs FP8 faster than BF16 but below the 2x peak ratio", () => {
    const b = gemmS(gemmCurve(h100, "bf16", DEFAULT_ASSUMPTIONS), 8192, 8192, 8192);
    const f = gemmS(gemmCurve(h100, "fp8", DEFAULT_ASSUMPTIONS), 8192, 8192, 8192);
    expect(b / f).toBeGreaterThan(1.4);
    expect(b / f).toBeLessThan(2);
    // Ampere has no FP8 tensor path: an fp8 recipe runs at the 16-bit rate
    expect(gemmCurve(a100, "fp8", DEFAULT_ASSUMPTIONS).peakFlops).toBe(gemmCurve(a100, "bf16", DEFAULT_ASSUMPTIONS).peakFlops);
  });
});

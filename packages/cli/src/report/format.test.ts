import { describe, expect, it } from "vitest";
import { bytes, count, duration, label, money, percent, si, siUnit } from "./format.js";

describe("human numbers", () => {
  it("SI prefixes with three significant digits", () => {
    expect(si(2.201e6, "tokens/s")).toBe("2.20 M tokens/s");
    expect(si(4.032e7, "GPU-hours")).toBe("40.3 M GPU-hours");
    expect(si(134)).toBe("134");
    expect(si(999_999)).toBe("1.00 M");
    expect(si(12_288)).toBe("12.3 k");
    expect(si(0.0421, "s")).toBe("0.0421 s");
    expect(si(0)).toBe("0");
    expect(si(Number.NaN)).toBe("—");
    expect(siUnit(352.7e12, "FLOP/s")).toBe("353 TFLOP/s");
    expect(siUnit(5.706e6, "W")).toBe("5.71 MW");
  });

  it("money", () => {
    expect(money(1.008e8)).toBe("$100.8 M");
    expect(money(8254)).toBe("$8,254");
    expect(money(35.4e6)).toBe("$35.40 M");
    expect(money(2.5)).toBe("$2.5");
    expect(money(254_100)).toBe("$254.1 k");
    expect(money(25_410)).toBe("$25.41 k");
    expect(money(1.24e9)).toBe("$1.24 B");
    expect(money(-3e6)).toBe("-$3.00 M");
  });

  it("durations in at most two units", () => {
    expect(duration(3 * 86400 + 4 * 3600 + 120)).toBe("3 d 4 h");
    expect(duration(102.5 * 86400)).toBe("102 d 12 h");
    expect(duration(7.623)).toBe("7.62 s");
    expect(duration(725)).toBe("12 min 5 s");
    expect(duration(3600)).toBe("1 h");
    expect(duration(3599.9)).toBe("1 h");
    expect(duration(0.6967)).toBe("697 ms");
    expect(duration(0.0003219)).toBe("322 µs");
    expect(duration(0)).toBe("0 s");
  });

  it("sizes, counts, percentages", () => {
    expect(bytes(26.3e9)).toBe("26.3 GB");
    expect(bytes(99.4e12)).toBe("99.4 TB");
    expect(bytes(512)).toBe("512 B");
    expect(count(12288)).toBe("12,288");
    expect(percent(0.356)).toBe("35.6 %");
  });

  it("labels from camelCase field names, without unit suffixes", () => {
    expect(label("computeS")).toBe("compute");
    expect(label("tensorParallelCommS")).toBe("tensor parallel comm");
    expect(label("pipelineP2pS")).toBe("pipeline p2p");
    expect(label("expertAllToAllS")).toBe("expert all to all");
    expect(label("energyUsdPerYear")).toBe("energy usd per year");
    expect(label("capexUsd")).toBe("capex");
    expect(label("overheadS")).toBe("overhead");
  });
});

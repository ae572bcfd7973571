import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.testing.js";
import { describeWithShared, fixture, sharedPath } from "../../../../test/support/data.js";

// the committed NAB slice (8 series) and the full 30-file subset next to the checkout
const NAB = fixture("nab");

const run = (...argv: string[]) => runCli(argv);

interface EvalJson {
  files: Record<string, unknown>[];
  overall: Record<string, number>;
}

/** `anomaly eval --json` on a folder: the documented shape, and the ensemble's NAB score vs the static baseline. */
async function evalJson(folder: string, files: number): Promise<{ ours: EvalJson; base: EvalJson }> {
  const r = await run("anomaly", "eval", "--data", folder, "--json");
  expect(r.code).toBe(0);
  const ours = JSON.parse(r.out) as EvalJson;
  expect(Object.keys(ours)).toEqual(["files", "overall"]);
  expect(ours.files.length).toBe(files);
  for (const f of ours.files) expect(Object.keys(f)).toEqual(["file", "nabStandard", "precision", "recall", "f1"]);
  expect(Object.keys(ours.overall).sort()).toEqual(["f1", "nabLowFn", "nabLowFp", "nabStandard", "precision", "recall"]);
  const base = JSON.parse((await run("anomaly", "eval", "--data", folder, "--detector", "static", "--json")).out) as EvalJson;
  expect(ours.overall["nabStandard"]).toBeGreaterThan((base.overall["nabStandard"] ?? 0) + 10);
  return { ours, base };
}

describe("aidc anomaly eval on the committed NAB slice (examples/data/nab)", () => {
  it("prints exactly the documented JSON, and our ensemble beats the static-threshold baseline", async () => {
    const { ours } = await evalJson(NAB, 8);
    // every labelled window of the slice is found
    expect(ours.overall["recall"]).toBe(1);
  });

  it("prints a per-file table and the overall line when piped", async () => {
    const r = await run("anomaly", "eval", "--data", NAB, "--detector", "ewma");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]?.split("\t")).toEqual(["FILE", "WINDOWS", "DETECTED", "FP ROWS", "NAB STD", "PRECISION", "RECALL", "F1"]);
    expect(r.out).toMatch(/overall \(8 files, detector ewma\): NAB standard -?\d/);
  });
});

describeWithShared("nab", "aidc anomaly eval on the full NAB subset (30 files)", () => {
  it("prints the documented JSON; the ensemble beats the static baseline on NAB score and F1", async () => {
    const { ours, base } = await evalJson(sharedPath("nab"), 30);
    expect(ours.overall["f1"]).toBeGreaterThan(base.overall["f1"] ?? 0);
  });

  it("prints the overall line for all 30 files when piped", async () => {
    const r = await run("anomaly", "eval", "--data", sharedPath("nab"), "--detector", "ewma");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/overall \(30 files, detector ewma\): NAB standard -?\d/);
  });
});

describe("aidc anomaly eval: bad input", () => {
  it("exits 2 for a missing folder or an unknown detector", async () => {
    const missing = await run("anomaly", "eval", "--data", "/nonexistent/nab");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--data: no such folder");
    const unknown = await run("anomaly", "eval", "--data", NAB, "--detector", "htm", "--json");
    expect(unknown.code).toBe(2);
    expect((JSON.parse(unknown.out) as { error: { issues: { path: string }[] } }).error.issues[0]?.path).toBe("--detector");
  });
});

describe("aidc anomaly detect", () => {
  it("lists the alarms of one CSV, here exactly the injected spike", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "aidc-detect-")), "cpu.csv");
    const rows = Array.from({ length: 1500 }, (_, i) => {
      const t = new Date(Date.UTC(2026, 0, 1) + i * 300_000).toISOString().slice(0, 19).replace("T", " ");
      return `${t},${i === 1200 ? 95 : 40 + ((i * 37) % 11) / 10}`;
    });
    writeFileSync(file, `timestamp,value\n${rows.join("\n")}\n`);
    const r = await run("anomaly", "detect", "--file", file, "--detector", "ewma", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { rows: number; alarms: { row: number; value: number }[] };
    expect(doc.rows).toBe(1500);
    expect(doc.alarms.map((a) => [a.row, a.value])).toEqual([[1200, 95]]);
    expect((await run("anomaly", "detect", "--file", file, "--threshold", "2")).code).toBe(2);
  });
});

import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.testing.js";

const NAB = fileURLToPath(new URL("../../../../../shared/data/nab", import.meta.url));

const run = (...argv: string[]) => runCli(argv);

interface EvalJson {
  files: Record<string, unknown>[];
  overall: Record<string, number>;
}

describe.skipIf(!existsSync(NAB))("aidc anomaly eval on ../shared/data/nab (skipped when the shared data is absent)", () => {
  it("prints exactly the documented JSON, and our ensemble beats the static-threshold baseline", async () => {
    const ours = await run("anomaly", "eval", "--data", NAB, "--json");
    expect(ours.code).toBe(0);
    const doc = JSON.parse(ours.out) as EvalJson;
    expect(Object.keys(doc)).toEqual(["files", "overall"]);
    expect(doc.files.length).toBe(30);
    for (const f of doc.files) expect(Object.keys(f)).toEqual(["file", "nabStandard", "precision", "recall", "f1"]);
    expect(Object.keys(doc.overall).sort()).toEqual(["f1", "nabLowFn", "nabLowFp", "nabStandard", "precision", "recall"]);
    const base = JSON.parse((await run("anomaly", "eval", "--data", NAB, "--detector", "static", "--json")).out) as EvalJson;
    expect(doc.overall["nabStandard"]).toBeGreaterThan((base.overall["nabStandard"] ?? 0) + 10);
    expect(doc.overall["f1"]).toBeGreaterThan(base.overall["f1"] ?? 0);
  });

  it("prints a per-file table and the overall line when piped", async () => {
    const r = await run("anomaly", "eval", "--data", NAB, "--detector", "ewma");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]?.split("\t")).toEqual(["FILE", "WINDOWS", "DETECTED", "FP ROWS", "NAB STD", "PRECISION", "RECALL", "F1"]);
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

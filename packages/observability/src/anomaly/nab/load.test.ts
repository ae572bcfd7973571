import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DETECTORS } from "../registry.js";
import { evaluate } from "./evaluate.js";
import { loadNabFolder } from "./load.js";

/** A tiny NAB-like folder: one category, two files, hourly samples. */
function tinyCorpus(): string {
  const dir = mkdtempSync(join(tmpdir(), "aidc-nab-"));
  mkdirSync(join(dir, "cat"));
  const rows = (f: (i: number) => number): string =>
    "timestamp,value\n" +
    Array.from({ length: 200 }, (_, i) => {
      const h = String(i % 24).padStart(2, "0");
      const d = String(1 + Math.floor(i / 24)).padStart(2, "0");
      return `2020-01-${d} ${h}:00:00,${f(i)}`;
    }).join("\n");
  writeFileSync(
    join(dir, "cat", "a.csv"),
    rows((i) => (i >= 150 && i < 153 ? 100 : 1 + (i % 3))),
  );
  writeFileSync(
    join(dir, "cat", "b.csv"),
    rows((i) => 5 + (i % 2)),
  );
  writeFileSync(
    join(dir, "combined_windows.json"),
    JSON.stringify({ "cat/a.csv": [["2020-01-07 00:00:00.000000", "2020-01-07 12:00:00.000000"]], "cat/b.csv": [] }),
  );
  return dir;
}

describe("loadNabFolder", () => {
  it("reads any folder laid out like NAB's, and a detector can be scored on it", () => {
    const { series, issues } = loadNabFolder(tinyCorpus());
    expect(issues).toEqual([]);
    expect(series.map((s) => s.file)).toEqual(["cat/a.csv", "cat/b.csv"]);
    expect(series[0]?.windows).toEqual([{ startRow: 144, endRow: 156 }]);
    const r = evaluate(series, DETECTORS.static);
    expect(r.files.map((f) => f.file)).toEqual(["cat/a.csv", "cat/b.csv"]);
    expect(r.overall.recall).toBe(1);
  });

  it("reports a missing folder, missing labels or a bad row as issues", () => {
    expect(loadNabFolder("/nonexistent/nab").issues[0]?.code).toBe("not_found");
    const dir = tinyCorpus();
    writeFileSync(join(dir, "cat", "c.csv"), "timestamp,value\nyesterday,3\n");
    const { issues } = loadNabFolder(dir);
    expect(issues.map((i) => [i.code, i.path])).toEqual([["invalid_csv", "cat/c.csv"]]);
  });
});

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { fixture, fixturesDir } from "./data.js";

const lines = (rel: string): string[] => {
  const buf = readFileSync(fixture(rel));
  return (rel.endsWith(".gz") ? gunzipSync(buf) : buf).toString("utf8").trimEnd().split("\n");
};

function sizeOf(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const path = join(dir, name);
    const s = statSync(path);
    return sum + (s.isDirectory() ? sizeOf(path) : s.size);
  }, 0);
}

// The slices the READMEs in examples/data describe; a re-cut that changes them must update the READMEs and the tests.
describe("committed fixtures (examples/data)", () => {
  it("stay small: a few MB in all", () => {
    expect(sizeOf(fixturesDir)).toBeLessThan(4_000_000);
  });

  it("hold the rows their READMEs describe", () => {
    const train = lines("imdb/train.jsonl.gz").map((l) => JSON.parse(l) as { id: string; label: number; text: string });
    expect(train).toHaveLength(2000);
    expect(train.filter((r) => r.label === 1)).toHaveLength(1019);
    expect(lines("imdb/test.jsonl.gz")).toHaveLength(1000);
    const philly = lines("philly/philly_jobs.csv.gz");
    expect(philly[0]).toBe("timestamp,duration,num_gpus,gpu_time,cluster");
    expect(philly.slice(1)).toHaveLength(11_386);
    expect(philly.slice(1).every((r) => r >= "2017-10-02" && r < "2017-10-09")).toBe(true);
    expect(lines("openb/openb_pod_list_default.csv.gz").slice(1)).toHaveLength(8152);
    expect(lines("openb/openb_pod_list_gpuspec33.csv.gz").slice(1)).toHaveLength(400);
    expect(lines("openb/openb_pod_list_multigpu40.csv.gz").slice(1)).toHaveLength(200);
    for (const f of ["code", "conv"]) expect(lines(`azure-llm-inference-2023/AzureLLMInferenceTrace_${f}.csv.gz`)).toHaveLength(3001);
    expect(lines("tiresias/60_job.csv").slice(1)).toHaveLength(60);
  });

  it("NAB: every series has its labels and every label its series", () => {
    const windows = JSON.parse(readFileSync(fixture("nab/combined_windows.json"), "utf8")) as Record<string, unknown>;
    const labels = JSON.parse(readFileSync(fixture("nab/combined_labels.json"), "utf8")) as Record<string, unknown>;
    const csvs = readdirSync(fixture("nab"))
      .filter((d) => statSync(join(fixture("nab"), d)).isDirectory())
      .flatMap((d) => readdirSync(join(fixture("nab"), d)).map((f) => `${d}/${f}`))
      .sort();
    expect(csvs).toHaveLength(8);
    expect(Object.keys(windows).sort()).toEqual(csvs);
    expect(Object.keys(labels).sort()).toEqual(csvs);
  });

  it("every folder has a README saying where its data comes from and under which license", () => {
    for (const dir of readdirSync(fixturesDir).filter((d) => statSync(join(fixturesDir, d)).isDirectory())) {
      const readme = readFileSync(fixture(`${dir}/README.md`), "utf8");
      expect(readme, dir).toMatch(/\*\*Source/);
      expect(readme, dir).toMatch(/License/i);
      expect(readme, dir).toMatch(/cut/i);
    }
  });
});

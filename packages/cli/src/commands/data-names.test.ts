import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findDataset } from "../data/registry.js";
import { runCli } from "../run-cli.testing.js";

// Dataset names in train/eval/predict and anomaly: resolved through the cache ($XDG_CACHE_HOME/aidc/data), or exit 2
// with the fetch to run. The cache here is filled by hand with small stand-ins (every file of the dataset present).

let cache = "";
beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), "aidc-names-"));
  vi.stubEnv("XDG_CACHE_HOME", cache);
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(cache, { recursive: true, force: true });
});

function put(dataset: string, path: string, content: string | Buffer): void {
  const file = join(cache, "aidc", "data", dataset, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

const words = ["great", "awful", "superb", "boring", "lovely", "dull", "brilliant", "terrible"];
function reviews(n: number, offset: number): Buffer {
  const rows = Array.from({ length: n }, (_, i) => {
    const label = (i + offset) % 2;
    const w = words[((i + offset) % 4) * 2 + (label === 1 ? 0 : 1)] ?? "fine";
    return JSON.stringify({ id: `r${i + offset}`, label, text: `this film was ${w}, really ${w} from start to end` });
  });
  return gzipSync(`${rows.join("\n")}\n`);
}

describe("train/eval/predict with dataset names", () => {
  it("--data imdb that is not cached exits 2 and says which fetch to run", async () => {
    const r = await runCli(["train", "sentiment", "--data", "imdb", "--out", join(cache, "m")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("imdb: dataset imdb is not downloaded yet; run: aidc data fetch imdb\n");
  });

  it("trains on imdb (its train split) and evaluates on imdb/test once cached", async () => {
    put("imdb", "train.jsonl.gz", reviews(80, 0));
    put("imdb", "test.jsonl.gz", reviews(40, 1000));
    const out = join(cache, "model");
    const t = await runCli(["train", "sentiment", "--data", "imdb", "--eval-data", "imdb/test", "--out", out, "--json"]);
    expect(t.code).toBe(0);
    const manifest = (JSON.parse(t.out) as { manifest: { training: { rows: number }; metrics: Record<string, { n: number }> } }).manifest;
    expect(manifest.training.rows).toBe(80);
    expect(Object.values(manifest.metrics).map((m) => m.n)).toContain(40);
    const e = await runCli(["eval", "--model", out, "--data", "imdb/test", "--json"]);
    expect(e.code).toBe(0);
    expect((JSON.parse(e.out) as { n: number }).n).toBe(40);
  });

  it("predict, eval and explain with a --model that does not exist exit 2 naming it", async () => {
    for (const argv of [
      ["predict", "--model", "/nope", "a fine film"],
      ["explain", "--model", "/nope", "a fine film"],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv[0]).toBe(2);
      expect(r.err).toContain("Cannot load the model package /nope");
    }
  });
});

describe("anomaly with dataset names", () => {
  it("--data nab resolves to the cached folder; not cached exits 2 with the fetch to run", async () => {
    const missing = await runCli(["anomaly", "eval", "--data", "nab"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("run: aidc data fetch nab");

    const nab = findDataset("nab");
    const csvs = (nab?.files ?? []).map((f) => f.path).filter((p) => p.endsWith(".csv"));
    const series = [
      "timestamp,value",
      ...Array.from(
        { length: 300 },
        (_, i) => `2014-04-01 ${String(Math.floor(i / 12)).padStart(2, "0")}:${String((i % 12) * 5).padStart(2, "0")}:00,${i % 7}`,
      ),
    ];
    for (const p of csvs) put("nab", p, `${series.join("\n")}\n`);
    const none = JSON.stringify(Object.fromEntries(csvs.map((p) => [p, []])), null, 4);
    put("nab", "combined_windows.json", none);
    put("nab", "combined_labels.json", none);
    put("nab", "LICENSE.txt", "MIT");
    const r = await runCli(["anomaly", "eval", "--data", "nab", "--json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { files: unknown[] }).files).toHaveLength(csvs.length);
    const d = await runCli(["anomaly", "detect", "--file", "nab/realKnownCause/nyc_taxi", "--json"]);
    expect(d.code).toBe(0);
    expect((JSON.parse(d.out) as { rows: number }).rows).toBe(300);
  });
});

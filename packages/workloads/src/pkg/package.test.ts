import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readLabeled } from "../data/jsonl.js";
import { MANIFEST_FILE } from "./manifest.js";
import { loadModelPackage, ModelPackageError } from "./package.js";
import { trainSentiment } from "../sentiment.js";
import { fixture } from "../../../../test/support/data.js";

// the committed IMDB slice (2,000 train / 1,000 test rows); these tests use at most its first 1,000 rows
const IMDB = fixture("imdb");
const dir = mkdtempSync(join(tmpdir(), "aidc-pkg-"));

describe("model package", () => {
  it("save → load → predict gives identical scores; the manifest records how the model was made", async () => {
    const out = join(dir, "fast");
    const r = await trainSentiment({
      preset: "fast",
      dataPath: join(IMDB, "train.jsonl.gz"),
      outDir: out,
      limit: 1000,
      hyper: { bits: 18, epochs: 2 },
    });
    const m = r.manifest;
    expect(m).toMatchObject({ apiVersion: "aidc/v1", kind: "SentimentModel", preset: "fast", training: { rows: 1000 } });
    expect(m.hyper).toMatchObject({ bits: 18, epochs: 2, maxN: 3 });
    expect(m.training.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.metrics["train"]?.n).toBe(1000);
    expect(Object.keys(m.files).sort()).toEqual(["vocab.json", "weights.bin"]);
    const texts = (await readLabeled(join(IMDB, "test.jsonl.gz"), { limit: 100 })).texts;
    const loaded = await loadModelPackage(out);
    expect(Array.from(await loaded.model.predict(texts))).toEqual(Array.from(await r.model.predict(texts)));
    expect(loaded.manifest).toEqual(m);
  });

  it("refuses a corrupted, truncated, incomplete or foreign package with a clear error", async () => {
    const out = join(dir, "c");
    await trainSentiment({
      preset: "fast",
      dataPath: join(IMDB, "train.jsonl.gz"),
      outDir: out,
      limit: 200,
      hyper: { bits: 14, epochs: 1 },
    });
    const weights = join(out, "weights.bin");
    const good = readFileSync(weights);
    const flipped = Buffer.from(good);
    flipped[10] = (flipped[10] ?? 0) ^ 0xff;
    writeFileSync(weights, flipped);
    await expect(loadModelPackage(out)).rejects.toThrow(/weights\.bin is corrupted: sha256/);
    writeFileSync(weights, good.subarray(0, good.length - 4));
    await expect(loadModelPackage(out)).rejects.toThrow(/weights\.bin has \d+ bytes, the manifest says/);
    rmSync(weights);
    await expect(loadModelPackage(out)).rejects.toThrow(/weights\.bin is missing/);
    writeFileSync(weights, good);
    await expect(loadModelPackage(out)).resolves.toBeDefined();
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST_FILE), "utf8")) as Record<string, unknown>;
    writeFileSync(join(out, MANIFEST_FILE), JSON.stringify({ ...manifest, kind: "Cluster" }));
    await expect(loadModelPackage(out)).rejects.toThrow(/kind is "Cluster"/);
    const err = await loadModelPackage(join(dir, "nothing-here")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelPackageError);
    expect((err as ModelPackageError).code).toBe("MODEL_PACKAGE_INVALID");
    expect((err as Error).message).toMatch(/no manifest\.json/);
  });
});

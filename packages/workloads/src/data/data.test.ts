import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "@aidc/core";
import { describeWithShared, fixture, sharedPath } from "../../../../test/support/data.js";
import { readLabeled } from "./jsonl.js";
import { padSequences } from "./sequences.js";
import { permutation, validationSplit } from "./split.js";
import { INDEX_FROM, KerasTokenizer, OOV, START, kerasWords } from "./tokenizer.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-data-"));

describe("JSONL reader", () => {
  it("reads plain and gzip'd files alike (detected by content) and hashes the file bytes", async () => {
    const text = '{"text":"good","label":1}\n\n{"text":"bad","label":0}\n';
    writeFileSync(join(dir, "a.jsonl"), text);
    writeFileSync(join(dir, "a.data"), gzipSync(text));
    const plain = await readLabeled(join(dir, "a.jsonl"));
    const gz = await readLabeled(join(dir, "a.data"));
    expect(plain.texts).toEqual(["good", "bad"]);
    expect(Array.from(gz.labels)).toEqual([1, 0]);
    expect(gz.texts).toEqual(plain.texts);
    expect(plain.sha256).not.toBe(gz.sha256);
    expect(plain.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reports every bad row with its line as issues", async () => {
    writeFileSync(join(dir, "bad.jsonl"), '{"text":"ok","label":1}\n{"text":3,"label":1}\n{"text":"x","label":7}\n');
    const err = await readLabeled(join(dir, "bad.jsonl")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues.map((i) => i.path)).toEqual([
      expect.stringMatching(/bad\.jsonl:2\.text$/),
      expect.stringMatching(/:3\.label$/),
    ]);
    writeFileSync(join(dir, "broken.jsonl"), '{"text":"ok","label":1}\n{oops\n');
    await expect(readLabeled(join(dir, "broken.jsonl"))).rejects.toThrow(InvalidInputError);
    await expect(readLabeled(join(dir, "missing.jsonl"))).rejects.toThrow(InvalidInputError);
  });

  it("streams the first rows of the IMDB train file", async () => {
    const d = await readLabeled(fixture("imdb/train.jsonl.gz"), { limit: 50 });
    expect(d.texts).toHaveLength(50);
    expect(new Set(d.labels)).toEqual(new Set([0, 1]));
  });

  it("reads the whole committed IMDB slice: 2,000 rows, 1,019 positive", async () => {
    const d = await readLabeled(fixture("imdb/train.jsonl.gz"));
    expect(d.texts).toHaveLength(2000);
    expect(d.labels.reduce((s, l) => s + l, 0)).toBe(1019);
  });
});

describeWithShared("imdb/train.jsonl.gz", "JSONL reader on the full IMDB train file", () => {
  it("reads all 25,000 rows, half of them positive", async () => {
    const d = await readLabeled(sharedPath("imdb/train.jsonl.gz"));
    expect(d.texts).toHaveLength(25_000);
    expect(d.labels.reduce((s, l) => s + l, 0)).toBe(12_500);
  });
});

describe("Keras-compatible tokenizer", () => {
  it("lower-cases, drops the Keras filter characters and HTML breaks, keeps apostrophes", () => {
    expect(kerasWords("Great movie!<br /><br />I didn't LIKE the end... (8/10)")).toEqual([
      "great",
      "movie",
      "i",
      "didn't",
      "like",
      "the",
      "end",
      "8",
      "10",
    ]);
  });

  it("ranks words by frequency, ties by first appearance, reserves 0/1/2 and maps unknown words to OOV", () => {
    const tok = KerasTokenizer.fit(["b a a", "c b a", "d"], 5);
    expect(tok.words).toEqual(["a", "b"]); // 5 - INDEX_FROM words kept
    expect(tok.textToSequence("A b c zzz")).toEqual([START, INDEX_FROM, INDEX_FROM + 1, OOV, OOV]);
    const back = KerasTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(back.textToSequence("a b c")).toEqual(tok.textToSequence("a b c"));
  });

  it("pads and truncates at the front by default, like keras pad_sequences", () => {
    expect(
      Array.from(
        padSequences(
          [
            [1, 2],
            [1, 2, 3, 4, 5],
          ],
          { maxlen: 3 },
        ),
      ),
    ).toEqual([0, 1, 2, 3, 4, 5]);
    expect(
      Array.from(
        padSequences(
          [
            [1, 2],
            [1, 2, 3, 4, 5],
          ],
          { maxlen: 3, padding: "post", truncating: "post" },
        ),
      ),
    ).toEqual([1, 2, 0, 1, 2, 3]);
  });
});

describe("deterministic split", () => {
  it("holds out the last fraction without a seed, a seeded permutation's tail with one", () => {
    const s = validationSplit(10, 0.2);
    expect(Array.from(s.validation)).toEqual([8, 9]);
    const a = validationSplit(100, 0.2, 7);
    expect(Array.from(a.validation)).toEqual(Array.from(validationSplit(100, 0.2, 7).validation));
    expect(Array.from(a.validation)).not.toEqual(Array.from(validationSplit(100, 0.2, 8).validation));
    expect([...a.train, ...a.validation].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(new Set(permutation(1000, 1)).size).toBe(1000);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.testing.js";
import { fixture } from "../../../../test/support/data.js";

// the committed IMDB slice (2,000 train / 1,000 test rows); the tests use its first 1,500 and 300 rows
const IMDB = fixture("imdb");
const dir = mkdtempSync(join(tmpdir(), "aidc-wl-"));

const run = (...argv: string[]) => runCli(argv);

describe("aidc train / eval / predict / explain", () => {
  it("trains a fast model, evaluates it as JSON, predicts and explains", async () => {
    const model = join(dir, "m");
    const trained = await run(
      "train",
      "sentiment",
      "--preset",
      "fast",
      "--data",
      join(IMDB, "train.jsonl.gz"),
      "--out",
      model,
      "--limit",
      "1500",
      "--hyper",
      "bits=18",
      "epochs=2",
      "--json",
    );
    expect(trained.code).toBe(0);
    expect(JSON.parse(trained.out)).toMatchObject({ finished: true, manifest: { preset: "fast", training: { rows: 1500 } } });
    expect(trained.err).toMatch(/epoch 2: loss/);

    // 300 test reviews as a plain (not gzip'd) JSONL file
    const rows = gunzipSync(readFileSync(join(IMDB, "test.jsonl.gz")))
      .toString("utf8")
      .split("\n")
      .slice(0, 300);
    const testFile = join(dir, "test.jsonl");
    writeFileSync(testFile, rows.join("\n") + "\n");
    const ev = await run("eval", "--model", model, "--data", testFile, "--json");
    expect(ev.code).toBe(0);
    const m = JSON.parse(ev.out) as Record<string, unknown>;
    expect(Object.keys(m).sort()).toEqual(["accuracy", "auc", "confusion", "f1", "n", "precision", "privacy", "recall"]);
    expect(m["privacy"]).toBeNull(); // trained without DP: no budget to show
    expect(m["n"]).toBe(300);
    expect(m["accuracy"]).toBeGreaterThan(0.7);

    const pr = await run(
      "predict",
      "--model",
      model,
      "--json",
      "An absolute masterpiece, wonderful and moving.",
      "Dreadful, boring and stupid.",
    );
    const preds = (JSON.parse(pr.out) as { predictions: { label: string }[] }).predictions;
    expect(preds.map((p) => p.label)).toEqual(["positive", "negative"]);

    const ex = await run("explain", "--model", model, "--json", "Dreadful, boring and stupid.");
    const e = JSON.parse(ex.out) as { method: string; tokens: { token: string; weight: number }[] };
    expect(e.method).toBe("occlusion");
    expect(e.tokens.map((t) => t.token)).toEqual(["dreadful", "boring", "and", "stupid"]);
    const lime = await run("explain", "--model", model, "--method", "lime", "--samples", "200", "Dreadful, boring and stupid.");
    expect(lime.code).toBe(0);
    expect(lime.out).toMatch(/negative \(score/);
    const shap = await run("explain", "--model", model, "--method", "shap", "--json", "Dreadful, boring and stupid.");
    const s = JSON.parse(shap.out) as { method: string; output: string; base: number; score: number; tokens: { weight: number }[] };
    expect(s).toMatchObject({ method: "shap", output: "log-odds" });
    expect(s.base + s.tokens.reduce((x, t) => x + t.weight, 0)).toBeCloseTo(Math.log(s.score / (1 - s.score)), 3);
    expect((await run("explain", "--model", model, "--method", "shapley", "x")).code).toBe(2);
  });

  it("exits 2 on bad input, a missing data file and a model package it cannot load", async () => {
    expect((await run("train", "sentiment", "--preset", "huge", "--data", "x", "--out", join(dir, "x"))).code).toBe(2);
    expect((await run("train", "poetry", "--data", "x", "--out", join(dir, "x"))).code).toBe(2);
    const hyper = await run(
      "train",
      "sentiment",
      "--data",
      join(IMDB, "train.jsonl.gz"),
      "--out",
      join(dir, "x"),
      "--limit",
      "10",
      "--hyper",
      "bogus=1",
    );
    expect(hyper.code).toBe(2);
    expect(hyper.err).toMatch(/hyper\.bogus/);
    expect((await run("eval", "--model", join(dir, "x"), "--data", join(dir, "missing.jsonl"))).code).toBe(2);
    const missing = await run("predict", "--model", join(dir, "none"), "hello");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--model: Cannot load the model package .*none: no manifest\.json/);
  });
});

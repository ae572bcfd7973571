import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.testing.js";
import { fixture } from "../../../../test/support/data.js";

const run = (...argv: string[]) => runCli(argv);

describe("aidc privacy", () => {
  // TF Privacy tutorials/README.md: MNIST, 256 of 60,000 per step, σ = 1.12, 60 epochs (14,040 steps), δ = 1e-5 → ε 2.92
  it("epsilon --json gives the accountant's answer (TF Privacy's published MNIST example, classic conversion)", async () => {
    const r = await run(
      "privacy",
      "epsilon",
      "--sampling-rate",
      String(256 / 60000),
      "--noise-multiplier",
      "1.12",
      "--steps",
      "14040",
      "--delta",
      "1e-5",
      "--conversion",
      "classic",
      "--json",
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { epsilon: number; order: number; conversion: string; steps: number };
    expect(Math.abs(j.epsilon - 2.92) / 2.92).toBeLessThan(0.01);
    expect(j).toMatchObject({ conversion: "classic", steps: 14040 });
    expect(j.order).toBeGreaterThan(1);
    // the improved conversion (the default) is tighter
    const imp = JSON.parse(
      (
        await run(
          "privacy",
          "epsilon",
          "--sampling-rate",
          String(256 / 60000),
          "--noise-multiplier",
          "1.12",
          "--steps",
          "14040",
          "--delta",
          "1e-5",
          "--json",
        )
      ).out,
    ) as { epsilon: number };
    expect(imp.epsilon).toBeLessThan(j.epsilon);
  });

  it("noise finds σ whose ε is within the target, and epsilon agrees", async () => {
    const r = await run("privacy", "noise", "--sampling-rate", "0.01", "--steps", "5000", "--delta", "1e-5", "--epsilon", "2", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { noiseMultiplier: number; epsilon: number };
    expect(j.epsilon).toBeLessThanOrEqual(2);
    const back = JSON.parse(
      (
        await run(
          "privacy",
          "epsilon",
          "--sampling-rate",
          "0.01",
          "--noise-multiplier",
          String(j.noiseMultiplier),
          "--steps",
          "5000",
          "--delta",
          "1e-5",
          "--json",
        )
      ).out,
    ) as { epsilon: number };
    expect(back.epsilon).toBeCloseTo(j.epsilon, 9);
  });

  it("bad input exits 2 naming each flag", async () => {
    const r = await run("privacy", "epsilon", "--sampling-rate", "1.5", "--noise-multiplier", "abc", "--steps", "2.5", "--delta", "0");
    expect(r.code).toBe(2);
    for (const flag of ["--sampling-rate", "--noise-multiplier", "--steps", "--delta"]) expect(r.err).toContain(flag);
  });
});

describe("aidc train --dp-* and aidc eval", () => {
  it("trains with a budget, stores it, and eval shows it", async () => {
    const model = join(mkdtempSync(join(tmpdir(), "aidc-dp-cli-")), "m");
    const t = await run(
      "train",
      "sentiment",
      "--data",
      fixture("imdb/train.jsonl.gz"),
      "--out",
      model,
      "--hyper",
      "bits=16",
      "--dp-epsilon",
      "3",
      "--dp-delta",
      "1e-5",
      "--dp-batch",
      "500",
      "--dp-epochs",
      "3",
      "--json",
    );
    expect(t.code).toBe(0);
    expect(t.err).toMatch(/epoch 3: ε \d/);
    const manifest = (
      JSON.parse(t.out) as { manifest: { privacy: { epsilon: number; delta: number; clipNorm: number; samplingRate: number } } }
    ).manifest;
    expect(manifest.privacy.epsilon).toBeLessThanOrEqual(3);
    expect(manifest.privacy).toMatchObject({ delta: 1e-5, clipNorm: 1, samplingRate: 500 / 2000 });
    const e = await run("eval", "--model", model, "--data", fixture("imdb/test.jsonl.gz"), "--json");
    expect(e.code).toBe(0);
    expect((JSON.parse(e.out) as { privacy: { epsilon: number } }).privacy.epsilon).toBe(manifest.privacy.epsilon);
    const human = await run("eval", "--model", model, "--data", fixture("imdb/test.jsonl.gz"));
    expect(human.out).toMatch(/privacy: \(ε=\d+\.\d{3} of target 3, δ=0\.00001\)/);
  });

  it("trains the seed LSTM under DP with a public vocabulary (--dp-vocab)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-dp-cli-"));
    const vocab = join(dir, "words.txt");
    writeFileSync(vocab, "the\nfilm\ngood\nbad\ngreat\nawful\n");
    const t = await run(
      "train",
      "sentiment",
      "--preset",
      "seed",
      "--data",
      fixture("imdb/train.jsonl.gz"),
      "--limit",
      "60",
      "--out",
      join(dir, "m"),
      "--hyper",
      "numWords=12",
      "maxlen=12",
      "embeddingDim=4",
      "lstmUnits=4",
      "--dp-epsilon",
      "5",
      "--dp-delta",
      "1e-3",
      "--dp-batch",
      "30",
      "--dp-epochs",
      "1",
      "--dp-vocab",
      vocab,
      "--json",
    );
    expect(t.code).toBe(0);
    const m = (JSON.parse(t.out) as { manifest: { preset: string; privacy: { epsilon: number; steps: number } } }).manifest;
    expect(m.preset).toBe("seed");
    expect(m.privacy.steps).toBe(2);
    expect(m.privacy.epsilon).toBeLessThanOrEqual(5);
  });

  it("refuses DP flags that do not make a guarantee", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "aidc-dp-cli-")), "m");
    const noDelta = await run("train", "sentiment", "--data", fixture("imdb/train.jsonl.gz"), "--out", out, "--dp-epsilon", "1");
    expect(noDelta.code).toBe(2);
    expect(noDelta.err).toContain("--dp-delta");
    const bigDelta = await run(
      "train",
      "sentiment",
      "--data",
      fixture("imdb/train.jsonl.gz"),
      "--out",
      out,
      "--dp-epsilon",
      "1",
      "--dp-delta",
      "0.01",
    );
    expect(bigDelta.code).toBe(2);
    expect(bigDelta.err).toContain("dp.delta");
    const seed = await run(
      "train",
      "sentiment",
      "--preset",
      "seed",
      "--data",
      fixture("imdb/train.jsonl.gz"),
      "--out",
      out,
      "--dp-epsilon",
      "1",
      "--dp-delta",
      "1e-5",
    );
    expect(seed.code).toBe(2);
  });
});

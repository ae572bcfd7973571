import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { runCli } from "../run-cli.testing.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const scenarios = join(repo, "examples/scenarios");
const dir = mkdtempSync(join(tmpdir(), "aidc-plan-"));

describe("aidc plan: numbers for people", () => {
  it("plan train prints SI prefixes, money, durations and labels, not exponents and field names", async () => {
    const r = await runCli(["plan", "train", join(scenarios, "llama31-405b-16k.yaml")]);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/\de[+-]\d/);
    expect(r.out).toMatch(/\d\.\d\d M tokens\/s/);
    expect(r.out).toMatch(/\$\d+\.\d M\b/);
    expect(r.out).toMatch(/\d+ d( \d+ h)?, [\d.]+ M GPU-hours/);
    expect(r.out).toMatch(/^compute\t/m);
    expect(r.out).not.toMatch(/computeS|tensorParallelCommS/);
    // --json keeps the raw numbers
    const j = JSON.parse((await runCli(["plan", "train", join(scenarios, "llama31-405b-16k.yaml"), "--json"])).out) as {
      estimate: { tokensPerS: number; breakdown: Record<string, number> };
    };
    expect(typeof j.estimate.tokensPerS).toBe("number");
    expect(Object.keys(j.estimate.breakdown)).toContain("computeS");
  });

  it("plan infer shows latencies as durations", async () => {
    const r = await runCli(["plan", "infer", join(scenarios, "llama3-70b-chat-serving.yaml")]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\d+(\.\d+)? ms/);
    expect(r.out.split("\n")[1]).toContain("TTFT");
  });

  it("plan datacenter --format text is text, markdown is markdown, and both scale the site bars to the range", async () => {
    const file = join(scenarios, "ai-factory-4k-h100.yaml");
    const text = await runCli(["plan", "datacenter", file]);
    expect(text.code).toBe(0);
    expect(text.out).not.toMatch(/^#|\| --- \||`/m);
    expect(text.out).toMatch(/^Sites \(4-year TCO, best first\)$/m);
    const bars = [...text.out.matchAll(/ (#+)$/gm)].map((m) => m[1]?.length ?? 0);
    expect(bars).toHaveLength(3);
    expect(Math.min(...bars)).toBe(1);
    expect(Math.max(...bars)).toBe(20);
    const md = await runCli(["plan", "datacenter", file, "--format", "markdown"]);
    expect(md.out).toMatch(/^## Network$/m);
    expect(md.out).toMatch(/^\| quebec \|/m);
  });

  it("storage capex pays for the storage servers (99 TB on 3 servers is not $8,254)", async () => {
    const r = await runCli(["plan", "datacenter", join(scenarios, "ai-factory-4k-h100.yaml"), "--json"]);
    const p = JSON.parse(r.out) as { storage: { servers: number }; capex: { storageUsd: number } };
    expect(p.capex.storageUsd).toBeGreaterThan(p.storage.servers * 50_000);
  });
});

describe("aidc plan infer --trace", () => {
  const scenario = join(scenarios, "llama3-70b-chat-serving.yaml");

  it("a file that is not a trace is named as such (exit 2), not blamed on the scenario's tp", async () => {
    const r = await runCli(["plan", "infer", scenario, "--trace", join(repo, "README.md")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /README\.md: \(file\) \(line 1\): is not an Azure LLM inference trace: expected the header TIMESTAMP,ContextTokens,GeneratedTokens/,
    );
    expect(r.err).not.toMatch(/\btp\b/);
    const j = await runCli(["plan", "infer", scenario, "--trace", join(repo, "README.md"), "--json"]);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out)).toMatchObject({ error: { code: "INVALID_INPUT", issues: [{ code: "not_a_trace" }] } });
  });

  it("a bad row is reported with its line; a missing file exits 2", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:50.99,lots,109\n");
    const r = await runCli(["plan", "infer", scenario, "--trace", bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("(line 3)");
    const missing = await runCli(["plan", "infer", scenario, "--trace", join(dir, "nope.csv")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("nope.csv");
  });

  it("reads the committed Azure slice", async () => {
    const trace = join(repo, "examples/data/azure-llm-inference-2023/AzureLLMInferenceTrace_conv.csv.gz");
    const r = await runCli(["plan", "infer", scenario, "--trace", trace]);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^trace: [\d.]+ req\/s/m);
  });
});

describe("aidc plan check", () => {
  const file = join(repo, "examples/data/planner-validation.yaml");

  it("shows progress on a terminal, errors as percentages and kinds as words", async () => {
    const { main } = await import("../main.js");
    let out = "";
    let err = "";
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t), tty: false, errTty: true };
    expect(await main(["plan", "check", file], io)).toBe(0);
    expect(err).toMatch(/plan check \[#+\] 100% /);
    expect(out).toMatch(/^training throughput\t\d+\t\d+\t[\d.]+ %\t[\d.]+ %$/m);
    expect(out).toMatch(/^coverage: [\d.]+ % of numeric measured keys$/m);
    // --json: no progress
    err = "";
    out = "";
    expect(await main(["plan", "check", file, "--json"], io)).toBe(0);
    expect(err).toBe("");
    expect((JSON.parse(out) as { summary: { coverage: number } }).summary.coverage).toBeLessThanOrEqual(1);
  });

  it("--cv reports default, fitted and leave-one-source-out errors, and no fold sees its own source", async () => {
    // a slice of the set (three training sources) keeps the fit quick
    const all = parse(readFileSync(file, "utf8")) as { entries: { source?: { ref?: string } }[] };
    const keep = new Set(["nemo_2407", "mosaic_bench", "mbridge_archive"]);
    const slice = join(dir, "slice.yaml");
    writeFileSync(slice, stringify({ entries: all.entries.filter((e) => keep.has(e.source?.ref ?? "")) }));
    const conventions = join(repo, "examples/data/planner-conventions.yaml");
    const r = await runCli(["plan", "check", slice, "--cv", "--json", "--conventions", conventions]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      conventions: string;
      cv: {
        byKind: Record<string, { defaultMedianPct: number; fittedMedianPct: number; cvMedianPct: number }>;
        folds: { source: string; trainedOn: string[]; chosen?: Record<string, string | null> }[];
        coverage: { cv: number };
        selection: string;
        choices: { group: string; factor: string | null; innerLoss: Record<string, number> }[];
      };
    };
    expect(j.conventions).toBe(conventions);
    // without --fit the factor is chosen, on all entries and again inside every fold
    expect(j.cv.selection).toBe("inner-cv");
    const training = j.cv.choices.find((c) => c.group === "training")!;
    expect(training.innerLoss["defaults"]).toBeGreaterThan(0);
    if (training.factor !== null) expect(training.innerLoss[training.factor]).toBeLessThan(training.innerLoss["defaults"]!);
    for (const f of j.cv.folds) expect(Object.keys(f.chosen ?? {})).toContain("training");
    expect(j.cv.folds.map((f) => f.source).sort()).toEqual([...keep].sort());
    for (const f of j.cv.folds) expect(f.trainedOn).not.toContain(f.source);
    const k = j.cv.byKind["training_throughput"]!;
    for (const x of [k.defaultMedianPct, k.fittedMedianPct, k.cvMedianPct]) expect(typeof x).toBe("number");
    expect(j.cv.coverage.cv).toBeGreaterThan(0.9);
    const bad = await runCli(["plan", "check", slice, "--cv", "--fit", "gemmEfficiencyScale,warpSpeed"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("warpSpeed");
    const text = await runCli(["plan", "check", slice, "--cv", "--fit", "gemmEfficiencyScale,stepOverheadS", "--conventions", conventions]);
    expect(text.out).toMatch(/^kind\tkeys\tpredicted\tmedian default\tmedian fitted\tmedian CV/m);
    expect(text.out).toMatch(/^cross-validation: 3 folds/m);
    expect(text.out).not.toMatch(/inner leave-one-source-out/);
    const chose = await runCli(["plan", "check", slice, "--cv", "--conventions", conventions]);
    expect(chose.out).toMatch(/^ {2}training: chose (\S+|the defaults) by inner leave-one-source-out loss \(defaults [\d.]+/m);
    expect(chose.out).toMatch(/^ {2}folds chose: training: /m);
    expect(text.out).toMatch(/^fitted on all entries: gemmEfficiencyScale [\d.]+ → [\d.]+, stepOverheadS /m);
  });

  it("a conventions file with a wrong field exits 2 naming it", async () => {
    const bad = join(dir, "bad-conventions.yaml");
    writeFileSync(
      bad,
      "apiVersion: aidc/v1\nkind: PlannerConventions\nsources:\n  x:\n    reason: a reason long enough\n    conventions: { flops: fast }\n",
    );
    const r = await runCli(["plan", "check", file, "--conventions", bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("sources.x.conventions.flops");
  });

  it("a directory or a missing file exits 2 and says so (no raw EISDIR)", async () => {
    const r = await runCli(["plan", "check", dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("is a directory; give a YAML or JSON file");
    expect((await runCli(["plan", "train", join(dir, "nope.yaml")])).err).toContain("no such file");
  });
});

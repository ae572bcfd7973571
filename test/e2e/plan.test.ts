import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeWithShared, fixture, sharedPath } from "../support/data.js";

const repo = new URL("../../", import.meta.url).pathname;
const aidc = join(repo, "bin/aidc");
const scenarios = join(repo, "examples/scenarios");
const validation = fixture("planner-validation.yaml");
const AZURE_CODE = "azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv.gz";

function run(...args: string[]) {
  return spawnSync(aidc, args, { encoding: "utf8" });
}

function requestMix(trace: string): { inputTokens: number; requestsPerS: number } {
  const r = run("plan", "infer", join(scenarios, "llama3-70b-chat-serving.yaml"), "--trace", trace, "--json");
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { requestMix: { inputTokens: number; requestsPerS: number } }).requestMix;
}

describe("aidc plan (a real process)", () => {
  it("plans the 405B-class run on 16,384 GPUs as one JSON document with totals and assumptions", () => {
    const r = run("plan", "train", join(scenarios, "llama31-405b-16k.yaml"), "--json");
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      estimate: { mfu: number; fits: boolean };
      totals: { gpuHours: number };
      assumptions: { name: string }[];
    };
    expect(plan.estimate.fits).toBe(true);
    expect(plan.estimate.mfu).toBeGreaterThan(0.1);
    expect(plan.totals.gpuHours).toBeGreaterThan(1e6);
    expect(plan.assumptions.map((a) => a.name)).toContain("gemmEfficiencyMax");
  });

  it("searches a 70B model on 1,024 GPUs and ranks the top configurations", () => {
    const r = run("plan", "train", join(scenarios, "llama3-70b-1024-search.yaml"), "--search", "--json");
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as { search: { evaluated: number; top: { rank: number; reasons: string[] }[] } };
    expect(plan.search.evaluated).toBeGreaterThan(1000);
    expect(plan.search.top.map((t) => t.rank)).toEqual([1, 2, 3, 4, 5]);
  });

  it("plans the reference sentiment model on one GPU, inference capacity and a data center", () => {
    expect(run("plan", "train", join(scenarios, "sentiment-lstm-1gpu.yaml")).stdout).toMatch(/training time/);
    const inf = run("plan", "infer", join(scenarios, "llama3-70b-chat-serving.yaml"), "--json");
    expect(inf.status).toBe(0);
    expect((JSON.parse(inf.stdout) as { best: { gpus: number } }).best.gpus).toBeGreaterThan(0);
    const dc = run("plan", "datacenter", join(scenarios, "ai-factory-4k-h100.yaml"), "--format", "markdown");
    expect(dc.status).toBe(0);
    expect(dc.stdout).toMatch(/## Network/);
  });

  it("reads a real request mix from the Azure LLM trace (the committed 3,000-request slice)", () => {
    const mix = requestMix(fixture(AZURE_CODE));
    expect(mix.inputTokens).toBeGreaterThan(1000);
    expect(mix.requestsPerS).toBeGreaterThan(1);
  });

  it("exits 2 with one line per path for a bad scenario", () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-plan-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(
      file,
      "apiVersion: aidc/v1\nkind: TrainingScenario\nname: bad\nmodel: llama-2-70b\nhardware: { accelerator: h100-sxm5-80gb, count: 24 }\ntraining: { globalBatch: 24 }\nparallelism: { tp: 3, pp: 1 }\n",
    );
    const r = run("plan", "train", file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("parallelism.tp");
    expect(r.stderr).toContain("does not divide the 64 attention heads");
  });

  it("checks the validation file as one JSON document of the issue's shape", () => {
    const r = run("plan", "check", validation, "--json");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { entries: unknown[]; summary: { byKind: Record<string, unknown>; coverage: number } };
    expect(doc.entries.length).toBeGreaterThan(100);
    expect(doc.summary.coverage).toBeGreaterThanOrEqual(0.9);
  });
});

describeWithShared(`traces/${AZURE_CODE}`, "aidc plan infer on the full Azure LLM code trace", () => {
  it("reads the request mix of all 8,819 requests", () => {
    const mix = requestMix(sharedPath(`traces/${AZURE_CODE}`));
    expect(mix.inputTokens).toBeGreaterThan(1000);
    expect(mix.requestsPerS).toBeGreaterThan(1);
  });
});

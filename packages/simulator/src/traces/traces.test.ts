import { readdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeWithShared, fixture, sharedPath } from "../../../../test/support/data.js";
import { readAidcTrace, writeAidcTrace } from "./aidc.js";
import { splitCsvLine } from "./csv.js";
import { openbPodToJob, readOpenbNodes, readOpenbPods } from "./openb.js";
import { parseAzureTime, readAzureLlm, readPollux, readTiresias } from "./small-traces.js";

const EXAMPLE = fileURLToPath(new URL("../../../../examples/traces/small.aidc.jsonl", import.meta.url));
const text = (p: string): string => (p.endsWith(".gz") ? gunzipSync(readFileSync(p)).toString("utf8") : readFileSync(p, "utf8"));
const head = (p: string, n: number): string[] => text(p).split("\n").slice(0, n);

describe("CSV splitting", () => {
  it("handles quotes and escaped quotes", () => {
    expect(splitCsvLine('a,"b,c",d')).toEqual(["a", "b,c", "d"]);
    expect(splitCsvLine('"x ""y""",2')).toEqual(['x "y"', "2"]);
    expect(splitCsvLine("1,,3")).toEqual(["1", "", "3"]);
  });
});

describe("readers on real excerpts (examples/data)", () => {
  it("openb: the GPU node list and a pod list", () => {
    const nodes = readOpenbNodes(text(fixture("openb/openb_node_list_gpu_node.csv")).split("\n"));
    expect(nodes.issues).toEqual([]);
    expect(nodes.records.every((n) => n.gpus > 0 && n.model !== "")).toBe(true);
    expect(nodes.records.reduce((s, n) => s + n.gpus, 0)).toBe(6212);
    const pods = readOpenbPods(head(fixture("openb/openb_pod_list_gpuspec33.csv.gz"), 400));
    expect(pods.issues).toEqual([]);
    expect(pods.records).toHaveLength(399);
    for (const p of pods.records) {
      expect(p.gpuMilli).toBeLessThanOrEqual(1000);
      if (p.gpus === 0) expect(p.gpuMilli).toBe(0);
      if (p.gpus > 1) expect(p.gpuMilli).toBe(1000);
    }
    const job = openbPodToJob(pods.records[1] as (typeof pods.records)[number]);
    expect(job.durationS).toBeGreaterThanOrEqual(0);
    // the multigpu files carry only the first five columns
    const mg = readOpenbPods(head(fixture("openb/openb_pod_list_multigpu40.csv.gz"), 50));
    expect(mg.issues).toEqual([]);
    expect(mg.records[0]?.creationS).toBeUndefined();
  });

  it("Tiresias and Azure LLM", () => {
    const tiresias = readTiresias(text(fixture("tiresias/60_job.csv")).split("\n"));
    expect(tiresias.issues).toEqual([]);
    expect(tiresias.records).toHaveLength(60);
    expect(tiresias.records[1]).toMatchObject({ gpus: 8, submitS: 30, durationS: 147, model: "vgg11" });
    const azure = readAzureLlm(head(fixture("azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv.gz"), 200));
    expect(azure.issues).toEqual([]);
    expect(azure.records[0]?.arrivalS).toBe(0);
    expect(azure.records[1]?.arrivalS).toBeCloseTo(0.052, 6);
    for (let i = 1; i < azure.records.length; i++)
      expect(azure.records[i]?.arrivalS).toBeGreaterThanOrEqual(azure.records[i - 1]?.arrivalS ?? 0);
  });

  it("Pollux/Sia workload rows (the format of sia/philly/workload-1.csv, first rows inline)", () => {
    const pollux = readPollux(
      ["name,time,application,num_replicas,batch_size", "cifar10-0,107,cifar10,6,2048", "deepspeech2-1,110,deepspeech2,6,320"],
      { durationS: (_a, g) => 100 * g },
    );
    expect(pollux.issues).toEqual([]);
    expect(pollux.records[0]).toMatchObject({ id: "cifar10-0", submitS: 107, gpus: 6, durationS: 600, model: "cifar10" });
    expect(pollux.records[1]).toMatchObject({ submitS: 110, model: "deepspeech2" });
  });
});

describeWithShared("traces", "readers on the full traces", () => {
  const full = (rel: string): string => `${sharedPath("traces")}/${rel}`;

  it("openb: every pod list of the full set reads without issues", () => {
    const csv = full("alibaba-gpu-2023/csv");
    for (const f of readdirSync(csv).filter((n) => n.startsWith("openb_pod_list_"))) {
      const pods = readOpenbPods(text(`${csv}/${f}`).split("\n"));
      expect(pods.issues, f).toEqual([]);
      expect(pods.records.length, f).toBeGreaterThan(7000);
    }
  });

  it("Pollux/Sia and the whole Azure LLM trace", () => {
    const pollux = readPollux(head(full("pollux-sia-workloads/sia/philly/workload-1.csv"), 30), { durationS: (_a, g) => 100 * g });
    expect(pollux.issues).toEqual([]);
    expect(pollux.records[0]).toMatchObject({ id: "cifar10-0", submitS: 107, gpus: 6, durationS: 600, model: "cifar10" });
    const azure = readAzureLlm(text(full("azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv.gz")).split("\n"));
    expect(azure.issues).toEqual([]);
    expect(azure.records).toHaveLength(8819);
  });
});

describe("malformed rows give line- and column-precise issues", () => {
  it("openb pods", () => {
    const r = readOpenbPods([
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli",
      "p0,1000,2048,1,500",
      "p1,abc,2048,1,500",
      "p2,1000,2048",
      "p3,1000,2048,2,500",
      "p4,1000,-5,1,1000",
    ]);
    expect(r.records.map((p) => p.name)).toEqual(["p0"]);
    expect(r.issues.map((i) => [i.line, i.path, i.code])).toEqual([
      [3, "line 3.cpu_milli", "bad-number"],
      [4, "line 4.(row)", "bad-row"],
      [5, "line 5.gpu_milli", "bad-value"],
      [6, "line 6.memory_mib", "out-of-range"],
    ]);
  });

  it("missing columns and empty files", () => {
    expect(readOpenbNodes(["sn,cpu_milli,gpu,model", "n1,1000,1,T4"]).issues[0]).toMatchObject({
      path: "line 1.memory_mib",
      code: "missing-column",
    });
    expect(readTiresias([]).issues[0]?.code).toBe("empty");
    expect(readAzureLlm(["TIMESTAMP,ContextTokens,GeneratedTokens", "2023-13-16 18:17:03.1,1,1"]).issues[0]).toMatchObject({
      line: 2,
      path: "line 2.TIMESTAMP",
    });
    expect(parseAzureTime("2023-11-16 18:17:03.9799600")).toBe(Date.UTC(2023, 10, 16, 18, 17, 3) + 979.96);
  });

  it("stops after maxIssues", () => {
    const lines = ["job_id,num_gpu,submit_time,duration,model_name", ...Array.from({ length: 100 }, (_, i) => `${i},x,0,1,m`)];
    expect(readTiresias(lines, { maxIssues: 5 }).issues).toHaveLength(5);
  });
});

describe("aidc trace format", () => {
  it("reads the example and round-trips through the writer", () => {
    const r = readAidcTrace(readFileSync(EXAMPLE, "utf8").split("\n"));
    expect(r.issues).toEqual([]);
    expect(r.records.length).toBeGreaterThanOrEqual(5);
    expect(r.records.find((j) => j.gpuMilli !== undefined)?.gpuMilli).toBeLessThan(1000);
    const again = readAidcTrace(writeAidcTrace("copy", r.records).split("\n"));
    expect(again.records).toEqual(r.records);
  });

  it("reports bad headers, bad JSON and bad fields by line", () => {
    expect(readAidcTrace(['{"apiVersion":"aidc/v2","kind":"Trace"}']).issues[0]).toMatchObject({ path: "line 1.apiVersion" });
    const r = readAidcTrace([
      '{"apiVersion":"aidc/v1","kind":"Trace","name":"t"}',
      '{"id":"a","submitS":0,"durationS":10,"gpus":1,"queue":"q"}',
      "{not json",
      '{"id":"b","submitS":-1,"durationS":10,"gpus":1.5,"queue":"q"}',
      '{"id":"c","submitS":0,"durationS":10,"gpus":2,"gpuMilli":500,"queue":"q"}',
      '{"id":"d","submitS":0,"gpus":1,"queue":"q","colour":"red"}',
    ]);
    expect(r.records.map((j) => j.id)).toEqual(["a"]);
    expect(r.issues.map((i) => i.path)).toEqual([
      "line 3",
      "line 4.submitS",
      "line 4.gpus",
      "line 5.gpuMilli",
      "line 6.durationS",
      "line 6.colour",
    ]);
  });

  it("reads the CSV encoding with absolute line numbers", () => {
    const r = readAidcTrace([
      "# apiVersion: aidc/v1, kind: Trace",
      "id,submitS,durationS,gpus,queue,gpuMilli",
      "a,0,60,1,q,",
      "b,5,x,1,q,",
    ]);
    expect(r.records).toEqual([{ id: "a", submitS: 0, durationS: 60, gpus: 1, queue: "q" }]);
    expect(r.issues[0]).toMatchObject({ line: 4, path: "line 4.durationS", code: "bad-number" });
  });
});

import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { defaultCatalog } from "./catalog/default.js";
import { validateData, validateDocument } from "./documents.js";
import { jsonSchemaFor, DOCUMENT_SCHEMAS } from "./json-schemas.js";
import { JobSpec } from "./schemas/job.js";
import { Cluster } from "./schemas/cluster.js";

const catalog = defaultCatalog();

const job = {
  apiVersion: "aidc/v1",
  kind: "Job",
  name: "train",
  tasks: [{ name: "worker", replicas: 2, resources: { gpus: 8, gpuType: "H100-SXM5-80GB", cpus: 32, memoryGiB: 256 } }],
  run: { command: ["python", "train.py"] },
};

const cluster = {
  apiVersion: "aidc/v1",
  kind: "Cluster",
  name: "c1",
  racks: [{ name: "r1", nodes: [{ name: "n", count: 3, accelerator: "a100 80gb sxm", gpus: 8, cpus: 64, memoryGiB: 512 }] }],
  queues: [{ name: "q", quota: { gpus: 8 } }],
};

function issuesOf(text: string) {
  return validateDocument(text, catalog).issues;
}

describe("documents", () => {
  it("round-trips a job and a cluster through YAML and JSON unchanged", () => {
    for (const [schema, doc] of [
      [JobSpec, job],
      [Cluster, cluster],
    ] as const) {
      const first = schema.parse(doc);
      const viaYaml = validateDocument(stringify(first), catalog);
      expect(viaYaml.issues).toEqual([]);
      expect(viaYaml.document?.value).toEqual(first);
      const viaJson = validateDocument(JSON.stringify(first), catalog);
      expect(viaJson.document?.value).toEqual(first);
    }
  });

  it("fills defaults that the user left out", () => {
    const r = validateData({ apiVersion: "aidc/v1", kind: "Job", name: "j", tasks: [{}], run: { workload: "sentiment-train" } }, catalog);
    expect(r.issues).toEqual([]);
    const spec = r.document?.value as JobSpec;
    expect(spec.queue).toBe("default");
    expect(spec.gang).toBe(true);
    expect(spec.tasks[0]).toEqual({ name: "main", replicas: 1, resources: { gpus: 0, cpus: 1, memoryGiB: 1 } });
  });

  it("reports bad YAML with its line, never throws", () => {
    const issues = issuesOf("apiVersion: aidc/v1\nkind: Job\ntasks: [1,\nname: x\n");
    expect(issues).toHaveLength(1);
    expect(issues[0]?.code).toBe("syntax");
    expect(issues[0]?.line).toBeGreaterThan(0);
    expect(issuesOf("")).toEqual([{ code: "empty", path: "(document)", message: "the file is empty" }]);
    expect(issuesOf("- 1\n- 2\n")[0]?.message).toMatch(/expected a mapping/);
  });

  it("rejects duplicate keys instead of silently keeping one", () => {
    const issues = issuesOf("apiVersion: aidc/v1\nkind: Job\nname: a\nname: b\n");
    expect(issues[0]?.code).toBe("syntax");
    expect(issues[0]?.message).toMatch(/unique/i);
  });

  it("names each field that is wrong in one pass: types, unknown fields, negative counts and the unknown accelerator", () => {
    const text = [
      "apiVersion: aidc/v1",
      "kind: Job",
      "name: j",
      "priority: high",
      "tasks:",
      "  - replicas: -2",
      "    resources: { gpus: 1, gpuType: h900, colour: blue }",
      "run: { command: train }",
    ].join("\n");
    const issues = issuesOf(text);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(Object.keys(byPath).sort()).toEqual(
      ["priority", "tasks[0].replicas", "tasks[0].resources.colour", "tasks[0].resources.gpuType"].sort(),
    );
    expect(byPath["tasks[0].resources.gpuType"]?.message).toMatch(/^unknown accelerator "h900"/);
    expect(byPath["priority"]?.message).toBe('expected number, got the text "high"');
    expect(byPath["priority"]?.line).toBe(4);
    expect(byPath["tasks[0].replicas"]?.message).toBe("must be greater than 0, got number -2");
    expect(byPath["tasks[0].resources.colour"]?.message).toBe("unknown field");
    // and alone once the shape is right
    const refs = issuesOf(
      text.replace("priority: high", "priority: 1").replace("replicas: -2", "replicas: 2").replace(", colour: blue", ""),
    );
    expect(refs).toHaveLength(1);
    expect(refs[0]?.path).toBe("tasks[0].resources.gpuType");
    expect(refs[0]?.message).toMatch(/^unknown accelerator "h900"; did you mean .*"h200-sxm-141gb"/);
    expect(refs[0]?.line).toBe(7);
  });

  it("requires apiVersion and a known kind", () => {
    const issues = validateData({ kind: "Pod" }, catalog).issues;
    expect(issues.map((i) => i.path)).toEqual(["apiVersion", "kind"]);
    expect(issues[1]?.message).toMatch(/must be one of Cluster, Job, Accelerator/);
  });

  it("rejects fractional GPUs mixed with several whole GPUs, and self-dependencies", () => {
    const r = validateData({ ...job, dependsOn: ["train"], tasks: [{ resources: { gpus: 2, gpuMilli: 500 } }] }, catalog);
    expect(r.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "tasks[0].resources.gpuMilli: cannot be combined with gpus > 1; use whole gpus",
      "dependsOn: a job cannot depend on itself",
    ]);
  });

  it("validates catalog items, including that every number names a source", () => {
    const item = catalog.lookup("h100 sxm", "Accelerator");
    expect(item.found).toBe(true);
    if (!item.found) return;
    expect(validateData(item.item, catalog).issues).toEqual([]);
    const noSource = { ...item.item, sources: [{ title: "x", fields: ["memoryGB"] }] };
    const paths = validateData(noSource, catalog).issues.map((i) => i.path);
    expect(paths).toContain("dense.bf16Tflops");
    expect(paths).toContain("tdpW");
    expect(paths).not.toContain("memoryGB");
  });

  it("generates a JSON Schema for every document kind", () => {
    for (const kind of Object.keys(DOCUMENT_SCHEMAS) as (keyof typeof DOCUMENT_SCHEMAS)[]) {
      const s = jsonSchemaFor(kind);
      expect(JSON.stringify(s)).toContain('"apiVersion"');
    }
    const jobSchema = jsonSchemaFor("Job") as { properties: Record<string, unknown>; required: string[] };
    expect(jobSchema.required).toEqual(expect.arrayContaining(["apiVersion", "kind", "name", "tasks", "run"]));
    expect(jobSchema.properties).toHaveProperty("maxRuntimeS");
  });
  it("answers a Kubernetes manifest with one issue saying what an aidc document is", () => {
    const k8s = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi" }, spec: { template: {} } };
    const r = validateData(k8s, catalog);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.code).toBe("foreign_document");
    expect(r.issues[0]?.message).toMatch(/^this looks like a Kubernetes manifest \(apiVersion batch\/v1, kind Job/);
  });

  it("checks a cluster's catalog references even when its schema fails", () => {
    const bad = {
      ...cluster,
      racks: [{ name: "r1", nodes: [{ name: "n", count: 0, accelerator: "a900", gpus: 8, cpus: 64, memoryGiB: 512 }] }],
    };
    const paths = validateData(bad, catalog).issues.map((i) => i.path);
    expect(paths).toContain("racks[0].nodes[0].accelerator");
    expect(paths).toContain("racks[0].nodes[0].count");
  });
});

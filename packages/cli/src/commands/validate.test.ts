import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.testing.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-validate-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

// the README's bad file: a schema error (replicas) and a reference error (gpuType) in one document
const BAD_JOB = [
  "apiVersion: aidc/v1",
  "kind: Job",
  "name: bad",
  "tasks:",
  "  - replicas: 0",
  "    resources: { gpus: 1, gpuType: h900 }",
  "run: { command: echo hi }",
].join("\n");

describe("aidc validate", () => {
  it("reports the schema error and the unknown accelerator in one run", async () => {
    const path = file("bad.yaml", BAD_JOB);
    const r = await runCli(["validate", path]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toEqual([
      `${path}: tasks[0].replicas (line 5): must be greater than 0, got number 0`,
      expect.stringMatching(/^.*: tasks\[0\]\.resources\.gpuType \(line 6\): unknown accelerator "h900"; did you mean/),
    ]);
  });

  it("names a missing run section instead of 'expected object, got an object'", async () => {
    const path = file("norun.yaml", "apiVersion: aidc/v1\nkind: Job\nname: j\ntasks: [{}]\n");
    const r = await runCli(["validate", path]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("run (line 1): is required");
    expect(r.err).not.toContain("got an object");
    const args = file("args.yaml", "apiVersion: aidc/v1\nkind: Job\nname: j\ntasks: [{}]\nrun: { workload: w, args: 3 }\n");
    expect((await runCli(["validate", args])).err).toContain("run.args (line 5): expected a mapping (key: value), got number 3");
  });

  it("says once that apiVersion is wrong", async () => {
    const path = file("api.yaml", BAD_JOB.replace("aidc/v1", "aidc.dev/v1"));
    const r = await runCli(["validate", path]);
    expect(r.err.match(/apiVersion/g)).toHaveLength(1);
    expect(r.err).toContain('apiVersion (line 1): must be aidc/v1, got "aidc.dev/v1"');
  });

  it("recognises a Kubernetes manifest and says what aidc expected", async () => {
    const path = file(
      "k8s.yaml",
      "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  template:\n    spec:\n      containers: [{ name: pi, image: perl }]\n",
    );
    const r = await runCli(["validate", path]);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /this looks like a Kubernetes manifest \(apiVersion batch\/v1, kind Job, metadata\/spec\); aidc documents have apiVersion: aidc\/v1/,
    );
    const spec = file("spec.yaml", "apiVersion: aidc/v1\nkind: Job\nmetadata: { name: j }\nspec: { tasks: [{}] }\n");
    expect((await runCli(["validate", spec])).err).toMatch(/this Job is written Kubernetes-style \(metadata\/spec\)/);
  });

  it("validates every YAML/JSON file of a directory, recursively", async () => {
    const d = join(dir, "tree");
    mkdirSync(join(d, "jobs"), { recursive: true });
    writeFileSync(join(d, "jobs", "ok.yaml"), "apiVersion: aidc/v1\nkind: Job\nname: ok\ntasks: [{}]\nrun: { command: [echo] }\n");
    writeFileSync(join(d, "bad.json"), JSON.stringify({ apiVersion: "aidc/v1", kind: "Job", name: "b", tasks: [], run: { command: "x" } }));
    writeFileSync(join(d, "notes.md"), "# not a document\n");
    writeFileSync(join(d, "labels.json"), JSON.stringify({ "a.csv": [1, 2] }));
    const r = await runCli(["validate", d, "--json"]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out) as { files: { file: string; ok: boolean }[] };
    expect(doc.files.map((f) => [f.file, f.ok])).toEqual([
      [join(d, "bad.json"), false],
      [join(d, "jobs", "ok.yaml"), true],
      [join(d, "labels.json"), true],
    ]);
    // a data file beside the documents is listed as skipped, with the reason
    expect((await runCli(["validate", d])).err).toContain(
      `${join(d, "labels.json")}: skipped (no apiVersion or kind: not an aidc document)`,
    );
    // given by name, it is validated
    expect((await runCli(["validate", join(d, "labels.json")])).code).toBe(2);
  });

  it("says what it expected of a directory without documents, and exits 2 (no raw EISDIR)", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const r = await runCli(["validate", empty]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("is a directory with no .yaml, .yml or .json file");
    expect(r.err).not.toContain("EISDIR");
  });

  it("validates the committed example folders", async () => {
    const examples = fileURLToPath(new URL("../../../../examples/", import.meta.url));
    // the README's `bin/aidc validate examples/*/*.yaml` includes the planner-validation set of examples/data
    const r = await runCli([
      "validate",
      ...["clusters", "jobs", "scenarios", "profiles", "alerts"].map((d) => join(examples, d)),
      join(examples, "data/planner-validation.yaml"),
    ]);
    expect(r.out).toMatch(/planner-validation\.yaml: ok PlannerValidation \(\d+ entries/);
    expect(r.err).toMatch(/file\(s\), 0 with problems/);
    expect(r.code).toBe(0);
  });
  it("says which kinds it knows and what the file said, and what it expected of a file that is not YAML", async () => {
    const dep = file("dep.yaml", "apiVersion: aidc/v1\nkind: Deployment\nname: x\n");
    const r = await runCli(["validate", dep]);
    expect(r.err).toMatch(/kind \(line 2\): must be one of Cluster, Job, .*TrainingScenario.*AlertRules, got "Deployment"/);
    const readme = file("notes.md", "# Notes\n\n```sh\nbin/aidc plan\n```\n\nSome `code` and text: here\n");
    const md = await runCli(["validate", readme]);
    expect(md.code).toBe(2);
    expect(md.err.trim()).toBe(
      `${readme}: (file): is not a YAML or JSON document; validate expects aidc files (.yaml, .yml or .json with apiVersion: aidc/v1 and a kind)`,
    );
  });
  it("names an entry of a planner-validation set without an id", async () => {
    const path = file("pv.yaml", "schema_version: 1\nentries:\n  - { id: a, kind: hardware_spec }\n  - { kind: hardware_spec }\n");
    const r = await runCli(["validate", path]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("entries[1].id (line 4): is required (expected string)");
  });
});

import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobSpec } from "@aidc/core";
import { BlobStore } from "../artifacts/blobs.js";
import { startServer, type RunningServer } from "../main.js";
import { workloadCommand } from "../workloads/run.js";
import { materializeDataset, parseDatasetRef } from "./dataset-input.js";
import { client, sha } from "./http.testing.js";

const dataDir = mkdtempSync(join(tmpdir(), "aidc-gov-data-"));
let server: RunningServer;
const tok: Record<string, string> = {};
const { call, publish } = client(() => server.url, tok);
const blobFile = (hex: string) => join(dataDir, "blobs", "sha256", hex.slice(0, 2), hex);

beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0 });
  tok["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  for (const u of ["ann", "ben", "carol"]) tok[u] = await server.store.tokens.create(u, "user", Date.now());
  tok["vic"] = await server.store.tokens.create("vic", "viewer", Date.now());
  expect((await call("ann", "POST", "/api/v1/projects", { name: "nlp" })).status).toBe(201);
  expect((await call("ann", "POST", "/api/v1/projects/nlp/members", { user: "ben", role: "reader" })).status).toBe(200);
});
afterAll(async () => server.close());

describe("retention", () => {
  it("keeps the newest N versions of each name: older versions, their unused blobs and the rule's changes are audited", async () => {
    const versions = [1, 2, 3, 4].map((v) => Buffer.from(`version ${v} of the data\n`));
    for (const b of versions) expect((await publish("ann", "nlp", "corpus", b)).status).toBe(201);
    // the same bytes as version 4 under another name: its blob must survive
    expect((await publish("ann", "nlp", "copy", versions[1] ?? Buffer.alloc(0))).status).toBe(201);
    expect((await call("ben", "PUT", "/api/v1/projects/nlp/retention", { keepVersions: 2 })).status).toBe(403);
    const bad = await call("ann", "PUT", "/api/v1/projects/nlp/retention", {});
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("keepVersions");
    expect((await call("ann", "PUT", "/api/v1/projects/nlp/retention", { keepVersions: 0 })).status).toBe(400);
    const set = await call("ann", "PUT", "/api/v1/projects/nlp/retention", { keepVersions: 2 });
    expect(set.status).toBe(200);
    expect(set.body["rule"]).toMatchObject({ keepVersions: 2, kinds: ["dataset"], setBy: "ann" });
    expect((await call("ben", "GET", "/api/v1/projects/nlp/retention")).body["rule"]).toMatchObject({ keepVersions: 2 });
    const dry = await call("ann", "POST", "/api/v1/projects/nlp/retention/apply", { dryRun: true });
    expect((dry.body["deleted"] as { version: number }[]).map((d) => d.version)).toEqual([1, 2]);
    expect(existsSync(blobFile(sha(versions[0] ?? Buffer.alloc(0))))).toBe(true);
    const applied = await call("ann", "POST", "/api/v1/projects/nlp/retention/apply", {});
    expect(applied.status).toBe(200);
    expect(applied.body["deleted"]).toMatchObject([
      { name: "corpus", version: 1, reason: "count", blobRemoved: true },
      { name: "corpus", version: 2, reason: "count", blobRemoved: false },
    ]);
    expect(existsSync(blobFile(sha(versions[0] ?? Buffer.alloc(0))))).toBe(false);
    expect(existsSync(blobFile(sha(versions[1] ?? Buffer.alloc(0))))).toBe(true); // still used by nlp/copy
    expect((await call("ann", "GET", "/api/v1/artifacts/nlp/corpus/1/content")).status).toBe(404);
    expect((await call("ann", "GET", "/api/v1/artifacts/nlp/copy/1/content")).status).toBe(200);
    expect((await call("ann", "GET", "/api/v1/artifacts/nlp/corpus/latest")).body["version"]).toBe(4);
    const log = (await call("ann", "GET", "/api/v1/audit?action=retention.delete")).body["entries"] as {
      resource: string;
      actor: string;
    }[];
    expect(log.map((e) => [e.resource, e.actor])).toEqual([
      ["nlp/corpus:2", "ann"],
      ["nlp/corpus:1", "ann"],
    ]);
    // applying again deletes nothing more; removing the rule is audited too
    expect((await call("ann", "POST", "/api/v1/projects/nlp/retention/apply", {})).body["deleted"]).toEqual([]);
    expect((await call("ann", "DELETE", "/api/v1/projects/nlp/retention")).body).toEqual({ removed: true });
    expect((await call("ann", "GET", "/api/v1/projects/nlp/retention")).body).toEqual({ rule: null });
  });

  it("outsiders cannot see or set another project's rules", async () => {
    expect((await call("carol", "GET", "/api/v1/projects/nlp/retention")).status).toBe(404);
    expect((await call("carol", "PUT", "/api/v1/projects/nlp/retention", { keepVersions: 1 })).status).toBe(404);
    expect((await call("carol", "POST", "/api/v1/projects/nlp/retention/apply", {})).status).toBe(404);
    expect((await call("carol", "GET", "/api/v1/projects/nlp/permissions")).status).toBe(404);
    expect((await call("vic", "PUT", "/api/v1/projects/nlp/retention", { keepVersions: 1 })).status).toBe(403);
  });
});

describe("PII scan of text datasets", () => {
  const rows = [
    { text: "Great film, write me at jane.doe@example.com", label: 1 },
    { text: "My card 4111 1111 1111 1111 was charged twice, call (415) 555-0132", label: 0 },
    { text: "Released in 1999, 10/10, grossed $1,000,000", label: 1 },
  ];
  const jsonl = rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

  it("reports masked findings in the version's metadata and stores a redacted copy as the next version", async () => {
    expect((await publish("ann", "nlp", "reviews", gzipSync(jsonl))).status).toBe(201);
    expect((await call("ben", "POST", "/api/v1/artifacts/nlp/reviews/1/pii-scan", {})).status).toBe(403); // readers do not scan
    const r = await call("ann", "POST", "/api/v1/artifacts/nlp/reviews/1/pii-scan", { redact: true });
    expect(r.status).toBe(200);
    const report = r.body["report"] as Record<string, unknown>;
    expect(report).toMatchObject({
      gzip: true,
      lines: 3,
      linesWithPii: 2,
      counts: { email: 1, card: 1, phone: 1 },
      redacted: { version: 2 },
    });
    expect(report["samples"]).toEqual([
      { line: 1, kind: "email", masked: "j***@example.com" },
      { line: 2, kind: "card", masked: "****1111" },
      { line: 2, kind: "phone", masked: "***32" },
    ]);
    // the report never carries the values
    expect(JSON.stringify(r.body)).not.toMatch(/jane\.doe|4111 1111|555-0132/);
    const meta = (await call("ann", "GET", "/api/v1/artifacts/nlp/reviews/1")).body["metadata"] as Record<string, unknown>;
    expect(meta["piiScan"]).toMatchObject({ counts: { email: 1, card: 1, phone: 1 } });
    const v2 = await call("ann", "GET", "/api/v1/artifacts/nlp/reviews/2");
    expect(v2.body).toMatchObject({ kind: "dataset", metadata: { piiRedactedFrom: { version: 1 } } });
    expect((v2.body["lineage"] as { parents: { version: number }[] }).parents[0]?.version).toBe(1);
    const redacted = gunzipSync((await call("ann", "GET", "/api/v1/artifacts/nlp/reviews/2/content")).bytes).toString("utf8");
    expect(
      redacted
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => (JSON.parse(l) as { text: string }).text),
    ).toEqual([
      "Great film, write me at [EMAIL]",
      "My card [CARD] was charged twice, call [PHONE]",
      "Released in 1999, 10/10, grossed $1,000,000",
    ]);
    const again = await call("ann", "POST", "/api/v1/artifacts/nlp/reviews/2/pii-scan", {});
    expect((again.body["report"] as { counts: unknown }).counts).toEqual({ email: 0, card: 0, phone: 0 });
    const scans = (await call("ann", "GET", "/api/v1/audit?action=pii.scan")).body["entries"] as { resource: string }[];
    expect(scans.map((e) => e.resource)).toEqual(["nlp/reviews:2", "nlp/reviews:1"]);
  });

  it("refuses binary bytes and non-datasets with a clear error, storing nothing", async () => {
    expect((await publish("ann", "nlp", "blob", Buffer.from([1, 2, 0, 3, 4]))).status).toBe(201);
    const r = await call("ann", "POST", "/api/v1/artifacts/nlp/blob/1/pii-scan", { redact: true });
    expect(r.status).toBe(422);
    expect((r.body["error"] as { code: string }).code).toBe("NOT_TEXT");
    expect((await call("ann", "GET", "/api/v1/artifacts/nlp/blob/2")).status).toBe(404);
    expect((await publish("ann", "nlp", "model", Buffer.from("weights"), "model")).status).toBe(201);
    expect((await call("ann", "POST", "/api/v1/artifacts/nlp/model/1/pii-scan", {})).status).toBe(422);
  });
});

describe("PII scan limits", () => {
  it("a publisher without dataset:read cannot scan (logged), and a redacted copy over the quota leaves nothing behind", async () => {
    expect((await call("admin", "POST", "/api/v1/projects", { name: "lim" })).status).toBe(201);
    tok["pub"] = await server.store.tokens.create("pub", "user", Date.now());
    expect((await call("admin", "POST", "/api/v1/projects/lim/members", { user: "pub", role: "publisher" })).status).toBe(200);
    const text = Buffer.from("call 415-555-0132\n".repeat(50));
    expect((await publish("admin", "lim", "calls", text)).status).toBe(201);
    expect((await call("admin", "PUT", "/api/v1/projects/lim/permissions", { permission: "dataset:read", minRole: "owner" })).status).toBe(
      200,
    );
    const denied = await call("pub", "POST", "/api/v1/artifacts/lim/calls/1/pii-scan", { redact: true });
    expect(denied.status).toBe(403);
    const [e] = (await call("admin", "GET", "/api/v1/audit?action=pii.scan&outcome=denied")).body["entries"] as Record<string, unknown>[];
    expect(e).toMatchObject({ actor: "pub", resource: "lim/calls:1", detail: { status: 403 } });
    expect((await call("admin", "GET", "/api/v1/artifacts/lim/calls/1")).body["metadata"]).toEqual({});
    // the redacted copy ([PHONE] is shorter, but still new bytes) does not fit a quota of what is stored now
    expect((await call("admin", "PUT", "/api/v1/projects/lim/quota", { maxBytes: text.length })).status).toBe(200);
    const blobsBefore = readdirSync(join(dataDir, "blobs", "sha256")).flatMap((d) =>
      readdirSync(join(dataDir, "blobs", "sha256", d)),
    ).length;
    const over = await call("admin", "POST", "/api/v1/artifacts/lim/calls/1/pii-scan", { redact: true });
    expect(over.status).toBe(413);
    expect((await call("admin", "GET", "/api/v1/artifacts/lim/calls/2")).status).toBe(404);
    expect(readdirSync(join(dataDir, "blobs", "sha256")).flatMap((d) => readdirSync(join(dataDir, "blobs", "sha256", d))).length).toBe(
      blobsBefore,
    );
  });
});

describe("a job's dataset input", () => {
  const spec = (dataset: string) =>
    JobSpec.parse({
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "train",
      tasks: [{}],
      run: { workload: "sentiment-train", args: { dataset } },
    });

  it("names the copied file in the workload's command and refuses bad references naming the argument", () => {
    expect(workloadCommand(spec("nlp/corpus:4"))).toContain("inputs/nlp--corpus");
    expect(parseDatasetRef("nlp/corpus")).toEqual({ project: "nlp", name: "corpus", version: "latest" });
    for (const bad of ["nlp", "../x/y", "nlp/corpus:v2", "a/b/c"])
      expect(() => parseDatasetRef(bad)).toThrow(
        expect.objectContaining({ issues: [expect.objectContaining({ path: "run.args.dataset" })] }),
      );
  });

  it("copies the plaintext into the job dir for a reader, audited with the job id", async () => {
    const jobDir = mkdtempSync(join(tmpdir(), "aidc-gov-job-"));
    const o = { store: server.store, blobs: new BlobStore(join(dataDir, "blobs")), now: () => Date.now() };
    const made = await materializeDataset(o, { jobId: "j-42", spec: spec("nlp/corpus:latest"), user: "ben", jobDir });
    expect(made?.artifact.version).toBe(4);
    expect(readFileSync(join(jobDir, "inputs", "nlp--corpus"), "utf8")).toBe("version 4 of the data\n");
    expect(statSync(join(jobDir, "inputs", "nlp--corpus")).mode & 0o777).toBe(0o600);
    const [e] = (await call("ann", "GET", "/api/v1/audit?action=dataset.job-read")).body["entries"] as Record<string, unknown>[];
    expect(e).toMatchObject({ actor: "ben", jobId: "j-42", outcome: "allowed", resource: "nlp/corpus:latest", detail: { version: 4 } });
  });

  it("fails the start of another user's job (the denial is logged) and writes nothing", async () => {
    const jobDir = mkdtempSync(join(tmpdir(), "aidc-gov-job-"));
    const o = { store: server.store, blobs: new BlobStore(join(dataDir, "blobs")), now: () => Date.now() };
    await expect(materializeDataset(o, { jobId: "j-43", spec: spec("nlp/corpus:4"), user: "carol", jobDir })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(existsSync(join(jobDir, "inputs"))).toBe(false);
    const [e] = (await call("ann", "GET", "/api/v1/audit?action=dataset.job-read&outcome=denied")).body["entries"] as Record<
      string,
      unknown
    >[];
    expect(e).toMatchObject({ actor: "carol", jobId: "j-43", detail: { status: 404 } });
  });
});

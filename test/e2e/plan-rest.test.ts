import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startServer, type RunningServer } from "@aidc/server";
import { fixture } from "../support/data.js";

const repo = new URL("../../", import.meta.url).pathname;
let server: RunningServer;
let token: string;

async function post(path: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const example = (name: string): unknown => parse(readFileSync(join(repo, "examples/scenarios", name), "utf8"));

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "aidc-plan-rest-")),
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    logLevel: "silent",
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server.close();
});

describe("/api/v1/plans", () => {
  it("plans training, with and without search", async () => {
    const plain = await post("/api/v1/plans/train", example("llama31-405b-16k.yaml"));
    expect(plain.status).toBe(200);
    expect(plain.body["estimate"]).toBeDefined();
    const searched = await post("/api/v1/plans/train?search=true", example("llama3-70b-1024-search.yaml"));
    expect((searched.body["search"] as { top: unknown[] }).top.length).toBe(5);
  });
  it("plans inference and a data center", async () => {
    expect((await post("/api/v1/plans/infer", example("llama3-70b-chat-serving.yaml"))).body["best"]).toBeDefined();
    expect((await post("/api/v1/plans/datacenter", example("ai-factory-4k-h100.yaml"))).body["racks"]).toBeGreaterThan(0);
  });
  it("answers 422 with path-qualified issues for a bad scenario", async () => {
    const bad = { ...(example("llama31-405b-16k.yaml") as object), model: "gpt-9" };
    const r = await post("/api/v1/plans/train", bad);
    expect(r.status).toBe(422);
    const error = r.body["error"] as { code: string; issues: { path: string }[] };
    expect(error.code).toBe("INVALID_SCENARIO");
    expect(error.issues.map((i) => i.path)).toEqual(["model"]);
  });
  it("answers 400 with path-qualified issues for a scenario its schema refuses", async () => {
    const bad = { ...(example("llama31-405b-16k.yaml") as object), seqLen: -1, colour: "red" };
    const r = await post("/api/v1/plans/train", bad);
    expect(r.status).toBe(400);
    const error = r.body["error"] as { code: string; issues: { path: string }[] };
    expect(error.issues.map((i) => i.path).sort()).toEqual(["colour", "seqLen"]);
  });
  it("checks validation entries", async () => {
    const doc = parse(readFileSync(fixture("planner-validation.yaml"), "utf8")) as { entries: unknown[] };
    const r = await post("/api/v1/plans/check", { entries: doc.entries.slice(0, 5) });
    expect(r.status).toBe(200);
    expect((r.body["entries"] as unknown[]).length).toBe(5);
    expect(r.body["conventions"]).toBeNull();
  });
  it("applies a conventions document posted with the entries, and names a bad field of it", async () => {
    const doc = parse(readFileSync(fixture("planner-validation.yaml"), "utf8")) as { entries: { id: string; source?: { ref?: string } }[] };
    const conventions = parse(readFileSync(fixture("planner-conventions.yaml"), "utf8")) as { sources: Record<string, unknown> };
    // entries of sources the conventions file speaks for: their predictions change when their conventions apply
    const covered = doc.entries.filter((e) => e.source?.ref !== undefined && e.source.ref in conventions.sources).slice(0, 20);
    expect(covered.length).toBeGreaterThan(0);
    const plain = await post("/api/v1/plans/check", { entries: covered });
    const withConv = await post("/api/v1/plans/check", { entries: covered, conventions });
    expect(withConv.status).toBe(200);
    expect(withConv.body["conventions"]).toBe("request");
    expect(JSON.stringify(withConv.body["entries"])).not.toBe(JSON.stringify(plain.body["entries"]));
    const bad = await post("/api/v1/plans/check", {
      entries: covered,
      conventions: { ...conventions, sources: { x: { reason: "long enough reason", conventions: { flops: "fast" } } } },
    });
    expect(bad.status).toBe(422);
    const error = bad.body["error"] as { issues: { path: string }[] };
    expect(error.issues.map((i) => i.path)).toContain("conventions.sources.x.conventions.flops");
  });
});

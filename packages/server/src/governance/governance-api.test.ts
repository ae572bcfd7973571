import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../main.js";
import { client, code } from "./http.testing.js";

// Written as an attacker would try it: outsiders, a viewer token, a member without the permission,
// forged projects in the path, and attempts to change or erase the audit log.
const dataDir = mkdtempSync(join(tmpdir(), "aidc-gov-"));
let server: RunningServer;
const tok: Record<string, string> = {};
const { call, publish } = client(() => server.url, tok);
const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => `{"text":"row ${i}","label":${i % 2}}\n`).join(""));

interface Entry {
  id: number;
  actor: string;
  action: string;
  outcome: string;
  project: string;
  resource: string;
  detail: Record<string, unknown>;
}
const audit = async (who: string, query = ""): Promise<Entry[]> => {
  const r = await call(who, "GET", `/api/v1/audit${query}`);
  expect(r.status).toBe(200);
  return (r.body as { entries: Entry[] }).entries;
};

beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0 });
  tok["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  for (const u of ["ann", "ben", "carol"]) tok[u] = await server.store.tokens.create(u, "user", Date.now());
  tok["vic"] = await server.store.tokens.create("vic", "viewer", Date.now());
  tok["ops"] = await server.store.tokens.create("ops", "operator", Date.now());
  expect((await publish("ann", "nlp", "reviews", data)).status).toBe(201);
  expect((await publish("ann", "nlp", "weights", Buffer.from("model bytes"), "model")).status).toBe(201);
  expect((await publish("carol", "carol", "secret", Buffer.from("carol's data\n"))).status).toBe(201);
  for (const [user, role] of [
    ["ben", "reader"],
    ["vic", "reader"],
  ])
    expect((await call("ann", "POST", "/api/v1/projects/nlp/members", { user, role })).status).toBe(200);
});
afterAll(async () => server.close());

describe("dataset reads are a permission and every one is audited", () => {
  it("a reader downloads (whole and ranged) and each read is on the log with who, what and the range", async () => {
    const whole = await call("ben", "GET", "/api/v1/artifacts/nlp/reviews/1/content");
    expect(whole.status).toBe(200);
    expect(whole.bytes.equals(data)).toBe(true);
    const part = await call("ben", "GET", "/api/v1/artifacts/nlp/reviews/latest/content", undefined, { range: "bytes=5-14" });
    expect(part.status).toBe(206);
    const log = await audit("ann", "?project=nlp&actor=ben");
    expect(log.slice(0, 2).map((e) => [e.action, e.outcome, e.resource, e.detail["range"]])).toEqual([
      ["dataset.read", "allowed", "nlp/reviews:latest", "bytes=5-14"],
      ["dataset.read", "allowed", "nlp/reviews:1", undefined],
    ]);
    expect(log[0]?.detail).toMatchObject({ version: 1, sizeBytes: data.length });
  });

  it("an outsider gets 404 (nothing leaks) and the attempt is logged as denied", async () => {
    const r = await call("carol", "GET", "/api/v1/artifacts/nlp/reviews/1/content");
    expect(r.status).toBe(404);
    const [e] = await audit("admin", "?actor=carol&outcome=denied");
    expect(e).toMatchObject({ action: "dataset.read", project: "nlp", resource: "nlp/reviews:1", detail: { status: 404 } });
  });

  it("a viewer token gets 403 for dataset bytes even as a project member, logged", async () => {
    const r = await call("vic", "GET", "/api/v1/artifacts/nlp/reviews/1/content");
    expect(r.status).toBe(403);
    expect(code(r)).toBe("FORBIDDEN");
    const [e] = await audit("ann", "?actor=vic");
    expect(e).toMatchObject({ outcome: "denied", detail: { status: 403, reason: "viewer tokens do not read dataset contents" } });
  });

  it("an owner raises dataset:read to publisher: the reader now gets 403 (logged), models stay readable, the owner still reads", async () => {
    const set = await call("ann", "PUT", "/api/v1/projects/nlp/permissions", { permission: "dataset:read", minRole: "publisher" });
    expect(set.status).toBe(200);
    expect(set.body["permissions"]).toEqual([{ permission: "dataset:read", minRole: "publisher", isDefault: false }]);
    // only an owner changes it: a reader cannot lower it back
    expect((await call("ben", "PUT", "/api/v1/projects/nlp/permissions", { permission: "dataset:read", minRole: "reader" })).status).toBe(
      403,
    );
    const denied = await call("ben", "GET", "/api/v1/artifacts/nlp/reviews/1/content");
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).toContain("needs the publisher role");
    expect((await call("ben", "GET", "/api/v1/artifacts/nlp/weights/1/content")).status).toBe(200);
    expect((await call("ann", "GET", "/api/v1/artifacts/nlp/reviews/1/content")).status).toBe(200);
    expect((await call("ops", "GET", "/api/v1/artifacts/nlp/reviews/1/content")).status).toBe(200);
    const log = await audit("ann", "?project=nlp&outcome=denied&actor=ben");
    expect(log[0]).toMatchObject({ action: "dataset.read", detail: { status: 403 } });
    const changes = await audit("ann", "?action=permission.set");
    expect(changes[0]).toMatchObject({ actor: "ann", detail: { permission: "dataset:read", minRole: "publisher" } });
    expect((await call("ann", "PUT", "/api/v1/projects/nlp/permissions", { permission: "dataset:read", minRole: "reader" })).status).toBe(
      200,
    );
  });

  it("a forged project or version in the path reads nothing of another user's project", async () => {
    for (const path of [
      "/api/v1/artifacts/carol/secret/1/content",
      "/api/v1/artifacts/carol/secret/latest/content",
      "/api/v1/artifacts/carol/nothing/1/content",
      "/api/v1/artifacts/carol%2Fsecret/x/1/content",
      "/api/v1/artifacts/nlp/..%2Fcarol%2Fsecret/1/content",
    ]) {
      const r = await call("ben", "GET", path);
      expect([400, 404]).toContain(r.status);
      expect(r.bytes.includes(Buffer.from("carol's data"))).toBe(false);
    }
    const denied = await audit("carol", "?project=carol");
    expect(denied.filter((e) => e.actor === "ben").map((e) => e.resource)).toEqual(["carol/secret:latest", "carol/secret:1"]);
  });
});

describe("the audit log", () => {
  it("needs a token, shows owners only their projects, operators and admins everything", async () => {
    expect((await call("nobody", "GET", "/api/v1/audit")).status).toBe(401);
    expect((await audit("ben")).length).toBe(0); // ben owns nothing
    expect((await call("ben", "GET", "/api/v1/audit?project=nlp")).status).toBe(403);
    expect((await call("ben", "GET", "/api/v1/audit?project=no-such")).status).toBe(403);
    expect(new Set((await audit("ann")).map((e) => e.project))).toEqual(new Set(["nlp"]));
    expect(new Set((await audit("carol")).map((e) => e.project))).toEqual(new Set(["carol"]));
    expect(new Set((await audit("ops")).map((e) => e.project))).toEqual(new Set(["nlp", "carol"]));
    expect((await call("ops", "GET", "/api/v1/audit/verify")).status).toBe(403);
  });

  it("pages newest first and filters by time", async () => {
    const all = await audit("admin", "?limit=1000");
    const first = await call("admin", "GET", "/api/v1/audit?limit=3");
    const next = (first.body as { next: number }).next;
    expect(next).toBe(all[2]?.id);
    const second = await audit("admin", `?limit=3&before=${next}`);
    expect(second.map((e) => e.id)).toEqual(all.slice(3, 6).map((e) => e.id));
    expect((await audit("admin", `?since=${Date.now() + 60_000}`)).length).toBe(0);
    expect((await audit("admin", "?since=2000-01-01T00:00:00Z")).length).toBe(all.length);
    const bad = await call("admin", "GET", "/api/v1/audit?since=yesterday");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("since");
  });

  it("has no way to change or erase entries, and its chain verifies", async () => {
    const before = (await audit("admin", "?limit=1000")).length;
    for (const [method, path] of [
      ["DELETE", "/api/v1/audit"],
      ["POST", "/api/v1/audit"],
      ["PUT", "/api/v1/audit"],
      ["PATCH", "/api/v1/audit"],
      ["DELETE", "/api/v1/audit/1"],
      ["PUT", "/api/v1/audit/1"],
    ] as const) {
      const r = await call("admin", method, path, method === "DELETE" ? undefined : {});
      expect([404, 405]).toContain(r.status);
    }
    expect((await audit("admin", "?limit=1000")).length).toBe(before);
    expect((await call("admin", "GET", "/api/v1/audit/verify")).body).toEqual({ ok: true, entries: before });
  });
});

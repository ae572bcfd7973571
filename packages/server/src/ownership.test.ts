import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageTar, tinyModel } from "./artifacts/fixtures.testing.js";
import { startServer, type RunningServer } from "./main.js";
import { registerModel } from "./workloads/run.js";
import { BlobStore } from "./artifacts/blobs.js";

// Written as an attacker would try it: bob and carol against alice's data.
const dataDir = mkdtempSync(join(tmpdir(), "aidc-owner-"));
const work = mkdtempSync(join(tmpdir(), "aidc-owner-work-"));
let server: RunningServer;
const tok: Record<string, string> = {};
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface Res {
  status: number;
  body: Record<string, unknown>;
}

async function call(who: string, method: string, path: string, body?: unknown): Promise<Res> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tok[who] ?? ""}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = res.headers.get("content-type")?.includes("json") === true && text !== "";
  return { status: res.status, body: (json ? JSON.parse(text) : { text }) as Record<string, unknown> };
}

async function publish(who: string, project: string, name: string, data: Buffer, extra: Record<string, unknown> = {}): Promise<Res> {
  const { id } = (await call(who, "POST", "/api/v1/uploads")).body as { id: string };
  const up = await fetch(`${server.url}/api/v1/uploads/${id}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${tok[who] ?? ""}`, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
    body: data,
  });
  expect(up.status).toBe(200);
  return call(who, "POST", "/api/v1/artifacts", { project, name, kind: "other", uploadId: id, sha256: sha(data), ...extra });
}

const latest = async (who: string, project: string, name: string) =>
  (await call(who, "GET", `/api/v1/artifacts/${project}/${name}/latest`)).body as { version: number; sha256: string };
const message = (r: Res) => (r.body["error"] as { message: string } | undefined)?.message ?? "";

beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0 });
  tok["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  const repo = server.store.tokens;
  for (const u of ["alice", "bob", "carol"]) tok[u] = await repo.create(u, "user", Date.now());
  tok["ops"] = await repo.create("ops", "operator", Date.now());
});
afterAll(async () => server.close());

describe("projects own their artifacts", () => {
  it("bob cannot publish into alice's project, and alice's latest stays hers", async () => {
    expect((await publish("alice", "alice", "data", Buffer.from("alice v1"))).status).toBe(201);
    const before = await latest("alice", "alice", "data");
    const r = await publish("bob", "alice", "data", Buffer.from("bob's bytes"));
    expect(r.status).toBe(403);
    expect(message(r)).toMatch(/bob cannot publish into project "alice"/);
    expect(await latest("alice", "alice", "data")).toEqual(before);
    // a project named like a user belongs to that user even before that user publishes anything
    expect((await publish("bob", "carol", "x", Buffer.from("squat"))).status).toBe(403);
  });

  it("the first publisher of a project owns it; others need a grant to publish", async () => {
    expect((await publish("alice", "nlp", "imdb", Buffer.from("imdb v1"))).status).toBe(201);
    expect((await publish("bob", "nlp", "imdb", Buffer.from("bob v2"))).status).toBe(403);
    expect((await latest("alice", "nlp", "imdb")).version).toBe(1);
    const proj = await call("alice", "GET", "/api/v1/projects/nlp");
    expect(proj.body["members"]).toEqual([expect.objectContaining({ user: "alice", role: "owner" })]);
    // bob cannot grant himself anything, nor see the project
    expect((await call("bob", "POST", "/api/v1/projects/nlp/members", { user: "bob", role: "owner" })).status).toBe(404);
    expect((await call("bob", "GET", "/api/v1/projects/nlp")).status).toBe(404);
    expect((await call("alice", "POST", "/api/v1/projects/nlp/members", { user: "bob", role: "publisher" })).status).toBe(200);
    expect((await publish("bob", "nlp", "imdb", Buffer.from("bob v2"))).status).toBe(201);
    expect((await latest("alice", "nlp", "imdb")).version).toBe(2);
    // a publisher is not an owner: it cannot manage members
    const grant = await call("bob", "POST", "/api/v1/projects/nlp/members", { user: "carol", role: "reader" });
    expect(grant.status).toBe(403);
    expect(message(grant)).toMatch(/needs the owner role/);
    // the last owner cannot leave
    expect((await call("alice", "DELETE", "/api/v1/projects/nlp/members/alice")).status).toBe(409);
  });

  it("private data answers 404 to outsiders: list, metadata, content, lineage", async () => {
    const list = (await call("carol", "GET", "/api/v1/artifacts")).body["artifacts"] as { project: string }[];
    expect(list.filter((a) => a.project === "alice" || a.project === "nlp")).toEqual([]);
    expect((await call("carol", "GET", "/api/v1/artifacts?project=alice")).body["artifacts"]).toEqual([]);
    expect((await call("carol", "GET", "/api/v1/artifacts/alice/data/1")).status).toBe(404);
    expect((await call("carol", "GET", "/api/v1/artifacts/alice/data/1/content")).status).toBe(404);
    // the answer for another user's artifact is the answer for one that does not exist
    const missing = await call("carol", "GET", "/api/v1/artifacts/alice/nothing/1/content");
    const hidden = await call("carol", "GET", "/api/v1/artifacts/alice/data/1/content");
    expect(hidden.body["error"]).toMatchObject({ code: (missing.body["error"] as { code: string }).code });
    // a parent carol cannot read cannot be named as lineage either
    const parent = (await call("alice", "GET", "/api/v1/artifacts/alice/data/1")).body["id"] as string;
    expect((await publish("carol", "carol", "derived", Buffer.from("c"), { parents: [parent] })).status).toBe(404);
    // operators read everything
    expect((await call("ops", "GET", "/api/v1/artifacts/alice/data/1/content")).status).toBe(200);
  });

  it("deleting and changing versions needs the publisher role; outsiders get 404, readers 403", async () => {
    expect((await call("carol", "DELETE", "/api/v1/artifacts/alice/data/1")).status).toBe(404);
    expect((await call("alice", "POST", "/api/v1/projects/alice/members", { user: "carol", role: "reader" })).status).toBe(200);
    const del = await call("carol", "DELETE", "/api/v1/artifacts/alice/data/1");
    expect(del.status).toBe(403);
    expect(message(del)).toMatch(/carol cannot delete artifacts in project "alice"/);
    expect((await call("carol", "PATCH", "/api/v1/artifacts/alice/data/1", { tier: "cold" })).status).toBe(403);
    expect((await call("carol", "GET", "/api/v1/artifacts/alice/data/1/content")).status).toBe(200);
    const patched = await call("alice", "PATCH", "/api/v1/artifacts/alice/data/1", { tier: "warm", metadata: { note: "ok" } });
    expect(patched.body).toMatchObject({ tier: "warm", metadata: { note: "ok" } });
    expect((await latest("alice", "alice", "data")).version).toBe(1);
  });
});

describe("DELETE /api/v1/artifacts/{project}/{name}/{version}", () => {
  it("moves latest back, keeps a tombstone in lineage, and removes bytes no version uses", async () => {
    const same = Buffer.from("shared bytes");
    for (const [name, data] of [
      ["ds", Buffer.from("ds v1")],
      ["ds", same],
      ["copy", same],
    ] as const)
      expect((await publish("alice", "alice", name, data)).status).toBe(201);
    const v2 = (await call("alice", "GET", "/api/v1/artifacts/alice/ds/2")).body as { id: string; sha256: string };
    expect((await publish("alice", "alice", "child", Buffer.from("child"), { parents: [v2.id] })).status).toBe(201);
    const blob = join(dataDir, "blobs", "sha256", v2.sha256.slice(0, 2), v2.sha256);

    const del = await call("alice", "DELETE", "/api/v1/artifacts/alice/ds/2");
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ version: 2, deletedBy: "alice" });
    expect((await latest("alice", "alice", "ds")).version).toBe(1);
    expect((await call("alice", "GET", "/api/v1/artifacts/alice/ds/2/content")).status).toBe(404);
    expect((await call("alice", "DELETE", "/api/v1/artifacts/alice/ds/2")).status).toBe(404);
    expect(existsSync(blob)).toBe(true); // alice/copy still uses the same bytes
    const child = (await call("alice", "GET", "/api/v1/artifacts/alice/child/1")).body as { lineage: { parents: unknown[] } };
    expect(child.lineage.parents).toEqual([{ id: v2.id, project: "alice", name: "ds", version: 2, deleted: true }]);
    const tomb = await call("alice", "GET", "/api/v1/artifacts/alice/ds/2");
    expect(tomb.body).toMatchObject({ version: 2, deletedBy: "alice" });
    const listed = (await call("alice", "GET", "/api/v1/artifacts?project=alice&name=ds")).body["artifacts"] as { version: number }[];
    expect(listed.map((a) => a.version)).toEqual([1]);

    expect((await call("alice", "DELETE", "/api/v1/artifacts/alice/copy/1")).status).toBe(200);
    expect(existsSync(blob)).toBe(false); // nothing references the bytes any more
    // version numbers are never reused
    expect(((await publish("alice", "alice", "ds", Buffer.from("ds v3"))).body as { version: number }).version).toBe(3);
  });
});

describe("served models change only by promotion", () => {
  let aliceV1: { id: string; version: number };

  beforeAll(async () => {
    const m1 = packageTar(await tinyModel(join(work, "m1")));
    const m2 = packageTar(await tinyModel(join(work, "m2"), { inverted: true }));
    const meta = { kind: "model", metadata: { format: "aidc-model-package+tar" } };
    aliceV1 = (await publish("alice", "alice", "sentiment", m1, meta)).body as { id: string; version: number };
    expect((await publish("alice", "alice", "sentiment", m2, meta)).status).toBe(201);
    expect((await publish("bob", "bob", "sentiment", m2, meta)).status).toBe(201);
  });

  const score = async (who: string, name: string) => {
    const r = await call(who, "POST", `/api/v1/models/${name}:predict`, { instances: ["wonderful, brilliant and moving"] });
    expect(r.status).toBe(200);
    return (r.body["predictions"] as { score: number }[])[0]?.score ?? NaN;
  };

  it("the first promotion claims a free name for the project; another user's promotion is refused", async () => {
    const r = await call("alice", "POST", "/api/v1/models/sentiment/promote", { artifact: "alice/sentiment:1" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: "sentiment", project: "alice", artifact: { project: "alice", name: "sentiment", version: 1 } });
    expect(await score("bob", "sentiment")).toBeGreaterThan(0.5);
    const steal = await call("bob", "POST", "/api/v1/models/sentiment/promote", { artifact: "bob/sentiment:1" });
    expect(steal.status).toBe(403);
    expect(message(steal)).toMatch(/belongs to project "alice"/);
    expect((await call("bob", "DELETE", "/api/v1/models/sentiment")).status).toBe(403);
    expect((await call("bob", "POST", "/api/v1/models/other/promote", { artifact: "alice/sentiment:1" })).status).toBe(404);
    expect(await score("bob", "sentiment")).toBeGreaterThan(0.5);
    const list = (await call("bob", "GET", "/api/v1/models")).body["models"];
    expect(list).toEqual([
      expect.objectContaining({ name: "sentiment", project: "alice", artifact: expect.objectContaining({ version: 1 }) }),
    ]);
  });

  it("a training job of another user with the same model name adds a version in its own project and serves nothing", async () => {
    const runDir = join(work, "bob-run");
    await tinyModel(join(runDir, "model"), { inverted: true });
    const made = await registerModel(
      {
        store: server.store,
        blobs: new BlobStore(join(dataDir, "blobs")),
        modelsDir: join(dataDir, "models"),
        now: () => Date.now(),
      },
      { id: "j-bob", user: "bob", spec: { name: "t", run: { workload: "sentiment-train", args: { name: "sentiment" } } } as never },
      runDir,
    );
    expect(made).toMatchObject({ project: "bob", name: "sentiment", version: 2, promoted: false });
    expect(await score("alice", "sentiment")).toBeGreaterThan(0.5); // still alice's v1
    // and a job cannot publish into someone else's project either
    const refused = registerModel(
      {
        store: server.store,
        blobs: new BlobStore(join(dataDir, "blobs")),
        modelsDir: join(dataDir, "models"),
        now: () => Date.now(),
      },
      {
        id: "j-bob2",
        user: "bob",
        spec: { name: "t", run: { workload: "sentiment-train", args: { name: "x", project: "alice" } } } as never,
      },
      runDir,
    );
    await expect(refused).rejects.toThrow(/cannot publish into project "alice"/);
  });

  it("an explicit promotion switches the served version at once; a served version cannot be deleted", async () => {
    const r = await call("alice", "POST", "/api/v1/models/sentiment/promote", { artifact: "alice/sentiment:2" });
    expect(r.body).toMatchObject({ artifact: { version: 2 } });
    expect(await score("alice", "sentiment")).toBeLessThan(0.5); // v2 was trained with the labels swapped
    const del = await call("alice", "DELETE", "/api/v1/artifacts/alice/sentiment/2");
    expect(del.status).toBe(409);
    expect(message(del)).toMatch(/served as model "sentiment"/);
    expect(
      (await call("alice", "POST", "/api/v1/models/sentiment/promote", { artifact: `alice/sentiment:${aliceV1.version}` })).status,
    ).toBe(200);
    expect(await score("alice", "sentiment")).toBeGreaterThan(0.5);
    // installs are whole folders put in place by a rename: no staging folder is left behind
    expect(readdirSync(join(dataDir, "models")).filter((f) => f.startsWith(".staging-"))).toEqual([]);
    // a non-model artifact cannot be promoted
    const bad = await call("alice", "POST", "/api/v1/models/sentiment/promote", { artifact: "alice/data:1" });
    expect(bad.status).toBe(400);
  });

  it("error answers about models do not reveal the data dir", async () => {
    const r = await call("alice", "POST", "/api/v1/models/nope:predict", { instances: ["hi"] });
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).not.toContain(dataDir);
  });
});

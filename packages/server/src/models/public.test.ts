import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageTar, tinyModel } from "../artifacts/fixtures.testing.js";
import { startServer, type RunningServer } from "../main.js";

// Written as an attacker would try it: without a token, against a server with one public model.
const dataDir = mkdtempSync(join(tmpdir(), "aidc-public-"));
const work = mkdtempSync(join(tmpdir(), "aidc-public-work-"));
let server: RunningServer;
const tok: Record<string, string> = {};
const TEXT = "A wonderful, moving film. Brilliant acting, I loved it!";
const v2Body = { inputs: [{ name: "text", shape: [1], datatype: "BYTES", data: [TEXT] }] };

async function call(who: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = body !== undefined ? { "content-type": "application/json" } : {};
  if (who !== undefined) headers["authorization"] = `Bearer ${tok[who] ?? who}`;
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, text: await res.text() };
}
const predict = (who: string | undefined, name: string) => call(who, "POST", `/api/v1/models/${name}:predict`, { instances: [TEXT] });

beforeAll(async () => {
  // two operator packages: "private" (no flag) and "open" (serving.json public: true)
  await tinyModel(join(dataDir, "models", "private"));
  await tinyModel(join(dataDir, "models", "open"));
  writeFileSync(join(dataDir, "models", "open", "serving.json"), JSON.stringify({ public: true, maxBatchSize: 8 }));
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0 });
  tok["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  const repo = server.store.tokens;
  tok["alice"] = await repo.create("alice", "user", Date.now());
  tok["vic"] = await repo.create("vic", "viewer", Date.now());
});
afterAll(async () => server.close());

describe("serving auth: predictions need a token unless the model is marked public", () => {
  it("a private model needs a token, of any role (a viewer may predict)", async () => {
    expect((await predict(undefined, "private")).status).toBe(401);
    expect((await predict("aidc_forged", "private")).status).toBe(401);
    expect((await call(undefined, "POST", "/v2/models/private/infer", v2Body)).status).toBe(401);
    expect((await predict("vic", "private")).status).toBe(200);
    expect((await call("vic", "POST", "/v2/models/private/infer", v2Body)).status).toBe(200);
  });

  it("a public model answers predictions and its own metadata without a token", async () => {
    const r = await predict(undefined, "open");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toMatchObject({ model: "open", predictions: [{ label: "positive" }] });
    expect((await call(undefined, "POST", "/v2/models/open/infer", v2Body)).status).toBe(200);
    expect((await call(undefined, "POST", "/v2/models/open/versions/1/infer", v2Body)).status).not.toBe(401);
    expect((await call(undefined, "GET", "/v2/models/open")).status).toBe(200);
    expect((await call(undefined, "GET", "/v2/models/open/ready")).status).toBe(200);
  });

  it("a public model opens nothing else: other models, its admin routes, explanations, other routes", async () => {
    // other models, also by encoding tricks on the path
    for (const path of [
      "/api/v1/models/private:predict",
      "/api/v1/models/open%2F..%2Fprivate:predict",
      "/api/v1/models/open:predict:predict",
      "/api/v1/models/..%2Fprivate:predict",
      "/api/v1/models/private%3Apredict",
      "/v2/models/private/infer",
      "/v2/models/private/versions/1/infer",
    ])
      expect((await call(undefined, "POST", path, { instances: [TEXT], ...v2Body })).status, path).toBe(401);
    expect((await call(undefined, "GET", "/v2/models/private")).status).toBe(401);
    // the public model's own management routes and listing still need a token
    expect((await call(undefined, "GET", "/api/v1/models/open")).status).toBe(401);
    expect((await call(undefined, "GET", "/api/v1/models")).status).toBe(401);
    expect((await call(undefined, "DELETE", "/api/v1/models/open")).status).toBe(401);
    expect((await call(undefined, "POST", "/api/v1/models/open/promote", { artifact: "x/y:1" })).status).toBe(401);
    // explanations cost hundreds of predictions: a token even for a public model
    expect((await call(undefined, "POST", "/api/v1/models/open:predict?explain=lime", { instances: [TEXT] })).status).toBe(401);
    // every other route
    for (const [method, path] of [
      ["GET", "/api/v1/jobs"],
      ["GET", "/api/v1/nodes"],
      ["GET", "/v2"],
      ["GET", "/api/v1/artifacts"],
    ] as const)
      expect((await call(undefined, method, path)).status, path).toBe(401);
  });

  it("a promotion marks a name public (and private again); a released name forgets it", async () => {
    const data = packageTar(await tinyModel(join(work, "m")));
    const sha = createHash("sha256").update(data).digest("hex");
    const { id } = JSON.parse((await call("alice", "POST", "/api/v1/uploads")).text) as { id: string };
    const up = await fetch(`${server.url}/api/v1/uploads/${id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${tok["alice"]}`, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
      body: data,
    });
    expect(up.status).toBe(200);
    const meta = {
      project: "alice",
      name: "sent",
      kind: "model",
      metadata: { format: "aidc-model-package+tar" },
      uploadId: id,
      sha256: sha,
    };
    expect((await call("alice", "POST", "/api/v1/artifacts", meta)).status).toBe(201);

    const promoted = await call("alice", "POST", "/api/v1/models/sent/promote", { artifact: "alice/sent:1", public: true });
    expect(promoted.status).toBe(200);
    expect(JSON.parse(promoted.text)).toMatchObject({ name: "sent", public: true });
    expect((await predict(undefined, "sent")).status).toBe(200);
    // promoting again without the flag keeps it
    expect((await call("alice", "POST", "/api/v1/models/sent/promote", { artifact: "alice/sent:1" })).status).toBe(200);
    expect((await predict(undefined, "sent")).status).toBe(200);
    expect((await call("alice", "POST", "/api/v1/models/sent/promote", { artifact: "alice/sent:1", public: false })).status).toBe(200);
    expect((await predict(undefined, "sent")).status).toBe(401);
    await call("alice", "POST", "/api/v1/models/sent/promote", { artifact: "alice/sent:1", public: true });
    expect((await call("alice", "DELETE", "/api/v1/models/sent")).status).toBe(200);
    expect((await call("alice", "POST", "/api/v1/models/sent/promote", { artifact: "alice/sent:1" })).status).toBe(200);
    expect((await predict(undefined, "sent")).status).toBe(401);
    const listed = JSON.parse((await call("vic", "GET", "/api/v1/models")).text) as { models: { name: string; public: boolean }[] };
    expect(listed.models.map((m) => [m.name, m.public])).toEqual([
      ["open", true],
      ["private", false],
      ["sent", false],
    ]);
  });
});

describe("a public model is rate-limited per client address", () => {
  it("anonymous predictions beyond the burst get 429 with Retry-After; a token holder is not counted against it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-public-limit-"));
    await tinyModel(join(dir, "models", "open"));
    writeFileSync(join(dir, "models", "open", "serving.json"), JSON.stringify({ public: true }));
    const limited = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: dir,
      logLevel: "silent",
      metricsIntervalS: 0,
      rateLimitPerS: 2,
    });
    try {
      const admin = readFileSync(limited.adminTokenFile, "utf8").trim();
      const post = (token?: string) =>
        fetch(`${limited.url}/api/v1/models/open:predict`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ instances: [TEXT] }),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await post()).status);
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
      expect(statuses).toContain(429);
      const refused = await post();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await post(admin)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

import { mkdtempSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./main.js";
import { MIGRATIONS } from "./store/migrations.js";
import Database from "better-sqlite3";
import { SqliteStore } from "./store/sqlite.js";

const repo = new URL("../../../", import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), "aidc-server-"));
let server: RunningServer;
let token: string;

async function get(path: string): Promise<{ status: number; body: unknown; text: string; type: string | null }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const type = res.headers.get("content-type");
  return { status: res.status, text, type, body: type?.includes("json") ? (JSON.parse(text) as unknown) : undefined };
}

async function post(path: string, body: string, type = "application/json") {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": type, authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    logLevel: "silent",
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server.close();
});

describe("aidc serve", () => {
  it("binds to loopback and answers health and readiness", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get("/healthz")).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(await get("/readyz")).toMatchObject({ status: 200, body: { status: "ready" } });
  });

  it("serves an OpenAPI 3 document generated from the route schemas", async () => {
    const { status, body } = await get("/openapi.json");
    expect(status).toBe(200);
    const doc = body as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string; schema: { enum?: string[] } }[] }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/healthz", "/api/v1/catalog/{section}", "/api/v1/cluster", "/api/v1/validate"]),
    );
    const section = doc.paths["/api/v1/catalog/{section}"]?.["get"]?.parameters?.find((p) => p.name === "section");
    expect(section?.schema.enum).toContain("accelerators");
  });

  it("exports Prometheus metrics with aidc_* series", async () => {
    await get("/healthz");
    const { status, text, type } = await get("/metrics");
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain/);
    expect(text).toMatch(/^aidc_cluster_nodes\{cluster="demo"\} 6$/m);
    expect(text).toMatch(/^aidc_cluster_gpus\{cluster="demo",accelerator="h100-sxm5-80gb"\} 32$/m);
    expect(text).toMatch(/^aidc_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+$/m);
    expect(text).toMatch(/^aidc_process_resident_memory_bytes \d+/m);
  });

  it("serves the catalog, resolving aliases, and 404s with a suggestion", async () => {
    const list = await get("/api/v1/catalog/accelerators");
    expect((list.body as { items: unknown[] }).items.length).toBeGreaterThan(20);
    expect(await get("/api/v1/catalog/accelerators/NVIDIA%20H100%20SXM")).toMatchObject({ status: 200, body: { id: "h100-sxm5-80gb" } });
    const miss = await get("/api/v1/catalog/systems/dgx-h1000");
    expect(miss.status).toBe(404);
    expect(miss.body).toMatchObject({ error: { code: "NOT_FOUND" } });
    const badSection = await get("/api/v1/catalog/gpus");
    expect(badSection.status).toBe(400);
    expect((badSection.body as { error: { issues: { path: string }[] } }).error.issues[0]?.path).toBe("params.section");
  });

  it("returns the expanded cluster", async () => {
    const { body } = await get("/api/v1/cluster");
    expect(body).toMatchObject({ name: "demo", totals: { nodes: 6, gpus: 48 } });
  });

  it("validates documents: 422 with issues, 200 when valid, 400 on malformed JSON", async () => {
    const bad = await post(
      "/api/v1/validate",
      JSON.stringify({ apiVersion: "aidc/v1", kind: "Job", name: "j", tasks: [{ replicas: -1 }], run: {} }),
    );
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ error: { code: "INVALID_DOCUMENT" } });
    expect((bad.body as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)).toContain("tasks[0].replicas");
    const good = await post(
      "/api/v1/validate",
      JSON.stringify({ apiVersion: "aidc/v1", kind: "Job", name: "j", tasks: [{}], run: { command: "true" } }),
    );
    expect(good).toMatchObject({ status: 200, body: { ok: true, kind: "Job" } });
    const broken = await post("/api/v1/validate", "{not json");
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ error: { code: expect.stringMatching(/JSON/) } });
  });

  it("answers unknown routes with a JSON 404, a wrong method with 405 and Allow, an unknown query parameter with 400", async () => {
    expect(await get("/api/v1/nothing")).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND" } } });
    const wrong = await fetch(`${server.url}/api/v1/cluster`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD");
    expect(await wrong.json()).toMatchObject({ error: { code: "METHOD_NOT_ALLOWED" } });
    const query = await get("/api/v1/cluster?verbose=1");
    expect(query.status).toBe(400);
    expect(query.body).toMatchObject({
      error: { code: "INVALID_INPUT", issues: [{ code: "unknown_field", path: "querystring.verbose" }] },
    });
    expect((query.body as { error: { message: string } }).error.message).toMatch(/querystring\.verbose/);
    expect((await get("/api/v1/events?limit=2&subject=server")).status).toBe(200); // documented parameters still pass
  });

  it("never shows the data dir or the cluster file path to a caller", async () => {
    const viewer = await post("/api/v1/tokens", JSON.stringify({ user: "watcher", role: "viewer" }));
    const saved = token;
    token = viewer.body["token"] as string;
    try {
      const events = await get("/api/v1/events?limit=1000");
      expect(events.text).not.toContain(dataDir);
      expect(events.text).not.toContain("demo.yaml");
      expect(events.text).not.toContain("token.created");
    } finally {
      token = saved;
    }
  });

  it("records its events in the SQLite store (WAL) and keeps them across a restart", async () => {
    const path = join(dataDir, "aidc.db");
    expect(existsSync(path)).toBe(true);
    expect(server.store.backend).toBe("sqlite");
    // WAL is a property of the file: a second, read-only connection sees it
    const file = new Database(path, { readonly: true });
    try {
      expect(file.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      file.close();
    }
    const types = (await server.store.events.list(100)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["server.started", "cluster.loaded"]));
  });
});

describe("server lifecycle", () => {
  it("stops cleanly, and a second server on the same store sees the first one's events", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-restart-"));
    const first = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, logLevel: "silent" });
    await first.close();
    await first.close(); // idempotent
    await expect(fetch(`${first.url}/healthz`)).rejects.toThrow();
    const second = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, logLevel: "silent" });
    try {
      const types = (await second.store.events.list(100)).map((e) => e.type);
      expect(types.filter((t) => t === "server.stopped")).toHaveLength(1);
      expect(types.filter((t) => t === "server.started")).toHaveLength(2);
      const admin = readFileSync(second.adminTokenFile, "utf8").trim();
      const res = await fetch(`${second.url}/api/v1/cluster`, { headers: { authorization: `Bearer ${admin}` } });
      const cluster = (await res.json()) as { name: string; nodes: { gpus: number }[] };
      expect(cluster.name).toBe("local"); // no cluster file: this machine, no GPUs
      expect(cluster.nodes.map((n) => n.gpus)).toEqual([0]);
    } finally {
      await second.close();
    }
  });
});

describe("store migrations", () => {
  it("applies numbered migrations once and refuses a store newer than the code", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "aidc-mig-")), "aidc.db");
    const s1 = SqliteStore.open(path);
    const versions = await s1.appliedVersions();
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.length).toBeGreaterThanOrEqual(2);
    s1.sqlite.db.prepare("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (999, 'future', 0)").run();
    await s1.close();
    expect(() => SqliteStore.open(path)).toThrow(/migrations 999 that this aidc does not know/);
    const s2 = SqliteStore.open(path, [...MIGRATIONS, { version: 999, name: "future", sql: "" }]);
    expect(await s2.appliedVersions()).toEqual([...versions, 999]);
    await s2.close();
  });

  it("rolls back a failing migration completely", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "aidc-mig-")), "aidc.db");
    expect(() => SqliteStore.open(path, [{ version: 1, name: "bad", sql: "CREATE TABLE t (x); INSERT INTO nope VALUES (1);" }])).toThrow();
    const s = SqliteStore.open(path, [{ version: 1, name: "good", sql: "CREATE TABLE t (x)" }]);
    expect(await s.appliedVersions()).toEqual([1]);
    await s.close();
  });
});

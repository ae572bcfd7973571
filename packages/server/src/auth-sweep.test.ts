import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessFor, ROUTE_ACCESS } from "./access.js";
import { startServer, type RunningServer } from "./main.js";

const repo = new URL("../../../", import.meta.url).pathname;
let server: RunningServer;
let admin: string;
const tokens: Record<string, string> = {};

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly route: string;
  readonly access: string;
}

/** Every operation of the OpenAPI document, plus the Open Inference Protocol's routes, with a concrete path. */
async function operations(): Promise<Operation[]> {
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const out: Operation[] = [];
  const add = (method: string, docPath: string): void => {
    const route = docPath.replace(/\{(\w+)\}/g, ":$1");
    const path = docPath.replace(/\{target\}/g, "m:predict").replace(/\{\w+\}/g, "x");
    if (out.some((o) => o.method === method && o.route === route)) return;
    out.push({ method, path, route, access: accessFor(method, route, path) });
  };
  for (const [path, ops] of Object.entries(doc.paths)) for (const method of Object.keys(ops)) add(method.toUpperCase(), path);
  for (const route of Object.keys(ROUTE_ACCESS).filter((k) => / \/v2/.test(k))) {
    const [method = "GET", path = ""] = route.split(" ");
    add(method, path.replace(/:(\w+)/g, "{$1}"));
  }
  return out;
}

async function call(op: Operation, token?: string): Promise<{ status: number; body: unknown }> {
  const hasBody = op.method !== "GET" && op.method !== "HEAD" && op.method !== "DELETE";
  const res = await fetch(`${server.url}${op.path}?unknown-parameter=1`, {
    method: op.method,
    headers: {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(hasBody ? { "content-type": "application/json" } : {}),
    },
    // a body no schema accepts: the answer must still be about the token, not the body
    ...(hasBody ? { body: '{"not valid": [' } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "aidc-sweep-")),
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    executor: "sim",
    logLevel: "silent",
  });
  admin = readFileSync(server.adminTokenFile, "utf8").trim();
  for (const role of ["viewer", "user", "operator"]) {
    const res = await fetch(`${server.url}/api/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ user: `sweep-${role}`, role }),
    });
    tokens[role] = ((await res.json()) as { token: string }).token;
  }
});
afterAll(async () => {
  await server.close();
});

describe("authentication on every route", () => {
  it("lists every route of the document in the access table", async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(40);
    const missing = ops.filter((o) => ROUTE_ACCESS[`${o.method} ${o.route}`] === undefined).map((o) => `${o.method} ${o.route}`);
    expect(missing).toEqual([]);
  });

  it("answers 401 without a token and with a made-up one, before looking at the query or the body", async () => {
    const failures: string[] = [];
    for (const op of (await operations()).filter((o) => o.access !== "public")) {
      for (const token of [undefined, "aidc_made-up-token", tokens["viewer"]?.slice(0, -2)]) {
        const r = await call(op, token);
        if (r.status !== 401) failures.push(`${op.method} ${op.path} (${token === undefined ? "no token" : "bad token"}): ${r.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers 403 to a viewer on every route that writes, before looking at the body", async () => {
    const failures: string[] = [];
    const writes = (await operations()).filter((o) => o.access !== "public" && o.access !== "viewer");
    expect(writes.length).toBeGreaterThan(15);
    for (const op of writes) {
      const r = await call(op, tokens["viewer"]);
      if (r.status !== 403) failures.push(`${op.method} ${op.path}: ${r.status}`);
      else expect(r.body).toMatchObject(op.path.startsWith("/v2") ? { error: expect.any(String) } : { error: { code: "FORBIDDEN" } });
    }
    expect(failures).toEqual([]);
  });

  it("keeps health checks, the document and the console public, and everything else closed", async () => {
    for (const path of ["/healthz", "/readyz", "/openapi.json", "/", "/jobs/42", "/?token=abc"]) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    }
    for (const path of ["/metrics", "/api/v1/no-such-route", "/v2/no-such-route", "/api/v1/cluster"]) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(401);
    }
    // even the router's own refusals (a broken %-escape, an overlong parameter) come after the token
    for (const path of ["/api/v1/jobs/%E0%A4%A", `/api/v1/jobs/${"x".repeat(2000)}`]) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(401);
      const withToken = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${tokens["viewer"]}` } });
      expect([400, 404, 414], path).toContain(withToken.status);
      expect(await withToken.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    const res = await fetch(`${server.url}/api/v1/cluster`);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await res.json()).toEqual({ error: { code: "UNAUTHORIZED", message: expect.stringMatching(/bearer token/) } });
  });

  it("lets each role through to what it may do", async () => {
    const get = async (path: string, token: string | undefined): Promise<number> =>
      (await fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status;
    expect(await get("/api/v1/cluster", tokens["viewer"])).toBe(200);
    expect(await get("/metrics", tokens["viewer"])).toBe(200);
    const cordon = (token: string | undefined): Promise<Response> =>
      fetch(`${server.url}/api/v1/nodes/no-such-node/cordon`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
    expect((await cordon(tokens["user"])).status).toBe(403);
    expect((await cordon(tokens["operator"])).status).toBe(404); // allowed; the node does not exist
    const mint = await fetch(`${server.url}/api/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens["operator"]}`, "content-type": "application/json" },
      body: JSON.stringify({ user: "mallory", role: "admin" }),
    });
    expect(mint.status).toBe(403);
  });
});

describe("--public-metrics", () => {
  it("serves /metrics without a token only when asked to", async () => {
    const open = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "aidc-public-metrics-")),
      logLevel: "silent",
      metricsIntervalS: 0,
      publicMetrics: true,
    });
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${open.url}/api/v1/cluster`)).status).toBe(401);
    } finally {
      await open.close();
    }
  });
});

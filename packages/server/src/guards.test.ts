import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./main.js";

// 5 requests per second per key, bursts of 10: small enough that 40 quick requests must hit it
let server: RunningServer;
let admin: string;

async function status(token: string | undefined, path = "/api/v1/cluster"): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get("retry-after") };
}

async function newToken(user: string): Promise<string> {
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ user, role: "viewer" }),
    });
    if (res.status === 201) return ((await res.json()) as { token: string }).token;
    expect(res.status).toBe(429); // the admin's own bucket; wait for it
    await new Promise((r) => setTimeout(r, 1000));
  }
}

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "aidc-limits-")),
    logLevel: "silent",
    metricsIntervalS: 0,
    rateLimitPerS: 5,
  });
  admin = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server.close();
});

describe("rate limits", () => {
  it("limit failed authentication per client address, however the made-up tokens rotate", async () => {
    const alice = await newToken("alice");
    const answers = [];
    for (let i = 0; i < 40; i++) answers.push(await status(`aidc_guess-${i}`));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
    expect(Number(limited[0]?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await status(undefined)).status).toBe(429); // no token at all: the same address, the same bucket
    expect((await status(alice)).status).toBe(200); // a real caller from the same address has its own bucket
  });

  it("limit a principal, however many tokens it holds, without touching others", async () => {
    const tokens = [await newToken("carol"), await newToken("carol"), await newToken("carol")];
    const dave = await newToken("dave");
    const answers = [];
    for (let i = 0; i < 40; i++) answers.push(await status(tokens[i % tokens.length]));
    expect(answers.some((a) => a.status === 429)).toBe(true);
    expect((await status(dave)).status).toBe(200);
  });

  it("never limit the health checks", async () => {
    for (let i = 0; i < 40; i++) expect((await status(undefined, "/healthz")).status).toBe(200);
  });
});

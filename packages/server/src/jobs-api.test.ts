import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./main.js";
import { pendingJob } from "./jobs.testing.js";

const dataDir = mkdtempSync(join(tmpdir(), "aidc-jobs-"));
let server: RunningServer;
const tokens: Record<string, string> = {};

// jobs stay pending (a dependency nobody submits), so the API is tested alone
const job = pendingJob;

async function call(method: string, path: string, who: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { ...headers };
  if (who !== undefined) h["authorization"] = `Bearer ${tokens[who] ?? who}`;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === "string" ? body : JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  const res = await fetch(`${server.url}${path}`, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & {
      error?: { code: string; message?: string; issues?: { path: string; line?: number }[] };
    },
  };
}

beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent" });
  tokens["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  const repo = server.store.tokens;
  for (const [user, role] of [
    ["alice", "user"],
    ["bob", "user"],
    ["olga", "operator"],
    ["vic", "viewer"],
  ] as const) {
    tokens[user] = await repo.create(user, role, Date.now());
  }
});
afterAll(async () => {
  await server.close();
});

describe("jobs API", () => {
  it("writes an admin token readable only by its owner on first start", () => {
    expect(statSync(server.adminTokenFile).mode & 0o777).toBe(0o600);
    expect(tokens["admin"]).toMatch(/^aidc_/);
  });

  it("requires a valid token and the right role", async () => {
    expect((await call("GET", "/api/v1/jobs", undefined)).status).toBe(401);
    expect((await call("GET", "/api/v1/jobs", "aidc_forged")).status).toBe(401);
    const viewer = await call("POST", "/api/v1/jobs", "vic", job("v"));
    expect(viewer.status).toBe(403);
    expect(viewer.body.error?.code).toBe("FORBIDDEN");
    expect((await call("POST", "/api/v1/jobs", "alice", job("as-bob", { user: "bob" }))).status).toBe(403);
  });

  it("accepts a job as JSON, stores it pending under the caller, and hides it from other users", async () => {
    const created = await call("POST", "/api/v1/jobs", "alice", job("a1"));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "a1", user: "alice", state: "pending", queue: "default" });
    const id = created.body["id"] as string;
    expect((await call("GET", `/api/v1/jobs/${id}`, "alice")).body).toMatchObject({ id, state: "pending" });
    expect((await call("GET", `/api/v1/jobs/${id}`, "bob")).status).toBe(404);
    expect((await call("DELETE", `/api/v1/jobs/${id}`, "bob")).status).toBe(404);
    expect((await call("GET", `/api/v1/jobs/${id}`, "vic")).status).toBe(200);
    const bobsList = (await call("GET", "/api/v1/jobs", "bob")).body["jobs"] as unknown[];
    expect(bobsList).toEqual([]);
  });

  it("accepts YAML and reports YAML problems with paths and lines", async () => {
    const yaml =
      "apiVersion: aidc/v1\nkind: Job\nname: y1\ntasks: [{ resources: { gpus: 0 } }]\nrun: { command: [echo, hi] }\ndependsOn: [never-submitted]\n";
    const ok = await call("POST", "/api/v1/jobs", "alice", yaml, { "content-type": "application/yaml" });
    expect(ok.status).toBe(201);
    const bad = await call(
      "POST",
      "/api/v1/jobs",
      "alice",
      yaml.replace("tasks: [{ resources: { gpus: 0 } }]", "tasks:\n  - replicas: 0"),
      {
        "content-type": "application/yaml",
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error?.issues?.[0]).toMatchObject({ path: "tasks[0].replicas", line: 5 });
  });

  it("never creates a second job for a retried Idempotency-Key", async () => {
    const headers = { "idempotency-key": "k-1" };
    const first = await call("POST", "/api/v1/jobs", "bob", job("b1"), headers);
    const again = await call("POST", "/api/v1/jobs", "bob", job("b1"), headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body["id"]).toBe(first.body["id"]);
    expect((await call("POST", "/api/v1/jobs", "bob", job("b2"), headers)).status).toBe(409);
    // the same key from another user is another request
    expect((await call("POST", "/api/v1/jobs", "alice", job("b1"), headers)).status).toBe(201);
    const bobs = (await call("GET", "/api/v1/jobs", "bob")).body["jobs"] as { name: string }[];
    expect(bobs.filter((j) => j.name === "b1")).toHaveLength(1);
  });

  it("cancels a job once; a second cancel is an illegal transition (409)", async () => {
    const id = (await call("POST", "/api/v1/jobs", "alice", job("c1"))).body["id"] as string;
    expect((await call("DELETE", `/api/v1/jobs/${id}`, "alice")).body).toMatchObject({ state: "cancelled" });
    expect((await call("DELETE", `/api/v1/jobs/${id}`, "alice")).status).toBe(409);
    const events = (await call("GET", `/api/v1/jobs/${id}/events`, "alice")).body["events"] as { type: string }[];
    expect(events.map((e) => e.type)).toEqual(["job.submitted", "job.cancelled"]);
    const cancelled = (await call("GET", "/api/v1/jobs?state=cancelled", "olga")).body["jobs"] as { id: string }[];
    expect(cancelled.map((j) => j.id)).toContain(id);
    expect((await call("GET", "/api/v1/jobs?state=done", "olga")).status).toBe(400);
  });

  it("refuses oversized and malformed bodies with the right status", async () => {
    const huge = job("h", { labels: { blob: "x".repeat(5 * 1024 * 1024) } });
    expect((await call("POST", "/api/v1/jobs", "alice", huge)).status).toBe(413);
    expect((await call("POST", "/api/v1/jobs", "alice", "{nope")).status).toBe(400);
    const wrongKind = await call("POST", "/api/v1/jobs", "alice", { ...job("k"), kind: "Cluster" });
    expect(wrongKind.status).toBe(400);
  });

  it("refuses at submission a job no node of the cluster can ever hold (422 and why, like Slurm), and stores nothing", async () => {
    const before = ((await call("GET", "/api/v1/jobs", "admin")).body["jobs"] as unknown[]).length;
    // this machine's cluster has no GPUs; before, such a job was queued and waited forever
    const never = await call("POST", "/api/v1/jobs", "alice", job("never", { tasks: [{ resources: { gpus: 16 } }], dependsOn: [] }));
    expect(never.status).toBe(422);
    expect(never.body.error?.message).toContain('Job "never" cannot run on this cluster');
    expect(never.body.error?.issues?.[0]).toMatchObject({ code: "never_fits", path: "tasks[0].resources" });
    expect(JSON.stringify(never.body.error?.issues)).toContain("requested node configuration is not available");
    const huge = await call("POST", "/api/v1/jobs", "alice", job("huge", { tasks: [{ resources: { cpus: 1_000_000 } }] }));
    expect(huge.status).toBe(422);
    const probe = await call("POST", "/api/v1/jobs/forecast", "alice", job("probe", { tasks: [{ resources: { gpus: 16 } }] }));
    expect(probe.status).toBe(422);
    expect(((await call("GET", "/api/v1/jobs", "admin")).body["jobs"] as unknown[]).length).toBe(before);
  });

  it("keeps every accepted job across a restart", async () => {
    const before = ((await call("GET", "/api/v1/jobs", "admin")).body["jobs"] as { id: string }[]).map((j) => j.id);
    await server.close();
    server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent" });
    const after = ((await call("GET", "/api/v1/jobs", "admin")).body["jobs"] as { id: string }[]).map((j) => j.id);
    expect(after).toEqual(before);
    expect(before.length).toBeGreaterThanOrEqual(5);
  });
});

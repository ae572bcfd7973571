import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServer, type RunningServer } from "./main.js";
import { describeStores } from "./store/contract/harness.testing.js";
import { pendingJob } from "./jobs.testing.js";

// Two servers on one store (replicas): the jobs, token, node and event routes answer the same through
// either, whichever of them leads — on the SQLite file and on PostgreSQL.
describeStores("jobs through two replicas sharing a store", (_open, kit) => {
  const servers: RunningServer[] = [];
  const tok: Record<string, string> = {};
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    const url = await kit.freshUrl();
    for (const id of ["a", "b"]) {
      servers.push(
        await startServer({
          host: "127.0.0.1",
          port: 0,
          dataDir: mkdtempSync(join(tmpdir(), `aidc-jobrep-${id}-`)),
          logLevel: "silent",
          metricsIntervalS: 0,
          executor: "sim",
          simSpeedup: 100,
          tickMs: 200,
          store: url,
          replicaId: id,
        }),
      );
    }
    [a, b] = servers as [RunningServer, RunningServer];
    // a token made through one replica's store is good on the other
    tok["alice"] = await a.store.tokens.create("alice", "user", Date.now());
    tok["bob"] = await a.store.tokens.create("bob", "user", Date.now());
    tok["olga"] = await b.store.tokens.create("olga", "operator", Date.now());
  });
  afterAll(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  async function call(s: RunningServer, who: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: {
        ...(tok[who] !== undefined ? { authorization: `Bearer ${tok[who]}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text === "" ? {} : JSON.parse(text)) as Record<string, unknown> };
  }

  it("authenticates on either replica: whoami, 401 for a made-up token", async () => {
    expect((await call(b, "alice", "GET", "/api/v1/whoami")).body).toEqual({ user: "alice", role: "user" });
    expect((await call(a, "olga", "GET", "/api/v1/whoami")).body).toEqual({ user: "olga", role: "operator" });
    const forged = await fetch(`${a.url}/api/v1/jobs`, { headers: { authorization: "Bearer aidc_made-up" } });
    expect(forged.status).toBe(401);
  });

  it("a submission retried on the other replica with the same Idempotency-Key returns the first job", async () => {
    const body = pendingJob("once");
    const first = await call(a, "alice", "POST", "/api/v1/jobs", body, { "idempotency-key": "k-1" });
    const again = await call(b, "alice", "POST", "/api/v1/jobs", body, { "idempotency-key": "k-1" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body["id"]).toBe(first.body["id"]);
    const mine = (await call(b, "alice", "GET", "/api/v1/jobs?state=pending")).body["jobs"] as { name: string }[];
    expect(mine.filter((j) => j.name === "once")).toHaveLength(1);
    // another user neither sees it in the list nor by id
    expect((await call(a, "bob", "GET", `/api/v1/jobs/${String(first.body["id"])}`)).status).toBe(404);
    expect(((await call(a, "bob", "GET", "/api/v1/jobs")).body["jobs"] as unknown[]).length).toBe(0);
  });

  it("a job submitted on either replica runs once on the leader and reads the same through both", async () => {
    const job = {
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "short",
      tasks: [{ resources: { gpus: 0, cpus: 0.1, memoryGiB: 0.1 } }],
      runtimeEstimateS: 1,
      run: { command: "true" },
    };
    const ids: string[] = [];
    for (const s of [a, b]) ids.push(String((await call(s, "alice", "POST", "/api/v1/jobs", job)).body["id"]));
    for (const id of ids) {
      let state = "";
      for (let i = 0; i < 300 && state !== "succeeded"; i++) {
        state = String((await call(i % 2 === 0 ? a : b, "alice", "GET", `/api/v1/jobs/${id}`)).body["state"]);
        if (state !== "succeeded") await new Promise((r) => setTimeout(r, 100));
      }
      expect(state).toBe("succeeded");
      const viaA = await call(a, "alice", "GET", `/api/v1/jobs/${id}`);
      expect(viaA.body["runs"]).toBe(1);
      const events = (await call(b, "alice", "GET", `/api/v1/jobs/${id}/events`)).body["events"] as { type: string }[];
      expect(events.map((e) => e.type)).toEqual(["job.submitted", "job.admitted", "job.running", "job.succeeded"]);
    }
  });

  it("a cancel on one replica is final on both; a second cancel is refused", async () => {
    const { body } = await call(a, "alice", "POST", "/api/v1/jobs", pendingJob("to-cancel"));
    const id = String(body["id"]);
    expect((await call(b, "alice", "DELETE", `/api/v1/jobs/${id}`)).body["state"]).toBe("cancelled");
    expect((await call(a, "alice", "DELETE", `/api/v1/jobs/${id}`)).status).toBe(409);
    expect((await call(a, "alice", "GET", `/api/v1/jobs/${id}`)).body["state"]).toBe("cancelled");
  });

  it("a cordon made through one replica shows on the other, in the nodes and in the events an operator sees", async () => {
    const nodes = (await call(a, "olga", "GET", "/api/v1/nodes")).body["nodes"] as { name: string }[];
    const node = nodes[0]?.name ?? "";
    expect((await call(a, "olga", "POST", `/api/v1/nodes/${node}/cordon`, { reason: "disk check" })).status).toBe(200);
    const seen = ((await call(b, "olga", "GET", "/api/v1/nodes")).body["nodes"] as { name: string; state: string; reason?: string }[]).find(
      (n) => n.name === node,
    );
    expect(seen).toMatchObject({ state: "cordoned", reason: "disk check (olga)" });
    const events = (await call(b, "olga", "GET", "/api/v1/events?limit=50")).body["events"] as { type: string; subject: string }[];
    expect(events.some((e) => e.type === "node.cordoned" && e.subject === `node/${node}`)).toBe(true);
    expect(events.some((e) => e.type.startsWith("token."))).toBe(false);
    // a user sees only the events of their own jobs
    const theirs = (await call(a, "bob", "GET", "/api/v1/events?limit=200")).body["events"] as { subject: string }[];
    expect(theirs).toEqual([]);
    expect((await call(b, "olga", "DELETE", `/api/v1/nodes/${node}/cordon`)).status).toBe(200);
    const back = ((await call(a, "olga", "GET", "/api/v1/nodes")).body["nodes"] as { name: string; state: string }[]).find(
      (n) => n.name === node,
    );
    expect(back?.state).toBe("up");
  });
});

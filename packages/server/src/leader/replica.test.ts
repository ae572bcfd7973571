import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { startServer, type RunningServer } from "../main.js";
import { describeStores } from "../store/contract/harness.testing.js";

// Two `aidc serve` in one process on one store: what /readyz, /metrics and /api/v1/status say about them.
describeStores("replicas sharing a store", (_open, kit) => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  const start = async (url: string, replicaId: string): Promise<RunningServer> => {
    const s = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), `aidc-replica-${replicaId}-`)),
      logLevel: "silent",
      metricsIntervalS: 0,
      executor: "sim",
      store: url,
      replicaId,
      lease: { ttlMs: 1000, renewMs: 200, retryMs: 50 },
    });
    servers.push(s);
    return s;
  };

  it("one leads; /readyz, aidc_leader and /api/v1/status say which; a follower's submission runs and its drain is carried out; when the leader stops, the other takes over", async () => {
    const url = await kit.freshUrl();
    const a = await start(url, "a");
    const b = await start(url, "b");
    const token = readFileSync(a.adminTokenFile, "utf8").trim();
    const get = async (s: RunningServer, path: string): Promise<Response> =>
      fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    // a started first on an empty store: it took the free lease during its start
    expect(a.replica.isLeader()).toBe(true);
    expect(b.replica.isLeader()).toBe(false);
    expect(await (await get(b, "/readyz")).json()).toMatchObject({ status: "ready", replica: "b", leading: false, leader: "a" });
    expect(await (await get(a, "/readyz")).json()).toMatchObject({ replica: "a", leading: true, leader: "a" });
    expect(await (await get(a, "/metrics")).text()).toContain('aidc_leader{replica="a"} 1');
    expect(await (await get(b, "/metrics")).text()).toContain('aidc_leader{replica="b"} 0');
    const status = (await (await get(b, "/api/v1/status")).json()) as {
      replica: string;
      store: { backend: string };
      leader: { replica: string; token: number } | null;
      replicas: { id: string; leader: boolean; alive: boolean }[];
    };
    expect(status).toMatchObject({ replica: "b", store: { backend: kit.backend }, leader: { replica: "a" } });
    expect(status.replicas.map((r) => [r.id, r.leader, r.alive])).toEqual([
      ["a", true, true],
      ["b", false, true],
    ]);
    expect((await fetch(`${b.url}/api/v1/status`)).status).toBe(401);

    // a submission to the follower runs: the leader's loop finds it
    const res = await fetch(`${b.url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        apiVersion: "aidc/v1",
        kind: "Job",
        name: "via-b",
        tasks: [{}],
        run: { command: "true" },
        labels: { "aidc.dev/sim-duration-s": "1" },
      }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const end = Date.now() + 20_000;
    let state = "";
    while (Date.now() < end && state !== "running" && state !== "succeeded") {
      state = ((await (await get(a, `/api/v1/jobs/${id}`)).json()) as { state: string }).state;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(["running", "succeeded"]).toContain(state);

    // a drain sent to the follower: the leader's loop requeues the node's running jobs
    const long = await fetch(`${b.url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        apiVersion: "aidc/v1",
        kind: "Job",
        name: "long",
        tasks: [{}],
        run: { command: "true" },
        labels: { "aidc.dev/sim-duration-s": "600" },
      }),
    });
    const longId = ((await long.json()) as { id: string }).id;
    const stateOf = async (jobId: string) => ((await (await get(a, `/api/v1/jobs/${jobId}`)).json()) as { state: string }).state;
    for (const end = Date.now() + 20_000; Date.now() < end && (await stateOf(longId)) !== "running";)
      await new Promise((r) => setTimeout(r, 50));
    expect(await stateOf(longId)).toBe("running");
    const node = ((await (await get(a, "/api/v1/nodes")).json()) as { nodes: { name: string }[] }).nodes[0]?.name ?? "";
    const drained = await fetch(`${b.url}/api/v1/nodes/${node}/drain`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ reason: "test" }),
    });
    expect(drained.status).toBe(200);
    for (const end = Date.now() + 20_000; Date.now() < end && (await stateOf(longId)) === "running";)
      await new Promise((r) => setTimeout(r, 50));
    expect(await stateOf(longId)).toBe("pending");

    // a clean stop releases the lease: b leads at once, with a larger token
    await a.close();
    servers.splice(servers.indexOf(a), 1);
    const until = Date.now() + 5000;
    while (!b.replica.isLeader() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(b.replica.isLeader()).toBe(true);
    const after = (await (await get(b, "/api/v1/status")).json()) as { leader: { replica: string; token: number } };
    expect(after.leader.replica).toBe("b");
    expect(after.leader.token).toBeGreaterThan(status.leader?.token ?? Infinity);
    expect(await (await get(b, "/metrics")).text()).toContain('aidc_leader{replica="b"} 1');
  }, 60_000);
});

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../main.js";

const repo = new URL("../../../../", import.meta.url).pathname;
let server: RunningServer;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

async function call(method: string, path: string, who: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // answers are read field by field below; each assertion says what it expects
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
}

/** An 8-GPU job that runs ten hours in virtual time (it never ends during the test). */
const job = (name: string, queue: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "aidc/v1",
  kind: "Job",
  name,
  queue,
  tasks: [{ resources: { gpus: 8 } }],
  run: { command: "true" },
  runtimeEstimateS: 36_000,
  labels: { "aidc.dev/sim-duration-s": "36000" },
  ...extra,
});

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "aidc-twin-api-")),
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    executor: "sim",
    logLevel: "silent",
    metricsIntervalS: 0,
  });
  tokens["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  const repoTokens = server.store.tokens;
  tokens["alice"] = await repoTokens.create("alice", "user", Date.now());
  tokens["bob"] = await repoTokens.create("bob", "user", Date.now());
  tokens["vic"] = await repoTokens.create("vic", "viewer", Date.now());
  // research borrows the whole training partition; production then waits for GPUs, research for quota
  for (const n of ["r0", "r1", "r2", "r3"]) ids[n] = (await call("POST", "/api/v1/jobs", "bob", job(n, "research"))).body["id"];
  for (const [n, q] of [
    ["p0", "production"],
    ["p1", "production"],
    ["r4", "research"],
  ] as const)
    ids[n] = (await call("POST", "/api/v1/jobs", "alice", job(n, q))).body["id"];
  ids["after-r4"] = (await call("POST", "/api/v1/jobs", "alice", job("after-r4", "production", { dependsOn: ["r4"] }))).body["id"];
  // every pending job has a forecast once the twin has seen them all (it forecasts at most every 5 s)
  for (let i = 0; i < 100; i++) {
    const all = await Promise.all(["p0", "p1", "r4", "after-r4"].map((n) => call("GET", `/api/v1/jobs/${ids[n]}/explain`, "admin")));
    if (all.every((r) => r.body["forecast"] !== undefined)) break;
    await new Promise((r) => setTimeout(r, 300));
  }
});
afterAll(async () => server.close());

describe("forecasts in explain", () => {
  it("give every pending job a start with its band, quota and dependency waits included", async () => {
    const r4 = (await call("GET", `/api/v1/jobs/${ids["r4"]}/explain`, "alice")).body;
    expect(r4["reason"]).toBe("QUOTA_EXCEEDED");
    const f = r4["forecast"];
    expect(f.bandStartMs[0]).toBeLessThanOrEqual(f.startMs);
    expect(f.bandStartMs[1]).toBeGreaterThanOrEqual(f.startMs);
    expect(f.startMs).toBeGreaterThan(Date.now());
    expect(f.message).toMatch(/^starts in ~.+ \(80 % band .+\)/);
    const p0 = (await call("GET", `/api/v1/jobs/${ids["p0"]}/explain`, "alice")).body;
    expect(p0["forecast"].startMs).toBeGreaterThan(Date.now());
    // the job p0 waits for is bob's: alice is not told which
    expect(p0["forecast"].after).toBeUndefined();
    expect(p0["forecast"].message).toContain("another user's job");
    const admin = (await call("GET", `/api/v1/jobs/${ids["p0"]}/explain`, "admin")).body;
    expect([ids["r0"], ids["r1"], ids["r2"], ids["r3"]]).toContain(admin["forecast"].after);
    const dep = (await call("GET", `/api/v1/jobs/${ids["after-r4"]}/explain`, "alice")).body;
    expect(dep["reason"]).toBe("DEPENDENCY");
    expect(dep["forecast"].after).toBe(ids["r4"]);
    expect(dep["forecast"].startMs).toBeGreaterThanOrEqual(f.startMs);
  });
});

describe("POST /api/v1/jobs/forecast", () => {
  it("forecasts a job as if submitted now and stores nothing", async () => {
    const before = (await call("GET", "/api/v1/jobs?limit=1000", "admin")).body["jobs"].length;
    const r = await call("POST", "/api/v1/jobs/forecast", "alice", job("probe", "research"));
    expect(r.status).toBe(200);
    expect(r.body["reason"]).toBe("QUOTA_EXCEEDED");
    expect(r.body["forecast"].startMs).toBeGreaterThan(Date.now());
    expect((await call("GET", "/api/v1/jobs?limit=1000", "admin")).body["jobs"].length).toBe(before);
  });

  it("refuses what submission refuses", async () => {
    expect((await call("POST", "/api/v1/jobs/forecast", "vic", job("v", "research"))).status).toBe(403);
    const b200 = await call(
      "POST",
      "/api/v1/jobs/forecast",
      "alice",
      job("b", "research", { tasks: [{ resources: { gpus: 8, gpuType: "b200" } }] }),
    );
    expect(b200.status).toBe(422);
    expect(b200.body["error"].issues[0].path).toBe("tasks[0].resources.gpuType");
  });
});

describe("POST /api/v1/whatif", () => {
  it("forecasts a hypothetical job written as YAML", async () => {
    const text =
      "apiVersion: aidc/v1\nkind: Job\nname: big\nqueue: production\ntasks: [{ replicas: 2, resources: { gpus: 8 } }]\nrun: { command: 'true' }\n";
    const r = await call("POST", "/api/v1/whatif", "alice", { jobs: [text] });
    expect(r.status).toBe(200);
    const big = (r.body["jobs"] as { id: string; name?: string; beforeStartMs?: number; afterStartMs?: number }[]).find(
      (j) => j.id === "whatif-1",
    );
    expect(big).toMatchObject({ name: "big" });
    expect(big?.beforeStartMs).toBeUndefined();
    expect(big?.afterStartMs).toBeGreaterThan(Date.now());
  });

  it("shows that 4 more DGX H100 in rack-b start the GPU-bound jobs earlier", async () => {
    const r = await call("POST", "/api/v1/whatif", "admin", { addNodes: [{ system: "DGX H100", count: 4, rack: "rack-b" }] });
    expect(r.status).toBe(200);
    expect(r.body["after"].meanDelayS).toBeLessThan(r.body["before"].meanDelayS);
    expect(r.body["gainers"].map((g: { id: string }) => g.id)).toEqual(expect.arrayContaining([ids["p0"], ids["p1"]]));
    expect(r.body["utilization"].before.length).toBeGreaterThan(0);
  });

  it("shows a user only their own jobs' names and ids", async () => {
    const r = await call("POST", "/api/v1/whatif", "bob", { cancel: [ids["r0"]] });
    expect(r.status).toBe(200);
    const jobs = r.body["jobs"] as { id: string; name?: string }[];
    expect(jobs.length).toBe(3); // p0, p1, r4 (after-r4 waits for a dependency: not queued yet)
    expect(jobs.every((j) => j.id.startsWith("other-") && j.name === undefined)).toBe(true);
    // alice cannot cancel bob's job, even hypothetically
    const other = await call("POST", "/api/v1/whatif", "alice", { cancel: [ids["r0"]] });
    expect(other.status).toBe(422);
    expect(other.body["error"].issues[0].path).toBe("cancel[0]");
  });

  it("refuses bad changes with the field named, and viewers", async () => {
    const r = await call("POST", "/api/v1/whatif", "admin", {
      addNodes: [{ system: "DGX Z900", count: 1 }],
      quotas: [{ queue: "ghost", nominalGpus: 1 }],
    });
    expect(r.status).toBe(422);
    expect(r.body["error"].issues.map((i: { path: string }) => i.path)).toEqual(["addNodes[0].system", "quotas[0].queue"]);
    expect((await call("POST", "/api/v1/whatif", "admin", { addNodes: [{ count: 0 }] })).status).toBe(400);
    expect((await call("POST", "/api/v1/whatif", "vic", {})).status).toBe(403);
    const yaml = await call("POST", "/api/v1/whatif", "admin", {
      jobs: ["apiVersion: aidc/v1\nkind: Job\nname: y\ntasks: [{ resources: { gpus: -1 } }]\n"],
    });
    expect(yaml.status).toBe(422);
    expect(yaml.body["error"].issues[0].path).toMatch(/^jobs\[0\]\.tasks\[0\]\.resources\.gpus/);
  });
});

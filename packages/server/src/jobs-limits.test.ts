import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultCatalog, DEFAULT_LIMITS } from "@aidc/core";
import { loadClusterFile, startServer, type RunningServer } from "./main.js";
import { pendingJob } from "./jobs.testing.js";

// A cluster with small limits (and a queue with its own); jobs wait for a dependency nobody submits (jobs.testing.ts).
const dataDir = mkdtempSync(join(tmpdir(), "aidc-limits-"));
const clusterFile = join(dataDir, "cluster.yaml");
writeFileSync(
  clusterFile,
  `apiVersion: aidc/v1
kind: Cluster
name: small
racks: [{ name: r, nodes: [{ name: n, cpus: 64, memoryGiB: 64 }] }]
queues:
  - { name: default }
  - { name: tiny, limits: { maxPendingJobsPerUser: 2, maxReplicasPerTask: 2 } }
limits:
  maxTasksPerJob: 2
  maxReplicasPerTask: 8
  maxReplicasPerJob: 10
  maxDependsOn: 3
  maxEnvEntries: 2
  maxEnvBytes: 64
  maxPendingJobsPerUser: 5
  maxJobBytes: 8192
`,
);

let server: RunningServer;
const tokens: Record<string, string> = {};

const job = pendingJob;

interface ErrorBody {
  error: { code: string; message: string; issues?: { code: string; path: string; message: string; line?: number }[] };
}

async function post(who: string, body: unknown, type = "application/json") {
  const res = await fetch(`${server.url}/api/v1/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${tokens[who]}`, "content-type": type },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ErrorBody & { id: string } };
}

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    clusterFile,
    executor: "sim",
    logLevel: "silent",
    metricsIntervalS: 0,
  });
  tokens["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  const repo = server.store.tokens;
  for (const user of ["alice", "bob", "carol"]) tokens[user] = await repo.create(user, "user", Date.now());
});
afterAll(async () => {
  await server.close();
});

describe("job limits of the cluster file", () => {
  it("examples/clusters/demo.yaml spells out the defaults, and a queue's own", () => {
    const { model } = loadClusterFile(new URL("../../../examples/clusters/demo.yaml", import.meta.url).pathname, defaultCatalog());
    expect(model.limits).toEqual(DEFAULT_LIMITS);
    expect(model.queues.find((q) => q.name === "inference")?.limits).toEqual({ maxReplicasPerJob: 256 });
  });

  it("refuses each limit with 400 and an issue naming the field, the value and the limit", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        { tasks: [{ replicas: 9 }] },
        "tasks[0].replicas",
        /^9 exceeds the cluster's limit of 8 replicas per task \(limits.maxReplicasPerTask\)$/,
      ],
      [
        {
          tasks: [
            { name: "a", replicas: 6 },
            { name: "b", replicas: 6 },
          ],
        },
        "tasks",
        /^12 replicas in total exceeds the cluster's limit of 10 replicas per job \(limits.maxReplicasPerJob\)$/,
      ],
      [{ tasks: [{ name: "a" }, { name: "b" }, { name: "c" }] }, "tasks", /^3 tasks exceeds .* 2 tasks per job \(limits.maxTasksPerJob\)$/],
      [{ dependsOn: ["a", "b", "c", "d"] }, "dependsOn", /^4 entries exceeds .* 3 dependencies per job \(limits.maxDependsOn\)$/],
      [{ run: { command: "true", env: { A: "1", B: "2", C: "3" } } }, "run.env", /^3 variables exceeds .*\(limits.maxEnvEntries\)$/],
      [
        { run: { command: "true", env: { A: "x".repeat(100) } } },
        "run.env",
        /^101 bytes exceeds .* 64 bytes of environment \(limits.maxEnvBytes\)$/,
      ],
      [
        { queue: "tiny", tasks: [{ replicas: 3 }] },
        "tasks[0].replicas",
        /limit of 2 replicas per task \(queues\[tiny\].limits.maxReplicasPerTask\)$/,
      ],
    ];
    for (const [extra, path, message] of cases) {
      const res = await post("alice", job("over", extra));
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe("INVALID_INPUT");
      expect(res.body.error.issues).toEqual([{ code: "limit_exceeded", path, message: expect.stringMatching(message) }]);
    }
    // nothing was queued by the refused submissions
    const list = await fetch(`${server.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${tokens["alice"]}` } });
    expect(((await list.json()) as { jobs: unknown[] }).jobs).toEqual([]);
  });

  it("accepts a job at every limit", async () => {
    const res = await post(
      "carol",
      job("at-limits", {
        tasks: [
          { name: "a", replicas: 8 },
          { name: "b", replicas: 2 },
        ],
        dependsOn: ["x", "y", "z"],
      }),
    );
    expect(res.status).toBe(201);
  });

  it("answers 429 once a user has maxPendingJobsPerUser waiting jobs (per queue too), other users unaffected", async () => {
    for (let i = 0; i < 5; i++) expect((await post("bob", job(`b${i}`))).status).toBe(201);
    const sixth = await post("bob", job("b5"));
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe("TOO_MANY_PENDING_JOBS");
    expect(sixth.body.error.issues?.[0]).toMatchObject({ code: "limit_exceeded", path: "user" });
    expect(sixth.body.error.message).toMatch(
      /bob has 5 pending or admitted jobs, the cluster's limit of 5 \(limits.maxPendingJobsPerUser\)/,
    );
    // an idempotent retry of a queued job is still answered
    const key = { "idempotency-key": "k1" };
    const first = await fetch(`${server.url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens["alice"]}`, "content-type": "application/json", ...key },
      body: JSON.stringify(job("a0", { queue: "tiny" })),
    });
    expect(first.status).toBe(201);
    expect((await post("alice", job("a1", { queue: "tiny" }))).status).toBe(201);
    const third = await post("alice", job("a2", { queue: "tiny" }));
    expect(third.status).toBe(429);
    expect(third.body.error.message).toMatch(/in queue tiny, the cluster's limit of 2 \(queues\[tiny\].limits.maxPendingJobsPerUser\)/);
    const retry = await fetch(`${server.url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens["alice"]}`, "content-type": "application/json", ...key },
      body: JSON.stringify(job("a0", { queue: "tiny" })),
    });
    expect(retry.status).toBe(200);
    // other queues still take alice's jobs; a cancelled job frees a place
    expect((await post("alice", job("a3"))).status).toBe(201);
    const cancel = await fetch(`${server.url}/api/v1/jobs/${((await first.json()) as { id: string }).id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${tokens["alice"]}` },
    });
    expect(cancel.status).toBe(200);
    expect((await post("alice", job("a4", { queue: "tiny" }))).status).toBe(201);
  });

  it("answers 413 for a body over limits.maxJobBytes, JSON or YAML", async () => {
    const big = job("big", { labels: { pad: "x".repeat(9000) } });
    expect((await post("carol", big)).status).toBe(413);
    expect((await post("carol", `apiVersion: aidc/v1\nkind: Job\nname: big\n# ${"x".repeat(9000)}\n`, "application/yaml")).status).toBe(
      413,
    );
  });
});

describe("YAML submissions within parsing limits", () => {
  it("refuses a billion-laughs document with 400 naming the problem (not 500)", async () => {
    const lol = [
      "apiVersion: aidc/v1",
      "kind: Job",
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ..."bcdefghi".split("").map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(",")}]`),
    ].join("\n");
    const res = await post("carol", lol, "application/yaml");
    expect(res.status).toBe(400);
    expect(res.body.error.issues?.[0]).toMatchObject({ code: "too_many_aliases", path: "(document)" });
  });

  it("refuses deep nesting, YAML or JSON, with 400", async () => {
    const yaml = `apiVersion: aidc/v1\nkind: Job\nname: deep\nlabels: ${"[".repeat(2000)}${"]".repeat(2000)}\n`;
    const res = await post("carol", yaml, "application/yaml");
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([{ code: "too_deep", path: "(document)", message: "nested deeper than 64 levels" }]);
    let deep: unknown = "x";
    for (let i = 0; i < 500; i++) deep = { a: deep };
    const json = await post("carol", job("deep", { run: { workload: "w", args: { deep } } }));
    expect(json.status).toBe(400);
    expect(json.body.error.issues?.[0]?.code).toBe("too_deep");
  });
});

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelSkewSplit, positiveShares } from "@aidc/workloads";
import { fixture } from "../../../../test/support/data.js";
import { startServer, type RunningServer } from "../main.js";
import { client, code } from "../governance/http.testing.js";

// A real server, real site jobs (`aidc federated site` run by the local executor), real datasets in three site
// projects: two rounds of FedAvg with secure aggregation on the committed IMDB slice, split label-skewed.
interface Row {
  text: string;
  label: number;
}
const rows = (file: string): Row[] =>
  gunzipSync(readFileSync(file))
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Row);
const jsonl = (rs: readonly Row[]): Buffer =>
  gzipSync(Buffer.from(rs.map((r) => JSON.stringify({ text: r.text, label: r.label })).join("\n") + "\n"));

let server: RunningServer;
const tok: Record<string, string> = {};
const { call, publish } = client(() => server.url, tok);

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "aidc-fed-")),
    logLevel: "silent",
    tickMs: 200,
    metricsIntervalS: 0,
  });
  tok["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  for (const [user, role] of [
    ["alice", "user"],
    ["bob", "user"],
    ["val", "viewer"],
  ] as const) {
    tok[user] = (await call("admin", "POST", "/api/v1/tokens", { user, role })).body["token"] as string;
  }
}, 60_000);
afterAll(async () => server?.close());

async function finished(id: string): Promise<Record<string, unknown>> {
  let run: Record<string, unknown> = {};
  for (let i = 0; i < 900 && !["succeeded", "failed"].includes(run["status"] as string); i++) {
    await new Promise((r) => setTimeout(r, 200));
    run = (await call("alice", "GET", `/api/v1/federated/runs/${id}`)).body;
  }
  return run;
}

describe("federated runs on the server", () => {
  it("runs one job per site per round, aggregates masked updates, records rounds, publishes the model; others see nothing", async () => {
    const train = rows(fixture("imdb/train.jsonl.gz"));
    const test = rows(fixture("imdb/test.jsonl.gz")).slice(0, 400);
    const labels = Uint8Array.from(train, (r) => r.label);
    const split = labelSkewSplit(labels, { sites: 3, alpha: 0.5, seed: 4, minRows: 100 });
    const shares = positiveShares(labels, split);
    expect(Math.max(...shares) - Math.min(...shares)).toBeGreaterThan(0.2);
    for (const [k, site] of split.sites.entries()) {
      for (const p of [`site-${k}`]) expect((await call("alice", "POST", "/api/v1/projects", { name: p })).status).toBeLessThan(300);
      const r = await publish("alice", `site-${k}`, "shard", jsonl(Array.from(site, (i) => train[i]!)));
      expect(r.status).toBe(201);
    }
    expect((await call("alice", "POST", "/api/v1/projects", { name: "public-eval" })).status).toBeLessThan(300);
    expect((await publish("alice", "public-eval", "imdb-test", jsonl(test))).status).toBe(201);

    const spec = {
      name: "fed-imdb",
      sites: [0, 1, 2].map((k) => ({ dataset: `site-${k}/shard` })),
      rounds: 2,
      secureAggregation: true,
      hyper: { bits: 16, minDf: 2, learningRate: 0.05 },
      evalDataset: "public-eval/imdb-test",
    };
    // no token, a viewer, bad input
    expect((await call("nobody", "POST", "/api/v1/federated/runs", spec)).status).toBe(401);
    expect((await call("val", "POST", "/api/v1/federated/runs", spec)).status).toBe(403);
    const bad = await call("alice", "POST", "/api/v1/federated/runs", { ...spec, sites: [spec.sites[0]] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("sites");
    const badRef = await call("alice", "POST", "/api/v1/federated/runs", { ...spec, sites: [{ dataset: "../x" }, { dataset: "a/b" }] });
    expect(badRef.status).toBe(400);
    // bob may not use alice's evaluation set (the denial is audited)
    expect((await call("bob", "POST", "/api/v1/federated/runs", spec)).status).toBeGreaterThanOrEqual(403);

    const started = await call("alice", "POST", "/api/v1/federated/runs", spec);
    expect(started.status).toBe(201);
    const id = started.body["id"] as string;

    // bob: not listed, not found, and a job of his naming alice's run gets none of its inputs
    expect((await call("bob", "GET", `/api/v1/federated/runs/${id}`)).status).toBe(404);
    expect((await call("bob", "GET", "/api/v1/federated/runs")).body["runs"]).toEqual([]);
    const forged = await call("bob", "POST", "/api/v1/jobs", {
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "steal-global",
      tasks: [{ resources: { cpus: 1, memoryGiB: 1 } }],
      run: { workload: "federated-site", args: { federatedRun: id, round: 0, site: 0, data: fixture("imdb/train.jsonl.gz") } },
    });
    expect(forged.status).toBe(201);

    let run: Record<string, unknown> = {};
    for (let i = 0; i < 900 && !["succeeded", "failed"].includes(run["status"] as string); i++) {
      await new Promise((r) => setTimeout(r, 200));
      run = (await call("alice", "GET", `/api/v1/federated/runs/${id}`)).body;
    }
    expect(run["message"]).toBeUndefined();
    expect(run["status"]).toBe("succeeded");
    const history = run["history"] as {
      round: number;
      participants: number[];
      bytesSent: number[];
      jobs: string[];
      testAccuracy: number;
    }[];
    expect(history.map((h) => h.round)).toEqual([1, 2]);
    const dense = 28 + 4 * (2 ** 16 + 1); // a masked update is dense: every entry carries masks
    for (const h of history) {
      expect(h.participants).toEqual([0, 1, 2]);
      expect(h.bytesSent).toEqual([dense, dense, dense]);
      expect(h.testAccuracy).toBeGreaterThan(0.6);
    }
    expect(run["joinBytes"]).toEqual([0, 1, 2].map(() => 28 + 4 * (2 * 2 ** 16 + 2)));
    expect(run["model"]).toMatchObject({ project: "alice", name: "fed-imdb", version: 1 });

    // the operator (admin) sees it too; rounds are events; every site job's read of its shard is in the audit log
    expect(((await call("admin", "GET", "/api/v1/federated/runs")).body["runs"] as unknown[]).length).toBe(1);
    const audit = (await call("admin", "GET", "/api/v1/audit?action=dataset.job-read&limit=100")).body["entries"] as {
      resource: string;
      jobId?: string;
    }[];
    for (const k of [0, 1, 2]) expect(audit.filter((e) => e.resource.startsWith(`site-${k}/shard`)).length).toBe(3); // join + 2 rounds
    const forgedJob = (await call("bob", "GET", `/api/v1/jobs/${forged.body["id"] as string}`)).body;
    expect(forgedJob["state"]).toBe("failed");
    expect(String(forgedJob["message"])).toMatch(/another user|not a site job/);

    // the published model predicts
    for (let i = 0; i < 50; i++) {
      const names = ((await call("alice", "GET", "/api/v1/models")).body["models"] as { name: string }[]).map((m) => m.name);
      if (names.includes("fed-imdb")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const pred = await call("alice", "POST", "/api/v1/models/fed-imdb:predict", {
      instances: ["A wonderful, moving film.", "Dull, boring and a waste of time."],
    });
    expect(pred.status).toBe(200);
    const scores = (pred.body["predictions"] as { score: number }[]).map((p) => p.score);
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    expect(code(await call("bob", "GET", `/api/v1/federated/runs/fr-000000000000`))).toBe("NOT_FOUND");
  }, 300_000);

  it("DP on updates without a join round: ε after every round; a site whose job fails fails the run with its reason", async () => {
    const train = rows(fixture("imdb/train.jsonl.gz")).slice(0, 600);
    // shards as dataset artifacts (a job's sandbox does not see the server's /tmp)
    for (const k of [0, 1]) {
      expect((await call("alice", "POST", "/api/v1/projects", { name: `dp-${k}` })).status).toBeLessThan(300);
      expect((await publish("alice", `dp-${k}`, "shard", jsonl(train.filter((_, i) => i % 2 === k)))).status).toBe(201);
    }
    const started = await call("alice", "POST", "/api/v1/federated/runs", {
      name: "fed-dp",
      sites: [{ dataset: "dp-0/shard" }, { dataset: "dp-1/shard" }],
      rounds: 2,
      dp: { clip: 1, noiseMultiplier: 1.5, delta: 1e-5 },
      hyper: { bits: 12 },
    });
    expect(started.status).toBe(201);
    const run = await finished(started.body["id"] as string);
    expect(run["message"]).toBeUndefined();
    expect(run["status"]).toBe("succeeded");
    expect(run["joinBytes"]).toEqual([0, 0]); // no counts round under DP
    const eps = (run["history"] as { epsilon: number }[]).map((h) => h.epsilon);
    expect(eps[0]).toBeGreaterThan(0);
    expect(eps[1]).toBeGreaterThan(eps[0]!);
    // a shard that is not labelled JSONL: the site's job fails, and so does the run, saying which site and why
    expect((await publish("alice", "dp-1", "broken", Buffer.from("not json\n"))).status).toBe(201);
    const bad = await call("alice", "POST", "/api/v1/federated/runs", {
      name: "fed-broken",
      sites: [{ dataset: "dp-0/shard" }, { dataset: "dp-1/broken" }],
      rounds: 1,
      hyper: { bits: 12 },
    });
    const failed = await finished(bad.body["id"] as string);
    expect(failed["status"]).toBe("failed");
    expect(String(failed["message"])).toMatch(/site 1's job .* failed in round 0/);
  }, 300_000);
});

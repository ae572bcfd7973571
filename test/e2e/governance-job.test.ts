import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "@aidc/server";
import { fixture } from "../support/data.js";

// The committed IMDB slice, uploaded as a dataset of project nlp; jobs name it instead of a path.
const train = readFileSync(fixture("imdb/train.jsonl.gz"));

describe("a job's dataset input through the scheduler", () => {
  it("a reader's job trains on the dataset (read audited with the job id, the model's lineage names it); an outsider's job fails to start, logged", async () => {
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "aidc-gov-job-")),
      logLevel: "silent",
      tickMs: 200,
      metricsIntervalS: 0,
    });
    const tok: Record<string, string> = { admin: readFileSync(server.adminTokenFile, "utf8").trim() };
    for (const u of ["ann", "ben", "carol"]) tok[u] = await server.store.tokens.create(u, "user", Date.now());
    const call = async (who: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${tok[who] ?? ""}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const finish = async (id: string, who: string): Promise<Record<string, unknown>> => {
      let job: Record<string, unknown> = {};
      for (let i = 0; i < 600 && !["succeeded", "failed"].includes(job["state"] as string); i++) {
        await new Promise((r) => setTimeout(r, 200));
        job = (await call(who, "GET", `/api/v1/jobs/${id}`)).body;
      }
      return job;
    };
    try {
      const { id: upload } = (await call("ann", "POST", "/api/v1/uploads")).body as { id: string };
      const patched = await fetch(`${server.url}/api/v1/uploads/${upload}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${tok["ann"] ?? ""}`, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
        body: train,
      });
      expect(patched.status).toBe(200);
      const ds = await call("ann", "POST", "/api/v1/artifacts", { project: "nlp", name: "imdb", kind: "dataset", uploadId: upload });
      expect(ds.status).toBe(201);
      expect((await call("ann", "POST", "/api/v1/projects/nlp/members", { user: "ben", role: "reader" })).status).toBe(200);
      const spec = (name: string) => ({
        apiVersion: "aidc/v1",
        kind: "Job",
        name,
        tasks: [{ resources: { cpus: 1, memoryGiB: 2 } }],
        run: { workload: "sentiment-train", args: { preset: "fast", dataset: "nlp/imdb:1", limit: 1000, name } },
      });

      const benJob = (await call("ben", "POST", "/api/v1/jobs", spec("ben-model"))).body["id"] as string;
      expect(await finish(benJob, "ben")).toMatchObject({ state: "succeeded" });
      const carolJob = (await call("carol", "POST", "/api/v1/jobs", spec("carol-model"))).body["id"] as string;
      const failed = await finish(carolJob, "carol");
      expect(failed).toMatchObject({ state: "failed" });
      expect(String(failed["message"])).toContain("could not start");

      const reads = (await call("ann", "GET", "/api/v1/audit?action=dataset.job-read")).body["entries"] as Record<string, unknown>[];
      expect(reads.map((e) => [e["actor"], e["jobId"], e["outcome"], e["resource"]])).toEqual([
        ["carol", carolJob, "denied", "nlp/imdb:1"],
        ["ben", benJob, "allowed", "nlp/imdb:1"],
      ]);
      // the model ben's job made names the dataset it read as its parent
      let model: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && model === undefined; i++) {
        model = ((await call("ben", "GET", "/api/v1/artifacts?kind=model")).body["artifacts"] as Record<string, unknown>[])[0];
        if (model === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(model).toMatchObject({ project: "ben", name: "ben-model", jobId: benJob, parents: [ds.body["id"]] });
    } finally {
      await server.close();
    }
  }, 180_000);
});

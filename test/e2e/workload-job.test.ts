import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "@aidc/server";
import { fixture } from "../support/data.js";

// the committed IMDB slice: 2,000 reviews (the job asks for up to 3,000 and gets them all)
const train = fixture("imdb/train.jsonl.gz");

describe("the sentiment workload as a job", () => {
  it("trains through the scheduler, lands in the artifact store with lineage, and is served; another user's job cannot replace it", async () => {
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "aidc-wl-")),
      logLevel: "silent",
      tickMs: 200,
      metricsIntervalS: 0,
    });
    const token = readFileSync(server.adminTokenFile, "utf8").trim();
    let bob = "";
    const call = async (method: string, path: string, body?: unknown, as = token) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${as}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    try {
      bob = (await call("POST", "/api/v1/tokens", { user: "bob", role: "user" })).body["token"] as string;
      const spec = {
        apiVersion: "aidc/v1",
        kind: "Job",
        name: "train-small",
        tasks: [{ resources: { cpus: 1, memoryGiB: 2 } }],
        run: { workload: "sentiment-train", args: { preset: "fast", data: train, limit: 3000, name: "imdb-small" } },
      };
      const finish = async (jobId: string, as = token): Promise<string> => {
        let state = "";
        for (let i = 0; i < 600 && !["succeeded", "failed"].includes(state); i++) {
          await new Promise((r) => setTimeout(r, 200));
          state = (await call("GET", `/api/v1/jobs/${jobId}`, undefined, as)).body["state"] as string;
        }
        return state;
      };
      // the model is registered right after the job is recorded as succeeded (the loop's after-success step)
      type Listed = { name: string; jobId?: string; metadata: { manifest?: { preset?: string } } };
      const modelsOf = async (as: string): Promise<unknown[]> => {
        let listed: unknown[] = [];
        for (let i = 0; i < 100 && listed.length === 0; i++) {
          listed = (await call("GET", "/api/v1/artifacts?kind=model", undefined, as)).body["artifacts"] as unknown[];
          if (listed.length === 0) await new Promise((r) => setTimeout(r, 100));
        }
        return listed;
      };
      const id = (await call("POST", "/api/v1/jobs", spec)).body["id"] as string;
      expect(await finish(id)).toBe("succeeded");
      // ... and then promoted, the name being free
      for (let i = 0; i < 100; i++) {
        const names = ((await call("GET", "/api/v1/models")).body["models"] as { name: string }[]).map((m) => m.name);
        if (names.includes("imdb-small")) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const models = (await modelsOf(token)) as Listed[];
      expect(models).toHaveLength(1);
      expect(models[0]).toMatchObject({ name: "imdb-small", jobId: id });
      expect(models[0]?.metadata.manifest?.preset).toBe("fast");
      const pred = await call("POST", "/api/v1/models/imdb-small:predict", {
        instances: ["A wonderful, moving film.", "Dull and a waste of time."],
      });
      expect(pred.status).toBe(200);
      const scores = (pred.body["predictions"] as { score: number }[]).map((p) => p.score);
      expect(scores).toHaveLength(2);
      expect(scores[0]).toBeGreaterThan(scores[1] ?? 1); // the positive review scores higher
      // the first model under a free name was promoted for the job's project (here the admin's)
      const served = (await call("GET", "/api/v1/models")).body["models"];
      expect(served).toEqual([
        expect.objectContaining({ name: "imdb-small", project: "admin", artifact: expect.objectContaining({ version: 1 }) }),
      ]);

      // bob trains a model under the same name: it is stored in bob's project, and serving does not change
      const bobSpec = { ...spec, name: "bob-train", run: { ...spec.run, args: { ...spec.run.args, limit: 500 } } };
      const bobJob = (await call("POST", "/api/v1/jobs", bobSpec, bob)).body["id"] as string;
      expect(await finish(bobJob, bob)).toBe("succeeded");
      const bobModels = await modelsOf(bob);
      expect(bobModels).toEqual([expect.objectContaining({ project: "bob", name: "imdb-small", version: 1, jobId: bobJob })]);
      expect((await call("GET", "/api/v1/models")).body["models"]).toEqual(served);
      const again = await call("POST", "/api/v1/models/imdb-small:predict", { instances: ["A wonderful, moving film."] });
      expect((again.body["predictions"] as { score: number }[])[0]?.score).toBeCloseTo(scores[0] ?? NaN, 9);
      expect((await call("POST", "/api/v1/models/imdb-small/promote", { artifact: "bob/imdb-small:1" }, bob)).status).toBe(403);
    } finally {
      await server.close();
    }
  }, 180_000);
});

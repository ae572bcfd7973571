import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "@aidc/server";

const repo = new URL("../../", import.meta.url).pathname;
const train = join(repo, "../shared/data/imdb/train.jsonl.gz");

describe.skipIf(!existsSync(train))("the sentiment workload as a job", () => {
  it("trains through the scheduler, lands in the artifact store with lineage, and is served", async () => {
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "aidc-wl-")),
      logLevel: "silent",
      tickMs: 200,
      metricsIntervalS: 0,
    });
    const token = readFileSync(server.adminTokenFile, "utf8").trim();
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    try {
      const spec = {
        apiVersion: "aidc/v1",
        kind: "Job",
        name: "train-small",
        tasks: [{ resources: { cpus: 1, memoryGiB: 2 } }],
        run: { workload: "sentiment-train", args: { preset: "fast", data: train, limit: 3000, name: "imdb-small" } },
      };
      const id = (await call("POST", "/api/v1/jobs", spec)).body["id"] as string;
      let state = "";
      for (let i = 0; i < 600 && !["succeeded", "failed"].includes(state); i++) {
        await new Promise((r) => setTimeout(r, 200));
        state = (await call("GET", `/api/v1/jobs/${id}`)).body["state"] as string;
      }
      expect(state).toBe("succeeded");
      const models = (await call("GET", "/api/v1/artifacts?kind=model")).body["artifacts"] as {
        name: string;
        jobId?: string;
        metadata: { manifest?: { preset?: string } };
      }[];
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
    } finally {
      await server.close();
    }
  }, 180_000);
});

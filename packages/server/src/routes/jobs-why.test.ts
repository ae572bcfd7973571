import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../main.js";
import { humanDuration } from "./jobs-why.js";

const repo = new URL("../../../../", import.meta.url).pathname;
let server: RunningServer;
let token = "";

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return (await res.json()) as T;
}

const job = (name: string, replicas: number, gpus: number) => ({
  apiVersion: "aidc/v1",
  kind: "Job",
  name,
  queue: "inference",
  tasks: [{ replicas, resources: { gpus, gpuType: "l40s" } }],
  labels: { "aidc.dev/sim-duration-s": "3600" },
  run: { command: "true" },
});

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "aidc-why-")),
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    executor: "sim",
    logLevel: "silent",
    metricsIntervalS: 0,
    tickMs: 50,
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => server.close());

describe("why a job waits, with counts", () => {
  it("says what the job needs, what its partition has free and where its queue stands against its quota", async () => {
    const big = await api<{ id: string }>("POST", "/api/v1/jobs", job("fills-serve", 2, 8));
    for (let i = 0; i < 200 && (await api<{ state: string }>("GET", `/api/v1/jobs/${big.id}`)).state !== "running"; i++)
      await new Promise((r) => setTimeout(r, 25));
    const waiting = await api<{ id: string }>("POST", "/api/v1/jobs", job("waits", 1, 8));
    let why = { reason: "NOT_YET_CONSIDERED", message: "", counts: {} as Record<string, unknown> };
    for (let i = 0; i < 200 && why.reason === "NOT_YET_CONSIDERED"; i++) {
      why = await api("GET", `/api/v1/jobs/${waiting.id}/explain`);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(why.message).toContain(
      "needs 8 GPUs (1 × 8 L40S), 0 free in partition serve with l40s-48gb (of 16); queue inference at 16/16 GPUs",
    );
    expect(why.counts).toMatchObject({
      needGpus: 8,
      freeGpus: 0,
      scopeGpus: 16,
      queue: { name: "inference", usedGpus: 16, quotaGpus: 16 },
    });
  });

  it("writes run times for people", () => {
    expect(humanDuration(40_000)).toBe("40 s");
    expect(humanDuration(180_000)).toBe("3 m");
    expect(humanDuration(2 * 3600_000 + 5 * 60_000)).toBe("2 h 5 m");
    expect(humanDuration(26 * 3600_000)).toBe("1 d 2 h");
  });
});

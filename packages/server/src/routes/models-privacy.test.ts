import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainSentiment } from "@aidc/workloads";
import { tinyModel } from "../artifacts/fixtures.testing.js";
import { startServer, type RunningServer } from "../main.js";
import { fixture } from "../../../../test/support/data.js";

const dataDir = mkdtempSync(join(tmpdir(), "aidc-models-dp-"));
let server: RunningServer;
let token = "";

beforeAll(async () => {
  // a DP-trained package and a plain one, both in the operator's models folder
  await trainSentiment({
    preset: "fast",
    dataPath: fixture("imdb/train.jsonl.gz"),
    outDir: join(dataDir, "models", "private"),
    hyper: { bits: 14 },
    dp: { epsilon: 2, delta: 1e-5, batch: 500, epochs: 2 },
  });
  await tinyModel(join(dataDir, "models", "plain"));
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0 });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server.close();
});

describe("a model's DP budget in the API", () => {
  it("GET /api/v1/models/{name} returns the budget of a DP model and null for a plain one", async () => {
    const get = async (name: string) =>
      (await (await fetch(`${server.url}/api/v1/models/${name}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<
        string,
        unknown
      >;
    const dp = (await get("private"))["privacy"] as Record<string, unknown>;
    expect(dp).toMatchObject({ mechanism: "dp-sgd", accountant: "rdp", delta: 1e-5, clipNorm: 1, targetEpsilon: 2, sampling: "poisson" });
    expect(dp["epsilon"] as number).toBeLessThanOrEqual(2);
    expect(dp["samplingRate"]).toBeCloseTo(500 / 2000, 12);
    expect((await get("plain"))["privacy"]).toBeNull();
  });

  it("needs a token", async () => {
    expect((await fetch(`${server.url}/api/v1/models/private`)).status).toBe(401);
  });
});

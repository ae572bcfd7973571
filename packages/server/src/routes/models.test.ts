import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyModel } from "../artifacts/fixtures.testing.js";
import { startServer, type RunningServer } from "../main.js";

const dataDir = mkdtempSync(join(tmpdir(), "aidc-models-"));
let server: RunningServer;
let token = "";
const auth = () => ({ authorization: `Bearer ${token}` });

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...auth() },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  // a package the operator put in the models folder (as `aidc train --out <data-dir>/models/imdb` does)
  const out = await tinyModel(join(dataDir, "models", "imdb"));
  cpSync(out, join(dataDir, "models", "broken"), { recursive: true });
  const w = join(dataDir, "models", "broken", "weights.bin");
  const bytes = readFileSync(w);
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  writeFileSync(w, bytes);
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0 });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server.close();
});

describe("model serving", () => {
  it("predicts labels and scores for instances (strings or {text})", async () => {
    const r = await post("/api/v1/models/imdb:predict", {
      instances: [
        "A wonderful, moving film. Brilliant acting, I loved it!",
        { text: "Awful. A boring waste of time, the worst film ever." },
      ],
    });
    expect(r.status).toBe(200);
    const p = r.body["predictions"] as { label: string; score: number }[];
    expect(p.map((x) => x.label)).toEqual(["positive", "negative"]);
    expect(p[0]?.score).toBeGreaterThan(0.5);
  });

  it("explains with ?explain=true and answers the Open Inference Protocol with the same scores", async () => {
    const text = "The plot was dull and the acting was awful.";
    const r = await post("/api/v1/models/imdb:predict?explain=true", { instances: [text] });
    const p = (r.body["predictions"] as { score: number; explanation: { token: string; weight: number }[] }[])[0];
    expect(p?.explanation.find((t) => t.token === "awful")?.weight).toBeLessThan(0);
    const lime = await post("/api/v1/models/imdb:predict?explain=lime", { instances: [text] });
    const limeTokens = (lime.body["predictions"] as { explanation: { token: string; weight: number }[] }[])[0]?.explanation;
    expect(limeTokens?.find((t) => t.token === "awful")?.weight).toBeLessThan(0);
    const v2 = await post("/v2/models/imdb/infer", { id: "r1", inputs: [{ name: "text", shape: [1], datatype: "BYTES", data: [text] }] });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ model_name: "imdb", id: "r1" });
    const outputs = v2.body["outputs"] as { name: string; data: unknown[] }[];
    expect(outputs.find((o) => o.name === "score")?.data[0]).toBeCloseTo(p?.score ?? NaN, 6);
  });

  it("explains with ?explain=shap: log-odds values that add up to the score from the empty text's base", async () => {
    const r = await post("/api/v1/models/imdb:predict?explain=shap", { instances: ["The plot was dull and the acting was awful."] });
    expect(r.status).toBe(200);
    type Shap = {
      score: number;
      explanation: { token: string; weight: number }[];
      attribution: { method: string; output: string; base: number };
    };
    const p = (r.body["predictions"] as Shap[])[0]!;
    expect(p.attribution).toMatchObject({ method: "shap", output: "log-odds" });
    const sum = p.explanation.reduce((a, t) => a + t.weight, 0);
    expect(p.attribution.base + sum).toBeCloseTo(Math.log(p.score / (1 - p.score)), 3);
    expect(p.explanation.find((t) => t.token === "awful")?.weight).toBeLessThan(0);
    // a text too long for SHAP is refused by name, not explained for seconds on the event loop
    const long = await post("/api/v1/models/imdb:predict?explain=shap", { instances: ["fine", "bad ".repeat(3000)] });
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body)).toContain("instances[1]");
    expect((await post("/api/v1/models/imdb:predict?explain=kernel", { instances: ["fine"] })).status).toBe(400);
  });

  it("answers a clear 4xx for empty, oversized or unknown input and refuses a corrupted package", async () => {
    expect((await post("/api/v1/models/imdb:predict", { instances: [] })).status).toBe(400);
    expect((await post("/api/v1/models/imdb:predict", { instances: [""] })).status).toBe(400);
    const many = await post("/api/v1/models/imdb:predict", { instances: Array.from({ length: 1025 }, () => "ok") });
    expect(many.status).toBe(400);
    expect(JSON.stringify(many.body)).toMatch(/instances/);
    expect((await post("/api/v1/models/imdb:predict", { instances: ["x".repeat(100_001)] })).status).toBe(400);
    expect((await post("/api/v1/models/nope:predict", { instances: ["hi"] })).status).toBe(404);
    expect((await post("/api/v1/models/imdb", { instances: ["hi"] })).status).toBe(404);
    const broken = await post("/api/v1/models/broken:predict", { instances: ["hi"] });
    expect(broken.status).toBe(500);
    // a server-side failure: the code says what, the message only points to the log (which has the details)
    expect((broken.body["error"] as { code: string; message: string }).code).toBe("MODEL_PACKAGE_INVALID");
    expect(JSON.stringify(broken.body)).not.toContain(dataDir);
  });

  it("lists models and reports per-model latency and batches; /metrics has the model series", async () => {
    const list = (await (await fetch(`${server.url}/api/v1/models`, { headers: auth() })).json()) as { models: unknown[] };
    expect(list.models).toEqual([
      { name: "broken", project: null, source: "package", public: false },
      { name: "imdb", project: null, source: "package", public: false },
    ]);
    const info = (await (await fetch(`${server.url}/api/v1/models/imdb`, { headers: auth() })).json()) as {
      requests: number;
      latencyMs: { p50: number };
    };
    expect(info.requests).toBeGreaterThanOrEqual(3);
    expect(info.latencyMs.p50).toBeGreaterThan(0);
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: auth() })).text();
    expect(metrics).toMatch(/aidc_model_request_duration_seconds_count\{model="imdb"\} \d+/);
    expect(metrics).toMatch(/aidc_model_batch_size_bucket/);
  });
});

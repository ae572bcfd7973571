import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CATALOG } from "@aidc/core";
import { startServer, type RunningServer } from "../main.js";

const repo = new URL("../../../../", import.meta.url).pathname;
let server: RunningServer;
let token: string;

async function post(path: string, body: string, type: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": type, authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "aidc-yaml-bodies-")),
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    logLevel: "silent",
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server.close();
});

const scenario = readFileSync(join(repo, "examples/scenarios/sentiment-lstm-1gpu.yaml"), "utf8");
const datacenter = readFileSync(join(repo, "examples/scenarios/ai-factory-4k-h100.yaml"), "utf8");
const job = readFileSync(join(repo, "examples/jobs/hello.yaml"), "utf8");

describe("YAML bodies and one error shape", () => {
  it("plans accept the scenario files as YAML, like /jobs", async () => {
    const train = await post("/api/v1/plans/train", scenario, "application/yaml");
    expect(train.status).toBe(200);
    expect(train.body["scenario"]).toBe("sentiment-lstm-1gpu");
    const dc = await post("/api/v1/plans/datacenter", datacenter, "application/x-yaml");
    expect(dc.status).toBe(200);
    expect(dc.body["gpus"]).toBeGreaterThan(0);
  });

  it("validate, simulations and what-if take YAML bodies", async () => {
    expect(await post("/api/v1/validate", job, "application/yaml")).toMatchObject({ status: 200, body: { kind: "Job" } });
    const sim = await post(
      "/api/v1/simulations",
      "jobs:\n  - { id: a, submitS: 0, durationS: 60, gpus: 1, queue: default }\n",
      "text/yaml",
    );
    expect(sim.status).toBe(200);
    expect(sim.body["jobs"]).toBe(1);
    const whatif = await post("/api/v1/whatif", "addNodes:\n  - { system: dgx-h100, count: 1 }\n", "application/yaml");
    expect(whatif.status).not.toBe(415);
  });

  it("a YAML body with a schema error answers 400 with the issues, in the one error shape", async () => {
    const r = await post("/api/v1/plans/train", scenario.replace("count: 1", "count: -1"), "application/yaml");
    expect(r.status).toBe(400);
    const error = r.body["error"] as { code: string; message: string; issues: { path: string }[] };
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.issues.map((i) => i.path)).toContain("hardware.count");
    expect(r.body).not.toHaveProperty("ok");
  });

  it("broken or hostile YAML is refused with 400 and the parser's issue, never parsed without limits", async () => {
    const broken = await post("/api/v1/plans/infer", "model: [unclosed\n", "application/yaml");
    expect(broken.status).toBe(400);
    expect((broken.body["error"] as { issues: { code: string }[] }).issues[0]?.code).toBe("syntax");
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) laughs.push(`${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`);
    const bomb = await post("/api/v1/validate", laughs.join("\n"), "application/yaml");
    expect(bomb.status).toBe(400);
    expect((bomb.body["error"] as { issues: { code: string }[] }).issues[0]?.code).toBe("too_many_aliases");
  });

  it("an unsupported content type answers 415 with a catalog code and says what to send", async () => {
    const r = await post("/api/v1/plans/train", scenario, "application/xml");
    expect(r.status).toBe(415);
    const error = r.body["error"] as { code: string; message: string };
    expect(error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(error.message).toMatch(/JSON .* or YAML/);
    expect(ERROR_CATALOG[error.code]?.status).toBe(415);
  });
});

describe("trace errors are the caller's", () => {
  it("a trace naming a job twice answers 422 in the one error shape, not 500", async () => {
    const body =
      "jobs:\n  - { id: a, submitS: 0, durationS: 60, gpus: 1, queue: default }\n  - { id: a, submitS: 1, durationS: 60, gpus: 1, queue: default }\n";
    const r = await post("/api/v1/simulations", body, "application/yaml");
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ error: { code: "DUPLICATE_JOB" } });
  });
});

describe("OpenAPI", () => {
  it("documents YAML beside JSON for the bodies that take a document", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      paths: Record<string, { post?: { requestBody?: { content: Record<string, unknown> } } }>;
    };
    for (const path of ["/api/v1/plans/train", "/api/v1/plans/check", "/api/v1/validate", "/api/v1/simulations", "/api/v1/whatif"]) {
      expect(Object.keys(doc.paths[path]?.post?.requestBody?.content ?? {}), path).toEqual(
        expect.arrayContaining(["application/json", "application/yaml"]),
      );
    }
  });
});

import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { runCli } from "../run-cli.testing.js";

const run = (...argv: string[]) => runCli(argv);

let dir: string;
let server: RunningServer;
let token: string;

async function call(method: string, path: string, body?: unknown, raw?: Buffer): Promise<{ id: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (raw !== undefined) Object.assign(headers, { "content-type": "application/offset+octet-stream", "upload-offset": "0" });
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : raw ? { body: raw } : {}),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as { id: string };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "aidc-cli-reco-"));
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, logLevel: "silent", metricsIntervalS: 0, executor: "sim" });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
  // a project at 96% of its quota
  await call("PUT", "/api/v1/projects/nlp/quota", { maxBytes: 500 });
  const data = Buffer.alloc(480, 7);
  const { id } = await call("POST", "/api/v1/uploads");
  await call("PATCH", `/api/v1/uploads/${id}`, undefined, data);
  await call("POST", "/api/v1/artifacts", {
    project: "nlp",
    name: "corpus",
    kind: "dataset",
    uploadId: id,
    sha256: createHash("sha256").update(data).digest("hex"),
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("aidc recommend", () => {
  it("prints the server's recommendations as one JSON document and as text", async () => {
    const flags = ["--url", server.url, "--token", token];
    const j = await run("recommend", "--json", ...flags);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.out) as {
      recommendations: { id: string; severity: string; expectedGain: { unit: string } }[];
      generatedAtMs: number;
    };
    const quota = doc.recommendations.find((r) => r.id === "storage/quota/nlp");
    expect(quota?.severity).toBe("critical");
    expect(quota?.expectedGain.unit).toBe("bytes");
    const text = await run("recommend", ...flags);
    expect(text.code).toBe(0);
    expect(text.out).toContain("CRITICAL [storage] Project nlp uses 96.0% of its artifact quota");
    expect(text.out).toContain("PUT /api/v1/projects/nlp/quota");
    const none = await run("recommend", "--kind", "fragmentation", ...flags);
    expect(none.out).toContain("no recommendations");
  });

  it("exits 2 on an unknown kind", async () => {
    expect((await run("recommend", "--kind", "nope", "--url", server.url, "--token", token)).code).toBe(2);
  });
});

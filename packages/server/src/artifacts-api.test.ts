import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./main.js";
import { parseRange } from "./routes/artifacts.js";

const dataDir = mkdtempSync(join(tmpdir(), "aidc-artifacts-"));
let server: RunningServer;
const tok: Record<string, string> = {};

async function req(method: string, path: string, who: string, body?: Buffer | object, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { authorization: `Bearer ${tok[who] ?? ""}`, ...headers };
  let payload: Buffer | string | undefined;
  if (Buffer.isBuffer(body)) {
    payload = body;
    h["content-type"] ??= "application/offset+octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h["content-type"] = "application/json";
  }
  return fetch(`${server.url}${path}`, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) });
}

async function upload(who: string, data: Buffer, chunks = 1): Promise<string> {
  const { id } = (await (await req("POST", "/api/v1/uploads", who)).json()) as { id: string };
  const size = Math.ceil(data.length / chunks);
  for (let off = 0; off < data.length; off += size) {
    const res = await req("PATCH", `/api/v1/uploads/${id}`, who, data.subarray(off, off + size), { "upload-offset": String(off) });
    expect(res.status).toBe(200);
  }
  return id;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent" });
  tok["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  const repo = server.store.tokens;
  tok["ann"] = await repo.create("ann", "user", Date.now());
  tok["ben"] = await repo.create("ben", "user", Date.now());
});
afterAll(async () => server.close());

describe("artifact store", () => {
  const data = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));

  it("uploads in resumable chunks, stores by sha256, versions by name and records lineage", async () => {
    const id = await upload("ann", data, 3);
    const res = await req("POST", "/api/v1/artifacts", "ann", {
      project: "nlp",
      name: "imdb",
      kind: "dataset",
      uploadId: id,
      sha256: sha(data),
    });
    expect(res.status).toBe(201);
    const ds = (await res.json()) as { id: string; version: number; sha256: string; sizeBytes: number; tier: string };
    expect(ds).toMatchObject({ version: 1, sha256: sha(data), sizeBytes: data.length, tier: "hot" });
    const model = Buffer.from("weights");
    const m = await req("POST", "/api/v1/artifacts", "ann", {
      project: "nlp",
      name: "sentiment",
      kind: "model",
      uploadId: await upload("ann", model),
      parents: [ds.id],
      jobId: "j-1",
    });
    expect(await m.json()).toMatchObject({ version: 1, parents: [ds.id], jobId: "j-1" });
    const again = await req("POST", "/api/v1/artifacts", "ann", {
      project: "nlp",
      name: "imdb",
      kind: "dataset",
      uploadId: await upload("ann", data),
    });
    expect(((await again.json()) as { version: number }).version).toBe(2);
  });

  it("downloads whole files and byte ranges (for members of the project)", async () => {
    expect((await req("GET", "/api/v1/artifacts/nlp/imdb/1/content", "ben")).status).toBe(404);
    expect((await req("POST", "/api/v1/projects/nlp/members", "ann", { user: "ben", role: "reader" })).status).toBe(200);
    const whole = await req("GET", "/api/v1/artifacts/nlp/imdb/1/content", "ben");
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
    const part = await req("GET", "/api/v1/artifacts/nlp/imdb/latest/content", "ben", undefined, { range: "bytes=10-19" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 10-19/${data.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(10, 20))).toBe(true);
    expect((await req("GET", "/api/v1/artifacts/nlp/imdb/1/content", "ben", undefined, { range: "bytes=999999-" })).status).toBe(416);
    expect(parseRange("bytes=-5", 100)).toEqual({ start: 95, end: 99 });
  });

  it("refuses a wrong offset, a wrong digest, and someone else's upload", async () => {
    const { id } = (await (await req("POST", "/api/v1/uploads", "ann")).json()) as { id: string };
    expect((await req("PATCH", `/api/v1/uploads/${id}`, "ann", Buffer.from("abc"), { "upload-offset": "5" })).status).toBe(409);
    expect((await req("PATCH", `/api/v1/uploads/${id}`, "ben", Buffer.from("abc"), { "upload-offset": "0" })).status).toBe(404);
    await req("PATCH", `/api/v1/uploads/${id}`, "ann", Buffer.from("abc"), { "upload-offset": "0" });
    const bad = await req("POST", "/api/v1/artifacts", "ann", {
      project: "nlp",
      name: "x",
      kind: "other",
      uploadId: id,
      sha256: "0".repeat(64),
    });
    expect(bad.status).toBe(422);
    const listed = (await (await req("GET", "/api/v1/artifacts?name=x", "ann")).json()) as { artifacts: unknown[] };
    expect(listed.artifacts).toEqual([]);
  });

  it("refuses path traversal in names", async () => {
    const id = await upload("ann", Buffer.from("x"));
    for (const name of ["../etc/passwd", "a/b", ".hidden"]) {
      const res = await req("POST", "/api/v1/artifacts", "ann", { project: "nlp", name, kind: "other", uploadId: id });
      expect(res.status).toBe(400);
    }
    expect((await req("GET", "/api/v1/artifacts/nlp/..%2F..%2Fetc/1/content", "ann")).status).toBe(400);
  });

  it("detects corruption on read instead of serving bad bytes", async () => {
    const blob = join(dataDir, "blobs", "sha256", sha(data).slice(0, 2), sha(data));
    writeFileSync(blob, Buffer.concat([data.subarray(0, 10), Buffer.from("tampered")]));
    const res = await req("GET", "/api/v1/artifacts/nlp/imdb/1/content", "ann");
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INTEGRITY_ERROR");
  });

  it("enforces project quotas and moves old versions to colder tiers", async () => {
    expect((await req("PUT", "/api/v1/projects/small/quota", "ann", { maxBytes: 10 })).status).toBe(403);
    expect((await req("PUT", "/api/v1/projects/small/quota", "admin", { maxBytes: 10 })).status).toBe(200);
    const id = await upload("ann", Buffer.from("more than ten bytes"));
    const over = await req("POST", "/api/v1/artifacts", "ann", { project: "small", name: "big", kind: "other", uploadId: id });
    expect(over.status).toBe(413);
    for (let i = 0; i < 2; i++)
      await req("POST", "/api/v1/artifacts", "ann", {
        project: "nlp",
        name: "ckpt",
        kind: "checkpoint",
        uploadId: await upload("ann", Buffer.from(`c${i}`)),
      });
    const tiered = (await (await req("POST", "/api/v1/artifacts/tiering", "admin", { hotVersions: 1, coldAfterDays: 30 })).json()) as {
      moved: { to: string }[];
    };
    expect(tiered.moved.map((m) => m.to)).toEqual(["warm", "warm"]); // imdb v1 and ckpt v1; newest stay hot
  });
});

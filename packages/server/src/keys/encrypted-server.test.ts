import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packageTar, tinyModel } from "../artifacts/fixtures.testing.js";
import { loadMasterKey } from "../artifacts/crypto/master.js";
import { startServer, type RunningServer } from "../main.js";
import { openStore } from "../store/open.js";
import { rotateDataKeys } from "./rotate.js";

// Encryption at rest through the real server: uploads (resumable, across a restart), downloads
// (whole and ranged), a rotation between two starts, and tampered bytes, over real HTTP.
const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function keyFile(dir: string, name: string): string {
  const p = join(dir, name);
  writeFileSync(p, randomBytes(32).toString("hex"), { mode: 0o600 });
  return p;
}

async function start(dataDir: string, masterKeyFiles: string[]): Promise<RunningServer> {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0, masterKeyFiles });
  return server;
}

async function call(
  s: RunningServer,
  token: string,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, connection: "close", ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, bytes, headers: res.headers, json: () => JSON.parse(bytes.toString()) as Record<string, unknown> };
}

const PHRASE = "confidential-record-";
/** 390 kB: six 64 KiB chunks; a phrase repeated throughout that must never appear on disk. */
const data = Buffer.from(Array.from({ length: 15_000 }, (_, i) => `${PHRASE}${String(i).padStart(5, "0")}\n`).join(""));

async function upload(
  s: RunningServer,
  token: string,
  name: string,
  bytes: Buffer,
  restart?: () => Promise<RunningServer>,
  partialsDir?: string,
): Promise<RunningServer> {
  const id = (await call(s, token, "POST", "/api/v1/uploads")).json()["id"] as string;
  const half = 100_003;
  const patch = (srv: RunningServer, from: number, to: number) =>
    call(srv, token, "PATCH", `/api/v1/uploads/${id}`, bytes.subarray(from, to), {
      "upload-offset": String(from),
      "content-type": "application/offset+octet-stream",
    });
  expect((await patch(s, 0, half)).status).toBe(200);
  if (partialsDir !== undefined) {
    // the unfinished upload waits encrypted too: no plaintext in the upload area, its size is the plaintext's (the resume offset)
    const partial = readFileSync(join(partialsDir, id));
    expect(partial.length).toBe(half);
    expect(partial.includes(Buffer.from(PHRASE))).toBe(false);
    expect(readdirSync(partialsDir).sort()).toEqual([id, `${id}.key`]);
  }
  const srv = restart !== undefined ? await restart() : s;
  expect((await call(srv, token, "GET", `/api/v1/uploads/${id}`)).json()).toEqual({ id, offsetBytes: half });
  expect((await patch(srv, half, bytes.length)).status).toBe(200);
  const body = JSON.stringify({ project: "ann", name, kind: "other", uploadId: id, sha256: sha(bytes) });
  expect((await call(srv, token, "POST", "/api/v1/artifacts", body, { "content-type": "application/json" })).status).toBe(201);
  return srv;
}

function rawBlobFiles(dataDir: string): Buffer[] {
  const root = join(dataDir, "blobs", "sha256");
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => readFileSync(join(root, d, f))));
}

describe("an encrypted artifact store behind the server", () => {
  it("resumable upload and range reads work; the raw files hold no plaintext; after a rotation every blob is served with the new key alone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-enc-srv-"));
    const oldKey = keyFile(dataDir, "old.key");
    const newKey = keyFile(dataDir, "new.key");
    let s = await start(dataDir, [oldKey]);
    const token = await s.store.tokens.create("ann", "user", Date.now());
    s = await upload(
      s,
      token,
      "records",
      data,
      async () => {
        await s.close();
        return start(dataDir, [oldKey]);
      },
      join(dataDir, "blobs", "uploads"),
    );
    const small = Buffer.from(`${PHRASE} a small file`);
    const id = (await call(s, token, "POST", "/api/v1/uploads")).json()["id"] as string;
    await call(s, token, "PATCH", `/api/v1/uploads/${id}`, small, {
      "upload-offset": "0",
      "content-type": "application/offset+octet-stream",
    });
    const body = JSON.stringify({ project: "ann", name: "small", kind: "other", uploadId: id, sha256: sha(small) });
    expect((await call(s, token, "POST", "/api/v1/artifacts", body, { "content-type": "application/json" })).status).toBe(201);

    const files = rawBlobFiles(dataDir);
    expect(files).toHaveLength(2);
    for (const f of files) expect(f.includes(Buffer.from(PHRASE))).toBe(false);
    expect(readdirSync(join(dataDir, "blobs", "uploads"))).toEqual([]);

    const whole = await call(s, token, "GET", "/api/v1/artifacts/ann/records/1/content");
    expect(whole.status).toBe(200);
    expect(whole.bytes.equals(data)).toBe(true);
    const ranged = await call(s, token, "GET", "/api/v1/artifacts/ann/records/1/content", undefined, { range: "bytes=65530-131080" });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 65530-131080/${data.length}`);
    expect(ranged.bytes.equals(data.subarray(65530, 131081))).toBe(true);
    await s.close();
    server = undefined;

    const store = await openStore(`sqlite:${join(dataDir, "aidc.db")}`);
    const report = await rotateDataKeys({ store, old: loadMasterKey(oldKey), next: loadMasterKey(newKey), now: Date.now });
    await store.close();
    expect(report).toMatchObject({ rewrapped: 2, remaining: 0, failed: [] });
    expect(rawBlobFiles(dataDir)).toEqual(files); // no blob was rewritten

    s = await start(dataDir, [newKey]);
    expect((await call(s, token, "GET", "/api/v1/artifacts/ann/records/1/content")).bytes.equals(data)).toBe(true);
    expect((await call(s, token, "GET", "/api/v1/artifacts/ann/small/1/content")).bytes.equals(small)).toBe(true);
    await s.close();

    // the retired key reads nothing any more
    s = await start(dataDir, [oldKey]);
    const refused = await call(s, token, "GET", "/api/v1/artifacts/ann/small/1/content");
    expect(refused.status).toBe(500);
    expect(refused.json()["error"]).toMatchObject({ code: "BLOB_KEY_MISSING" });
  });

  it("a flipped byte on disk is refused with BLOB_TAMPERED, whole or ranged, and no plaintext is sent", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-enc-srv-"));
    const key = keyFile(dataDir, "master.key");
    const s = await start(dataDir, [key]);
    const token = await s.store.tokens.create("ann", "user", Date.now());
    await upload(s, token, "records", data);
    expect((await call(s, token, "GET", "/api/v1/artifacts/ann/records/1/content")).status).toBe(200); // verified once (cached)
    const path = join(dataDir, "blobs", "sha256", sha(data).slice(0, 2), `${sha(data)}.enc`);
    const raw = readFileSync(path);
    raw.writeUInt8(raw.readUInt8(raw.length - 100) ^ 0x80, raw.length - 100);
    writeFileSync(path, raw);
    for (const headers of [{}, { range: "bytes=0-99" }] as Record<string, string>[]) {
      const r = await call(s, token, "GET", "/api/v1/artifacts/ann/records/1/content", undefined, headers);
      expect(r.status).toBe(500);
      expect(r.json()["error"]).toMatchObject({
        code: "BLOB_TAMPERED",
        message: expect.stringMatching(/fails authentication at chunk 5 of 6/),
      });
      expect(r.bytes.includes(Buffer.from(PHRASE))).toBe(false);
    }
  });

  it("a model package stored encrypted is installed and served (the install reads through the decrypting path)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-enc-srv-"));
    const key = keyFile(dataDir, "master.key");
    const s = await start(dataDir, [key]);
    const token = await s.store.tokens.create("ann", "user", Date.now());
    const tar = packageTar(await tinyModel(join(dataDir, "work", "m")));
    const id = (await call(s, token, "POST", "/api/v1/uploads")).json()["id"] as string;
    await call(s, token, "PATCH", `/api/v1/uploads/${id}`, tar, {
      "upload-offset": "0",
      "content-type": "application/offset+octet-stream",
    });
    const body = JSON.stringify({
      project: "ann",
      name: "sent",
      kind: "model",
      metadata: { format: "aidc-model-package+tar" },
      uploadId: id,
      sha256: sha(tar),
    });
    expect((await call(s, token, "POST", "/api/v1/artifacts", body, { "content-type": "application/json" })).status).toBe(201);
    expect(rawBlobFiles(dataDir)[0]?.includes(tar.subarray(0, 100))).toBe(false);
    const promoted = await call(s, token, "POST", "/api/v1/models/sent/promote", JSON.stringify({ artifact: "ann/sent:1" }), {
      "content-type": "application/json",
    });
    expect(promoted.status).toBe(200);
    const p = await call(s, token, "POST", "/api/v1/models/sent:predict", JSON.stringify({ instances: ["wonderful and brilliant"] }), {
      "content-type": "application/json",
    });
    expect(p.status).toBe(200);
    expect((p.json()["predictions"] as { score: number }[])[0]?.score).toBeGreaterThan(0.5);
  });
});

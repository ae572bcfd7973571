import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BlobStore } from "./artifacts/blobs.js";
import { UploadSessions } from "./artifacts/uploads.js";
import { startServer, type RunningServer } from "./main.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(dataDir: string, user = "ann"): Promise<{ s: RunningServer; token: string }> {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0 });
  const s = server;
  return { s, token: await s.store.tokens.create(user, "user", Date.now()) };
}

async function send(
  s: RunningServer,
  token: string,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    // no keep-alive: these tests stop and start servers, and a pooled socket the client opened but never used keeps
    // a server's close() waiting for the request timeout
    headers: { authorization: `Bearer ${token}`, connection: "close", ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as Record<string, unknown>,
  };
}

const newUpload = async (s: RunningServer, token: string) => (await send(s, token, "POST", "/api/v1/uploads")).json["id"] as string;

describe("uploads", () => {
  it("answers 400 naming the problem for a PATCH without a body", async () => {
    const { s, token } = await start(mkdtempSync(join(tmpdir(), "aidc-up-")));
    const id = await newUpload(s, token);
    const variants: Record<string, string>[] = [
      { "upload-offset": "0" },
      { "upload-offset": "0", "content-type": "application/offset+octet-stream" },
    ];
    for (const headers of variants) {
      const r = await send(s, token, "PATCH", `/api/v1/uploads/${id}`, undefined, headers);
      expect(r.status).toBe(400);
      expect(r.json["error"]).toMatchObject({ code: "INVALID_INPUT", issues: [expect.objectContaining({ path: "body" })] });
    }
  });

  it("takes any content type as raw bytes: offsets are byte offsets", async () => {
    const { s, token } = await start(mkdtempSync(join(tmpdir(), "aidc-up-")));
    const id = await newUpload(s, token);
    const text = "héllo wörld ✓ — 日本語\n"; // 19 characters, 31 bytes
    const first = await send(s, token, "PATCH", `/api/v1/uploads/${id}`, text, { "upload-offset": "0", "content-type": "text/plain" });
    expect(first.json).toEqual({ id, offsetBytes: Buffer.byteLength(text) });
    const json = '{"not": "parsed"}';
    const second = await send(s, token, "PATCH", `/api/v1/uploads/${id}`, json, {
      "upload-offset": String(Buffer.byteLength(text)),
      "content-type": "application/json",
    });
    expect(second.status).toBe(200);
    const all = Buffer.from(text + json);
    expect(second.json["offsetBytes"]).toBe(all.length);
    const a = await send(
      s,
      token,
      "POST",
      "/api/v1/artifacts",
      JSON.stringify({ project: "ann", name: "t", kind: "other", uploadId: id, sha256: sha(all) }),
      {
        "content-type": "application/json",
      },
    );
    expect(a.status).toBe(201);
  });

  it("resumes after a server restart at the offset the server reports", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-up-"));
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const first = await start(dataDir);
    const id = await newUpload(first.s, first.token);
    const half = 123_457;
    const r = await send(first.s, first.token, "PATCH", `/api/v1/uploads/${id}`, data.subarray(0, half), {
      "upload-offset": "0",
      "content-type": "application/offset+octet-stream",
    });
    expect(r.json["offsetBytes"]).toBe(half);
    await first.s.close();

    const second = await start(dataDir, "zed");
    const token = first.token; // tokens are in the store: the same one works after the restart
    expect((await send(second.s, token, "GET", `/api/v1/uploads/${id}`)).json).toEqual({ id, offsetBytes: half });
    // someone else's session stays invisible after the restart too
    expect((await send(second.s, second.token, "GET", `/api/v1/uploads/${id}`)).status).toBe(404);
    const rest = await send(second.s, token, "PATCH", `/api/v1/uploads/${id}`, data.subarray(half), {
      "upload-offset": String(half),
      "content-type": "application/offset+octet-stream",
    });
    expect(rest.json["offsetBytes"]).toBe(data.length);
    const a = await send(
      second.s,
      token,
      "POST",
      "/api/v1/artifacts",
      JSON.stringify({ project: "ann", name: "big", kind: "dataset", uploadId: id, sha256: sha(data) }),
      {
        "content-type": "application/json",
      },
    );
    expect(a.status).toBe(201);
    const back = await fetch(`${second.s.url}/api/v1/artifacts/ann/big/1/content`, {
      headers: { authorization: `Bearer ${token}`, connection: "close" },
    });
    expect(Buffer.from(await back.arrayBuffer()).equals(data)).toBe(true);
  });

  it("the janitor removes orphaned partial files at start and expired sessions with their bytes", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-up-"));
    const first = await start(dataDir);
    const kept = await newUpload(first.s, first.token);
    await send(first.s, first.token, "PATCH", `/api/v1/uploads/${kept}`, Buffer.alloc(1000, 1), {
      "upload-offset": "0",
      "content-type": "application/offset+octet-stream",
    });
    await first.s.close();
    // what a crash leaves: partial files no session knows, an hour old
    const uploads = join(dataDir, "blobs", "uploads");
    const orphan = join(uploads, `u-${"ab".repeat(12)}`);
    writeFileSync(orphan, Buffer.alloc(5000));
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(orphan, hourAgo, hourAgo);
    const fresh = join(uploads, `u-${"cd".repeat(12)}`); // maybe a commit in progress: too young to remove
    writeFileSync(fresh, Buffer.alloc(10));

    const second = await start(dataDir);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(join(uploads, kept))).toBe(true);
    expect((await send(second.s, first.token, "GET", `/api/v1/uploads/${kept}`)).json["offsetBytes"]).toBe(1000);
    // a day later the untouched session has expired: gone with its bytes
    const swept = await new UploadSessions(second.s.store, new BlobStore(join(dataDir, "blobs"))).sweep(Date.now() + 25 * 3600_000);
    expect(swept.expired).toEqual([kept]);
    expect(existsSync(join(uploads, kept))).toBe(false);
    expect((await send(second.s, first.token, "GET", `/api/v1/uploads/${kept}`)).status).toBe(404);
  });

  it("refuses a corrupted blob on range reads (422), whether or not it was read before", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-up-"));
    const { s, token } = await start(dataDir);
    const blobs = join(dataDir, "blobs", "sha256");
    const put = async (name: string, data: Buffer) => {
      const id = await newUpload(s, token);
      await send(s, token, "PATCH", `/api/v1/uploads/${id}`, data, {
        "upload-offset": "0",
        "content-type": "application/offset+octet-stream",
      });
      const body = JSON.stringify({ project: "ann", name, kind: "other", uploadId: id });
      expect((await send(s, token, "POST", "/api/v1/artifacts", body, { "content-type": "application/json" })).status).toBe(201);
      return join(blobs, sha(data).slice(0, 2), sha(data));
    };
    const range = (name: string) => send(s, token, "GET", `/api/v1/artifacts/ann/${name}/1/content`, undefined, { range: "bytes=0-9" });

    const read = Buffer.alloc(4096, 7);
    const readPath = await put("read", read);
    expect((await range("read")).status).toBe(206); // first read verifies, later ones trust the unchanged file
    expect((await range("read")).status).toBe(206);
    const bytes = readFileSync(readPath);
    bytes[100] = 8; // the ranged bytes 0-9 are untouched; the blob as a whole is not what its name says
    writeFileSync(readPath, bytes);
    const r = await range("read");
    expect(r.status).toBe(422);
    expect(r.json["error"]).toMatchObject({ code: "INTEGRITY_ERROR" });
    expect(JSON.stringify(r.json)).not.toContain(dataDir);

    const unread = Buffer.alloc(4096, 9);
    const unreadPath = await put("unread", unread);
    writeFileSync(unreadPath, Buffer.concat([unread.subarray(0, 4000), Buffer.alloc(96, 1)]));
    expect((await range("unread")).status).toBe(422);
  });
});

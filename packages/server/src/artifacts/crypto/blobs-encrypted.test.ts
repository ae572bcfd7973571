import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../store/open.js";
import type { Store } from "../../store/port.js";
import { BlobStore } from "../blobs.js";
import { DEFAULT_CHUNK_BYTES, HEADER_BYTES } from "./chunks.js";
import { Keyring, loadMasterKey } from "./master.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const dirs: string[] = [];
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "aidc-enc-"));
  dirs.push(d);
  return d;
}

function keyFile(dir: string, name: string): string {
  const p = join(dir, name);
  writeFileSync(p, randomBytes(32).toString("hex") + "\n", { mode: 0o600 });
  return p;
}

async function setup(o: { keyring?: Keyring } = {}): Promise<{ dir: string; store: Store; blobs: BlobStore; keyring: Keyring }> {
  const dir = tmp();
  const store = await openStore(`sqlite:${join(dir, "aidc.db")}`);
  stores.push(store);
  const keyring = o.keyring ?? Keyring.fromFiles([keyFile(dir, "master.key")]);
  return { dir, store, blobs: new BlobStore(join(dir, "blobs"), { keys: store.dataKeys, keyring }), keyring };
}

/** 200 KiB of text (spans four chunks) with a phrase that must not appear in the raw file. */
const SECRET = "patient 4711 has condition X";
const text = Buffer.from(
  Array.from({ length: 6400 }, (_, i) => `${SECRET} line ${i}\n`)
    .join("")
    .slice(0, 200 * 1024),
);

async function drain(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe("an encrypted blob store", () => {
  it("stores ciphertext only: the raw file has no plaintext, the store holds only the wrapped key", async () => {
    const { dir, store, blobs } = await setup();
    const { sha256, sizeBytes } = await blobs.putBytes(text);
    blobs.release(sha256);
    expect(sizeBytes).toBe(text.length);
    const raw = readFileSync(blobs.encryptedPath(sha256));
    expect(raw.includes(Buffer.from(SECRET))).toBe(false);
    expect(raw.includes(text.subarray(0, 16))).toBe(false);
    expect(readdirSync(join(dir, "blobs", "sha256", sha256.slice(0, 2)))).toEqual([`${sha256}.enc`]);
    expect(readdirSync(join(dir, "blobs", "uploads"))).toEqual([]); // the plaintext upload is gone
    const row = await store.dataKeys.get(sha256);
    expect(row?.wrapped.length).toBe(60);
    // the master key never reaches the database file
    const master = loadMasterKey(join(dir, "master.key"));
    expect(readFileSync(join(dir, "aidc.db")).includes(master.key)).toBe(false);
    expect(await blobs.readAll(sha256)).toEqual(text);
  });

  it("serves any byte range, across chunk borders, equal to the plaintext's slice", async () => {
    const { blobs } = await setup();
    const { sha256 } = await blobs.putBytes(text);
    for (const [start, end] of [
      [0, 0],
      [DEFAULT_CHUNK_BYTES - 3, DEFAULT_CHUNK_BYTES + 2],
      [100, 3 * DEFAULT_CHUNK_BYTES + 7],
      [text.length - 1, text.length - 1],
      [0, text.length - 1],
    ] as const) {
      const { sizeBytes, stream } = await blobs.read(sha256, { start, end });
      expect(sizeBytes).toBe(text.length);
      expect((await drain(stream)).equals(text.subarray(start, end + 1))).toBe(true);
    }
    await expect(blobs.read(sha256, { start: 5, end: text.length })).rejects.toThrow(/range/i);
  });

  it("a flipped byte is refused before any byte is served (BLOB_TAMPERED), whole or ranged", async () => {
    const { blobs } = await setup();
    const { sha256 } = await blobs.putBytes(text);
    const path = blobs.encryptedPath(sha256);
    const raw = readFileSync(path);
    const at = HEADER_BYTES + 3 * (DEFAULT_CHUNK_BYTES + 28) + 40; // inside the last chunk
    raw.writeUInt8(raw.readUInt8(at) ^ 0x01, at);
    writeFileSync(path, raw);
    await expect(blobs.verify(sha256)).rejects.toMatchObject({ code: "BLOB_TAMPERED" });
    await expect(blobs.read(sha256, { start: 0, end: 10 })).rejects.toMatchObject({ code: "BLOB_TAMPERED" });
    await expect(blobs.readAll(sha256)).rejects.toThrow(/fails authentication at chunk 3 of 4/);
  });

  it("a blob whose key row is gone, or whose master is not held, is refused (BLOB_KEY_MISSING)", async () => {
    const { dir, store, blobs } = await setup();
    const { sha256 } = await blobs.putBytes(text);
    // a server started without any master key
    const noMaster = new BlobStore(join(dir, "blobs"), { keys: store.dataKeys });
    await expect(noMaster.read(sha256)).rejects.toMatchObject({
      code: "BLOB_KEY_MISSING",
      message: expect.stringMatching(/--master-key-file/),
    });
    // a server with another master key
    const other = new BlobStore(join(dir, "blobs"), { keys: store.dataKeys, keyring: Keyring.fromFiles([keyFile(dir, "other.key")]) });
    await expect(other.read(sha256)).rejects.toMatchObject({ code: "BLOB_KEY_MISSING", message: expect.stringMatching(/does not hold/) });
    // no key store at all
    await expect(new BlobStore(join(dir, "blobs")).read(sha256)).rejects.toMatchObject({ code: "BLOB_KEY_MISSING" });
    await store.dataKeys.remove(sha256);
    await expect(
      new BlobStore(join(dir, "blobs"), { keys: store.dataKeys, keyring: Keyring.fromFiles([join(dir, "master.key")]) }).read(sha256),
    ).rejects.toMatchObject({
      code: "BLOB_KEY_MISSING",
      message: expect.stringMatching(/not in the store/),
    });
  });

  it("a wrapped key moved to another blob's row does not unwrap (the wrapping is bound to its blob)", async () => {
    const { store, blobs } = await setup();
    const a = await blobs.putBytes(Buffer.from("first blob"));
    const b = await blobs.putBytes(Buffer.from("second blob"));
    const rowA = await store.dataKeys.get(a.sha256);
    const rowB = await store.dataKeys.get(b.sha256);
    await store.dataKeys.rewrap(b.sha256, rowB!.keyId, rowA!.keyId, rowA!.wrapped);
    await expect(blobs.read(b.sha256)).rejects.toMatchObject({
      code: "BLOB_KEY_MISSING",
      message: expect.stringMatching(/does not unwrap/),
    });
  });

  it("the same bytes committed twice share one file and one key; removal takes the key with the bytes", async () => {
    const { store, blobs } = await setup();
    const one = await blobs.putBytes(text);
    const two = await blobs.putBytes(text);
    expect(two.sha256).toBe(one.sha256);
    expect((await store.dataKeys.countByKeyId()).size).toBe(1);
    blobs.release(one.sha256);
    blobs.release(one.sha256);
    await blobs.remove(one.sha256);
    expect(await store.dataKeys.get(one.sha256)).toBeUndefined();
    await expect(blobs.verify(one.sha256)).rejects.toThrow(/missing/);
  });

  it("two servers: a removal between the other's commit and its artifact row takes bytes and key; release puts both back", async () => {
    const { dir, store, keyring } = await setup();
    const a = new BlobStore(join(dir, "blobs"), { keys: store.dataKeys, keyring });
    const b = new BlobStore(join(dir, "blobs"), { keys: store.dataKeys, keyring });
    const { sha256 } = await a.putBytes(text);
    a.release(sha256);
    await b.putBytes(text); // b's commit of the same bytes, its artifact row not yet written
    await a.remove(sha256, async () => true); // a's store said: no live version
    expect(await store.dataKeys.get(sha256)).toBeUndefined();
    b.release(sha256); // b's row is written now
    expect((await b.readAll(sha256)).equals(text)).toBe(true);
    expect((await a.readAll(sha256)).equals(text)).toBe(true);
  });

  it("a plaintext blob from before the master key stays readable, and a new commit of its bytes encrypts it", async () => {
    const { dir, store, blobs } = await setup();
    const plain = new BlobStore(join(dir, "blobs"), { keys: store.dataKeys });
    const { sha256 } = await plain.putBytes(text);
    plain.release(sha256);
    expect(await blobs.readAll(sha256)).toEqual(text);
    await blobs.putBytes(text);
    blobs.release(sha256);
    expect(readdirSync(join(dir, "blobs", "sha256", sha256.slice(0, 2)))).toEqual([`${sha256}.enc`]);
    expect(await blobs.readAll(sha256)).toEqual(text);
  });

  it("a sealed (resumable) upload is encrypted as it arrives, appended at odd offsets, and commits to the same plaintext", async () => {
    const { dir, blobs } = await setup();
    const id = blobs.newUpload({ sealed: true });
    let offset = 0;
    for (const size of [7, 33, 100_000, 1, text.length - 100_041]) {
      const part = text.subarray(offset, offset + size);
      offset = await blobs.append(id, offset, Readable.from([part]), 10_000_000);
    }
    expect(offset).toBe(text.length);
    const partial = readFileSync(blobs.uploadPath(id));
    expect(partial.length).toBe(text.length);
    expect(partial.includes(Buffer.from(SECRET))).toBe(false);
    const { sha256 } = await blobs.commit(id, sha(text));
    blobs.release(sha256);
    expect(readdirSync(join(dir, "blobs", "uploads"))).toEqual([]);
    expect((await blobs.readAll(sha256)).equals(text)).toBe(true);
  });

  it("a changed byte in a sealed partial upload fails the commit's hash check; nothing is stored", async () => {
    const { blobs } = await setup();
    const id = blobs.newUpload({ sealed: true });
    await blobs.append(id, 0, Readable.from([text]), 10_000_000);
    const partial = readFileSync(blobs.uploadPath(id));
    partial.writeUInt8(partial.readUInt8(500) ^ 1, 500);
    writeFileSync(blobs.uploadPath(id), partial);
    await expect(blobs.commit(id, sha(text))).rejects.toMatchObject({ code: "INTEGRITY_ERROR" });
    await expect(blobs.verify(sha(text))).rejects.toThrow(/missing/);
  });

  it("encrypts blobs stored in plaintext before the key (checking their hash first), leaving them readable", async () => {
    const { dir, store, blobs } = await setup();
    const plain = new BlobStore(join(dir, "blobs"), { keys: store.dataKeys });
    const one = await plain.putBytes(text);
    const two = await plain.putBytes(Buffer.from("another plaintext blob"));
    plain.release(one.sha256);
    plain.release(two.sha256);
    expect(blobs.plaintextBlobs().sort()).toEqual([one.sha256, two.sha256].sort());
    // a plaintext blob that rotted is not sealed (its bad bytes would get a valid tag)
    const rotten = blobs.blobPath(two.sha256);
    writeFileSync(rotten, Buffer.from("another plaintext blox"));
    await expect(blobs.encryptStored(two.sha256)).rejects.toMatchObject({ code: "INTEGRITY_ERROR" });
    expect(await blobs.encryptStored(one.sha256)).toBe(true);
    expect(await blobs.encryptStored(one.sha256)).toBe(false);
    expect(blobs.plaintextBlobs()).toEqual([two.sha256]);
    expect(readFileSync(blobs.encryptedPath(one.sha256)).includes(Buffer.from(SECRET))).toBe(false);
    expect((await blobs.readAll(one.sha256)).equals(text)).toBe(true);
    expect(readdirSync(join(dir, "blobs", "uploads"))).toEqual([]);
  });

  it("an empty blob is encrypted and authenticated too", async () => {
    const { blobs } = await setup();
    const { sha256, sizeBytes } = await blobs.putBytes(Buffer.alloc(0));
    expect(sizeBytes).toBe(0);
    expect((await blobs.readAll(sha256)).length).toBe(0);
  });
});

describe("master key files", () => {
  it("take raw, hex or base64 keys; the id is the same for the same key and differs between keys", () => {
    const dir = tmp();
    const key = randomBytes(32);
    const files = { raw: key, hex: key.toString("hex"), b64: `${key.toString("base64")}\n` };
    const ids = Object.entries(files).map(([n, v]) => {
      writeFileSync(join(dir, n), v, { mode: 0o600 });
      return loadMasterKey(join(dir, n)).id;
    });
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^mk-[0-9a-f]{16}$/);
    expect(loadMasterKey(keyFile(dir, "other")).id).not.toBe(ids[0]);
  });

  it("refuse a short key, a missing file and a file others can read, naming the field", () => {
    const dir = tmp();
    writeFileSync(join(dir, "short"), "abcd", { mode: 0o600 });
    expect(() => loadMasterKey(join(dir, "short"), "--master-key-file")).toThrow(/no 256-bit key/);
    expect(() => loadMasterKey(join(dir, "nope"), "--master-key-file")).toThrow(/Cannot read/);
    const open = keyFile(dir, "open");
    chmodSync(open, 0o644);
    try {
      loadMasterKey(open, "--master-key-file");
      expect.unreachable();
    } catch (err) {
      expect((err as { issues: { path: string; message: string }[] }).issues[0]).toMatchObject({
        path: "--master-key-file",
        message: expect.stringMatching(/chmod 600/),
      });
    }
  });
});

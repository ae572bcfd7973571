import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BlobStore } from "./blobs.js";

// Two servers sharing one blob folder: one deletes the last version of some bytes while the other
// registers a new version of the same bytes. The bytes must survive whatever the interleaving.
describe("a blob folder shared by two servers", () => {
  const bytes = Buffer.from("the same bytes, published twice");

  it("a removal between the other's commit and its artifact row: release puts the blob back", async () => {
    const root = mkdtempSync(join(tmpdir(), "aidc-blobs-"));
    const a = new BlobStore(root);
    const b = new BlobStore(root);
    const { sha256 } = await a.putBytes(bytes);
    a.release(sha256);
    await b.putBytes(bytes); // b's upload of the same bytes, its artifact row not yet written
    await a.remove(sha256, async () => true); // a's store said: no live version (b's row is not in yet)
    b.release(sha256); // b's row is written now
    expect(await b.verify(sha256)).toBe(bytes.length);
    expect(readdirSync(join(root, "uploads"))).toEqual([]);
  });

  it("a registration after the removal's decision: asked again, the store says used and the blob is put back", async () => {
    const root = mkdtempSync(join(tmpdir(), "aidc-blobs-"));
    const a = new BlobStore(root);
    const b = new BlobStore(root);
    const { sha256 } = await a.putBytes(bytes);
    a.release(sha256);
    // a's delete transaction found no live version; before a removes the file, b registers the same bytes
    await b.putBytes(bytes);
    b.release(sha256);
    await a.remove(sha256, async () => false);
    expect(await a.verify(sha256)).toBe(bytes.length);
  });

  it("bytes nobody registers go; a blob pinned by a commit in progress here stays", async () => {
    const root = mkdtempSync(join(tmpdir(), "aidc-blobs-"));
    const a = new BlobStore(root);
    const { sha256 } = await a.putBytes(bytes);
    await a.remove(sha256);
    expect(await a.verify(sha256)).toBe(bytes.length); // pinned: still being registered
    a.release(sha256);
    await a.remove(sha256);
    await expect(a.verify(sha256)).rejects.toThrow(/missing/);
    expect(readdirSync(join(root, "sha256", sha256.slice(0, 2)))).toEqual([]);
  });
});

describe("appending to an upload from two servers", () => {
  it("refuses a second append while the first is receiving bytes, then takes the next chunk at the new offset", async () => {
    const root = mkdtempSync(join(tmpdir(), "aidc-blobs-"));
    const a = new BlobStore(root);
    const b = new BlobStore(root);
    const id = a.newUpload();
    let finish: () => void = () => undefined;
    const slow = Readable.from(
      (async function* () {
        yield Buffer.from("first ");
        await new Promise<void>((r) => (finish = r));
        yield Buffer.from("chunk");
      })(),
    );
    const first = a.append(id, 0, slow, 1000);
    await new Promise((r) => setTimeout(r, 20));
    await expect(b.append(id, 0, Readable.from([Buffer.from("other")]), 1000)).rejects.toThrow(/receiving another PATCH/);
    finish();
    expect(await first).toBe(11);
    expect(await b.append(id, 11, Readable.from([Buffer.from("!")]), 1000)).toBe(12);
    expect(readdirSync(join(root, "uploads"))).toEqual([id]);
  });
});

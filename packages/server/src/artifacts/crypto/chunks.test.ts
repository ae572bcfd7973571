import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encryptFile, hashEncrypted, HEADER_BYTES, readEncrypted } from "./chunks.js";
import { createHash } from "node:crypto";

const CHUNK = 32;
const REC = CHUNK + 28;

async function sealed(plain: Buffer): Promise<{ path: string; sha256: string; key: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), "aidc-chunks-"));
  writeFileSync(join(dir, "plain"), plain);
  const sha256 = createHash("sha256").update(plain).digest("hex");
  const key = randomBytes(32);
  await encryptFile(join(dir, "plain"), join(dir, "enc"), sha256, key, plain.length, CHUNK);
  return { path: join(dir, "enc"), sha256, key };
}

describe("the chunked AES-256-GCM format", () => {
  const plain = Buffer.from("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?".repeat(3)); // 6 chunks of 32

  it("round-trips and hashes to the plaintext's sha256", async () => {
    const { path, sha256, key } = await sealed(plain);
    expect(await hashEncrypted(path, sha256, key)).toEqual({ sha256, plaintextBytes: plain.length });
    const parts: Buffer[] = [];
    for await (const c of await readEncrypted(path, sha256, key, 31, 97)) parts.push(c as Buffer);
    expect(Buffer.concat(parts).toString()).toBe(plain.subarray(31, 98).toString());
  });

  it("detects two chunks swapped", async () => {
    const { path, sha256, key } = await sealed(plain);
    const raw = readFileSync(path);
    const c1 = Buffer.from(raw.subarray(HEADER_BYTES + REC, HEADER_BYTES + 2 * REC));
    raw.copy(raw, HEADER_BYTES + REC, HEADER_BYTES, HEADER_BYTES + REC);
    c1.copy(raw, HEADER_BYTES);
    writeFileSync(path, raw);
    await expect(hashEncrypted(path, sha256, key)).rejects.toMatchObject({ code: "BLOB_TAMPERED" });
  });

  it("detects truncation, even when the header's size is shrunk to match", async () => {
    const { path, sha256, key } = await sealed(plain);
    const raw = readFileSync(path);
    writeFileSync(path, raw.subarray(0, raw.length - REC));
    await expect(hashEncrypted(path, sha256, key)).rejects.toThrow(/on disk/);
    const cut = Buffer.from(raw.subarray(0, HEADER_BYTES + 5 * REC));
    cut.writeBigUInt64BE(BigInt(5 * CHUNK), 12); // claims 5 chunks: chunk 4 is now "final" and its tag says it was not
    writeFileSync(path, cut);
    await expect(hashEncrypted(path, sha256, key)).rejects.toThrow(/fails authentication at chunk 0/);
  });

  it("refuses the file under another blob's name and under another key", async () => {
    const { path, sha256, key } = await sealed(plain);
    await expect(hashEncrypted(path, "0".repeat(64), key)).rejects.toMatchObject({ code: "BLOB_TAMPERED" });
    await expect(hashEncrypted(path, sha256, randomBytes(32))).rejects.toMatchObject({ code: "BLOB_TAMPERED" });
  });
});

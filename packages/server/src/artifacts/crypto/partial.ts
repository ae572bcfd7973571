import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createReadStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import { BlobKeyError, KEY_BYTES, wrapDataKey, type Keyring } from "./master.js";

/**
 * Partial resumable uploads on an encrypting store: the bytes of an unfinished upload are kept
 * encrypted too, so plaintext never sits in the upload area. A partial file is appended to at any
 * offset and its length must stay the plaintext's (the offset a client resumes at), so it uses
 * AES-256-CTR, a stream cipher whose keystream can start at any byte. CTR has no tag: nothing is
 * trusted from a partial file until commit, which decrypts it, hashes the plaintext and checks the
 * sha256 the client sent (a changed byte changes the hash), then seals it with AES-256-GCM chunks.
 *
 * The upload key and its initial counter live in `<upload>.key`, wrapped by the active master key
 * (bound to the upload id), beside the partial file and removed with it.
 */
const IV_BYTES = 16;

export const partialKeyPath = (uploadPath: string): string => `${uploadPath}.key`;

/** A fresh upload's key file (the partial file is created by the caller). */
export function sealPartial(keyring: Keyring, id: string, uploadPath: string): void {
  const key = randomBytes(KEY_BYTES);
  const iv = randomBytes(IV_BYTES);
  const wrapped = wrapDataKey(keyring.active, `upload:${id}`, key);
  const record = { keyId: keyring.active.id, wrapped: wrapped.toString("base64"), iv: iv.toString("base64") };
  writeFileSync(partialKeyPath(uploadPath), JSON.stringify(record), {
    mode: 0o600,
    flag: "wx",
  });
}

export interface PartialKey {
  readonly key: Buffer;
  readonly iv: Buffer;
}

/** The key of a sealed partial upload, or undefined for a plaintext one (made without a master key). */
export function partialKey(keyring: Keyring | undefined, id: string, uploadPath: string): PartialKey | undefined {
  const p = partialKeyPath(uploadPath);
  if (!existsSync(p)) return undefined;
  const f = JSON.parse(readFileSync(p, "utf8")) as { keyId: string; wrapped: string; iv: string };
  if (keyring === undefined) throw new BlobKeyError(`Upload ${id} is encrypted and this server has no master key (--master-key-file)`);
  return { key: keyring.unwrap(`upload:${id}`, f.keyId, Buffer.from(f.wrapped, "base64")), iv: Buffer.from(f.iv, "base64") };
}

/** The counter block for byte `offset`: the initial counter plus offset/16, as a 128-bit big-endian number. */
function counterAt(iv: Buffer, offset: number): Buffer {
  const out = Buffer.from(iv);
  let carry = BigInt(Math.floor(offset / 16));
  for (let i = 15; i >= 0 && carry > 0n; i--) {
    const sum = BigInt(out[i] as number) + (carry & 0xffn);
    out[i] = Number(sum & 0xffn);
    carry = (carry >> 8n) + (sum >> 8n);
  }
  return out;
}

/** XOR `data` with the keystream from byte `offset` on (CTR encryption and decryption are the same). */
export function ctrAt(pk: PartialKey, offset: number, data: Buffer): Buffer {
  const c = createCipheriv("aes-256-ctr", pk.key, counterAt(pk.iv, offset));
  const skip = offset % 16;
  if (skip > 0) c.update(Buffer.alloc(skip));
  return c.update(data);
}

/** The plaintext of a partial file, streamed. */
export async function* partialPlaintext(path: string, pk: PartialKey | undefined): AsyncGenerator<Buffer> {
  const d = pk === undefined ? undefined : createDecipheriv("aes-256-ctr", pk.key, pk.iv);
  for await (const chunk of createReadStream(path)) yield d === undefined ? (chunk as Buffer) : d.update(chunk as Buffer);
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type ReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { AidcError } from "@aidc/core";
import { NONCE_BYTES, TAG_BYTES } from "./master.js";

/**
 * The on-disk format of an encrypted blob: a header, then the plaintext in fixed-size chunks, each
 * sealed on its own with AES-256-GCM under the blob's data key, so a byte range decrypts (and is
 * authenticated) by reading only the chunks it touches.
 *
 *   header  = "AIDCENC1" ‖ chunkBytes (u32 BE) ‖ plaintextBytes (u64 BE)                 20 bytes
 *   chunk i = nonce (12 random bytes) ‖ ciphertext (chunkBytes, the last may be shorter) ‖ tag (16)
 *
 * Each chunk's additional data binds it to its place: the blob's sha256, the header (so the total
 * size), the chunk index and a final-chunk flag. Swapping, reordering, dropping or appending chunks,
 * changing the size, or moving the file to another blob's name all fail a tag. A random nonce per
 * chunk (rather than the index) keeps a data key that two servers agreed on safe when both encrypt
 * the same bytes: GCM with random 96-bit nonces is fine far beyond the 2^32 messages per key NIST
 * SP 800-38D §8.3 allows, and a blob has at most size/64 KiB chunks.
 */
export const MAGIC = Buffer.from("AIDCENC1", "latin1");
export const HEADER_BYTES = 20;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

/** A stored blob failed authentication or does not have the format's shape: it is never served. */
export class BlobTamperedError extends AidcError {
  constructor(message: string) {
    super("BLOB_TAMPERED", message);
  }
}

export interface Header {
  readonly chunkBytes: number;
  readonly plaintextBytes: number;
}

export function encodeHeader(h: Header): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(b, 0);
  b.writeUInt32BE(h.chunkBytes, 8);
  b.writeBigUInt64BE(BigInt(h.plaintextBytes), 12);
  return b;
}

export function decodeHeader(b: Buffer, sha256: string): Header {
  if (b.length < HEADER_BYTES || !b.subarray(0, 8).equals(MAGIC))
    throw new BlobTamperedError(`Blob ${sha256} has no valid encryption header; it is not served`);
  const chunkBytes = b.readUInt32BE(8);
  const plaintextBytes = Number(b.readBigUInt64BE(12));
  if (chunkBytes < 16 || chunkBytes > 64 * 1024 * 1024 || !Number.isSafeInteger(plaintextBytes))
    throw new BlobTamperedError(`Blob ${sha256} has an invalid encryption header; it is not served`);
  return { chunkBytes, plaintextBytes };
}

/** Number of chunks: an empty blob still has one (empty, authenticated) chunk, so it cannot be faked. */
export const chunkCount = (h: Header): number => Math.max(1, Math.ceil(h.plaintextBytes / h.chunkBytes));
/** File size of an encrypted blob with this header. */
export const encryptedBytes = (h: Header): number => HEADER_BYTES + chunkCount(h) * (NONCE_BYTES + TAG_BYTES) + h.plaintextBytes;
const chunkOffset = (h: Header, i: number): number => HEADER_BYTES + i * (h.chunkBytes + NONCE_BYTES + TAG_BYTES);
const chunkPlainBytes = (h: Header, i: number): number => Math.min(h.chunkBytes, h.plaintextBytes - i * h.chunkBytes);

function chunkAad(sha256: string, header: Buffer, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail[8] = final ? 1 : 0;
  return Buffer.concat([Buffer.from(`aidc blob chunk v1\0${sha256}\0`, "utf8"), header, tail]);
}

/**
 * Encrypt the file at `src` (or the plaintext an iterable yields), whose sha256 is `sha256`, to
 * `dst`. Streams: memory stays at about one chunk whatever the blob's size.
 */
export async function encryptFile(
  src: string | AsyncIterable<Buffer>,
  dst: string,
  sha256: string,
  dataKey: Buffer,
  plaintextBytes: number,
  chunkBytes = DEFAULT_CHUNK_BYTES,
): Promise<void> {
  const h: Header = { chunkBytes, plaintextBytes };
  const header = encodeHeader(h);
  const n = chunkCount(h);
  const out = createWriteStream(dst, { flags: "wx", mode: 0o600 });
  const write = (b: Buffer): Promise<void> | undefined => (out.write(b) ? undefined : new Promise((r) => out.once("drain", () => r())));
  let index = 0;
  const seal = async (plain: Buffer): Promise<void> => {
    const nonce = randomBytes(NONCE_BYTES);
    const c = createCipheriv("aes-256-gcm", dataKey, nonce);
    c.setAAD(chunkAad(sha256, header, index, index === n - 1));
    const ct = Buffer.concat([c.update(plain), c.final()]);
    await write(Buffer.concat([nonce, ct, c.getAuthTag()]));
    index++;
  };
  try {
    await write(header);
    let pending: Buffer = Buffer.alloc(0);
    let seen = 0;
    const input: AsyncIterable<unknown> =
      typeof src === "string" ? (createReadStream(src, { highWaterMark: chunkBytes }) as ReadStream) : src;
    for await (const part of input) {
      const buf = part as Buffer;
      seen += buf.length;
      pending = pending.length === 0 ? buf : Buffer.concat([pending, buf]);
      while (pending.length >= chunkBytes && index < n - 1) {
        await seal(pending.subarray(0, chunkBytes));
        pending = pending.subarray(chunkBytes);
      }
    }
    if (seen !== plaintextBytes)
      throw new AidcError("INTEGRITY_ERROR", `Blob ${sha256} changed while it was encrypted (${seen} bytes, expected ${plaintextBytes})`);
    await seal(pending);
    out.end();
    await finished(out);
  } catch (err) {
    out.destroy();
    throw err;
  }
}

/**
 * Decrypt chunks `first`..`last` of an open encrypted blob, one at a time. A chunk that fails its
 * tag throws before any of its bytes are yielded.
 */
async function* chunks(
  fh: FileHandle,
  h: Header,
  header: Buffer,
  sha256: string,
  dataKey: Buffer,
  first: number,
  last: number,
): AsyncGenerator<Buffer> {
  const n = chunkCount(h);
  for (let i = first; i <= last; i++) {
    const plainLen = chunkPlainBytes(h, i);
    const rec = Buffer.alloc(NONCE_BYTES + plainLen + TAG_BYTES);
    const { bytesRead } = await fh.read(rec, 0, rec.length, chunkOffset(h, i));
    if (bytesRead !== rec.length) throw new BlobTamperedError(`Blob ${sha256} is truncated at chunk ${i} of ${n}; it is not served`);
    const d = createDecipheriv("aes-256-gcm", dataKey, rec.subarray(0, NONCE_BYTES));
    d.setAAD(chunkAad(sha256, header, i, i === n - 1));
    d.setAuthTag(rec.subarray(NONCE_BYTES + plainLen));
    let plain: Buffer;
    try {
      plain = Buffer.concat([d.update(rec.subarray(NONCE_BYTES, NONCE_BYTES + plainLen)), d.final()]);
    } catch {
      throw new BlobTamperedError(`Blob ${sha256} fails authentication at chunk ${i} of ${n} (tampered or corrupted); it is not served`);
    }
    yield plain;
  }
}

/** Open an encrypted blob and check its header against its file size. */
export async function openEncrypted(path: string, sha256: string): Promise<{ fh: FileHandle; header: Buffer; h: Header }> {
  const fh = await open(path, "r");
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    await fh.read(header, 0, HEADER_BYTES, 0);
    const h = decodeHeader(header, sha256);
    const size = (await fh.stat()).size;
    if (size !== encryptedBytes(h))
      throw new BlobTamperedError(`Blob ${sha256} has ${size} bytes on disk, its header promises ${encryptedBytes(h)}; it is not served`);
    return { fh, header, h };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Decrypt a whole encrypted blob and return the sha256 of its plaintext (and its size). */
export async function hashEncrypted(path: string, sha256: string, dataKey: Buffer): Promise<{ sha256: string; plaintextBytes: number }> {
  const { fh, header, h } = await openEncrypted(path, sha256);
  try {
    const hash = createHash("sha256");
    for await (const c of chunks(fh, h, header, sha256, dataKey, 0, chunkCount(h) - 1)) hash.update(c);
    return { sha256: hash.digest("hex"), plaintextBytes: h.plaintextBytes };
  } finally {
    await fh.close();
  }
}

/**
 * The plaintext bytes `start`..`end` (inclusive) of an encrypted blob as a stream; only the chunks
 * they touch are read. A chunk failing its tag ends the stream with an error (the HTTP response is
 * then cut off, never completed as if the bytes were fine).
 */
export async function readEncrypted(path: string, sha256: string, dataKey: Buffer, start: number, end: number): Promise<Readable> {
  const { fh, header, h } = await openEncrypted(path, sha256);
  if (h.plaintextBytes === 0 || end < start) {
    await fh.close();
    return Readable.from([]);
  }
  const first = Math.floor(start / h.chunkBytes);
  const last = Math.floor(end / h.chunkBytes);
  async function* slice(): AsyncGenerator<Buffer> {
    try {
      let i = first;
      for await (const c of chunks(fh, h, header, sha256, dataKey, first, last)) {
        const base = i * h.chunkBytes;
        const from = Math.max(0, start - base);
        const to = Math.min(c.length, end - base + 1);
        i++;
        if (to > from) yield c.subarray(from, to);
      }
    } finally {
      await fh.close();
    }
  }
  return Readable.from(slice(), { objectMode: false });
}

import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import type { BlobStore } from "../artifacts/blobs.js";

/**
 * The plaintext bytes of a stored blob, integrity-checked before the first byte: the one way the
 * governance code (PII scans, job inputs) reads a dataset, so it follows the artifact store's read
 * path (verification, and decryption where the store encrypts).
 */
export async function openBlob(blobs: BlobStore, sha256: string): Promise<Readable> {
  await blobs.verify(sha256);
  return createReadStream(blobs.blobPath(sha256));
}

/** True when the bytes start with the gzip magic number (RFC 1952 §2.3.1: 1f 8b). */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

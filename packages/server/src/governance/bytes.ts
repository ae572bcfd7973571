import type { Readable } from "node:stream";
import type { BlobStore } from "../artifacts/blobs.js";

/**
 * The plaintext bytes of a stored blob through the artifact store's one read path (`BlobStore.read`:
 * the plaintext sha256 checked and, for an encrypted blob, its key unwrapped before the first byte):
 * how the governance code (PII scans, job inputs) reads a dataset. Never the blob file itself.
 */
export async function openBlob(blobs: BlobStore, sha256: string): Promise<Readable> {
  return (await blobs.read(sha256)).stream;
}

/** True when the bytes start with the gzip magic number (RFC 1952 §2.3.1: 1f 8b). */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

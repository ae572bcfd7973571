import { existsSync, linkSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { DataKeyStore, WrappedDataKey } from "../../store/port-keys.js";
import { encryptFile } from "./chunks.js";
import { BlobKeyError, type Keyring } from "./master.js";

/**
 * Encryption at rest for a BlobStore: the store's wrapped data keys, and the master keys of this
 * process. Without a keyring nothing new is encrypted and an encrypted blob is refused (BLOB_KEY_MISSING).
 */
export interface BlobCrypto {
  readonly keys: DataKeyStore;
  readonly keyring?: Keyring | undefined;
  readonly now?: () => number;
}

/** A BlobCrypto that encrypts (it has a keyring). */
export type SealingCrypto = BlobCrypto & { readonly keyring: Keyring };

/**
 * Move a committed upload into the blob store encrypted: under the blob's data key (the store's row
 * for this sha256, created when it is new; two servers committing the same bytes at once get the
 * same row, so either's file decrypts), sealed to a temporary file, linked to `target`, kept as
 * `keep` (a second link, for BlobStore.release). Bytes already stored encrypted are only linked to
 * `keep`; a plaintext copy from before the master key (`plainCopy`) is replaced. The plaintext
 * upload is removed in every case. Returns the blob's key row (BlobStore.release puts it back if
 * another server removed the blob meanwhile).
 */
export async function sealUpload(
  crypto: SealingCrypto,
  o: {
    upload: string;
    target: string;
    keep: string;
    plainCopy: string;
    sha256: string;
    sizeBytes: number;
    plaintext: string | AsyncIterable<Buffer>;
  },
): Promise<WrappedDataKey | undefined> {
  mkdirSync(dirname(o.target), { recursive: true });
  let row: WrappedDataKey | undefined;
  try {
    linkSync(o.target, o.keep); // stored already: hold a second link to its bytes
    row = await crypto.keys.get(o.sha256);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT") throw err;
    const fresh = crypto.keyring.newDataKey(o.sha256);
    row = await crypto.keys.getOrInsert({
      sha256: o.sha256,
      keyId: fresh.keyId,
      wrapped: fresh.wrapped,
      createdAtMs: (crypto.now ?? Date.now)(),
    });
    const dataKey = crypto.keyring.unwrap(o.sha256, row.keyId, row.wrapped);
    const sealing = `${o.upload}.sealing`;
    try {
      await encryptFile(o.plaintext, sealing, o.sha256, dataKey, o.sizeBytes);
      try {
        linkSync(sealing, o.target);
      } catch (e) {
        if ((e as { code?: string }).code !== "EEXIST") throw e; // the same bytes committed at once elsewhere (same key)
      }
      renameSync(sealing, o.keep);
    } finally {
      rmSync(sealing, { force: true });
    }
    if (existsSync(o.plainCopy)) rmSync(o.plainCopy, { force: true });
  }
  rmSync(o.upload, { force: true });
  return row;
}

/** The unwrapped data key of an encrypted blob, or a BlobKeyError saying which key is missing. */
export async function blobDataKey(crypto: BlobCrypto | undefined, sha256: string): Promise<Buffer> {
  if (crypto === undefined) throw new BlobKeyError(`Blob ${sha256} is encrypted and this server has no key store; it is not served`);
  const row = await crypto.keys.get(sha256);
  if (row === undefined) throw new BlobKeyError(`Blob ${sha256} is encrypted but its data key is not in the store; it is not served`);
  if (crypto.keyring === undefined)
    throw new BlobKeyError(
      `Blob ${sha256} is encrypted under master key ${row.keyId} and this server has none (start it with --master-key-file or AIDC_MASTER_KEY_FILE); it is not served`,
    );
  return crypto.keyring.unwrap(sha256, row.keyId, row.wrapped);
}

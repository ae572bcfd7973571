import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { AidcError, InvalidInputError } from "@aidc/core";
import { BlobTamperedError, hashEncrypted, readEncrypted } from "./crypto/chunks.js";
import { blobDataKey, sealUpload, type BlobCrypto, type SealingCrypto } from "./crypto/seal.js";
import { partialKey, partialKeyPath, partialPlaintext } from "./crypto/partial.js";
import { UploadArea } from "./upload-area.js";
import type { WrappedDataKey } from "../store/port-keys.js";

export class IntegrityError extends AidcError {
  constructor(message: string) {
    super("INTEGRITY_ERROR", message);
  }
}

/** Hex sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export type { BlobCrypto } from "./crypto/seal.js";

/**
 * Content-addressed blob storage on the local file system: `<root>/sha256/ab/abcdef…`. Uploads
 * land in `<root>/uploads/<id>` (appendable, for resumable transfers) and move into place only
 * after their hash is known, so a blob path always holds exactly the bytes its name promises.
 * With a master key every committed blob is stored encrypted instead, at `…/abcdef….enc`
 * (crypto/chunks.ts; the name stays the sha256 of the plaintext), its data key wrapped in the store.
 * Every reader goes through `read`/`readAll`, which verify and decrypt: there is one read path.
 */
export class BlobStore extends UploadArea {
  /** Blobs whose hash was checked, keyed by sha256, with the file identity it was checked on and the plaintext size. */
  private readonly verified = new Map<string, { identity: string; size: number }>();
  /** Blobs just committed whose artifact row is not written yet: garbage collection leaves them alone. */
  private readonly pinned = new Map<string, number>();
  /**
   * A second link to each pinned commit's bytes (`uploads/<id>.keep`): another server sharing this
   * folder may remove the blob between our commit and our artifact row; `release` puts it back.
   */
  private readonly keeps = new Map<string, { keep: string; target: string; key?: WrappedDataKey | undefined }[]>();
  /** Key rows being put back by `release` (a read here waits for them). */
  private restoring: Promise<unknown> = Promise.resolve();

  constructor(root: string, crypto?: BlobCrypto) {
    super(root, crypto);
    mkdirSync(join(root, "sha256"), { recursive: true });
  }

  /** Where an unencrypted blob's bytes are. Read blobs with `read`, never from this path (it may be ciphertext's twin). */
  blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AidcError("BAD_DIGEST", `Invalid sha256 "${sha256}"`);
    return join(this.root, "sha256", sha256.slice(0, 2), sha256);
  }

  /** Where an encrypted blob's file is (crypto/chunks.ts format). */
  encryptedPath(sha256: string): string {
    return `${this.blobPath(sha256)}.enc`;
  }

  /** True when new blobs are encrypted (a master key is loaded). */
  get encrypting(): boolean {
    return this.crypto?.keyring !== undefined;
  }

  /**
   * Encrypt a blob stored in plaintext before the master key was configured (`aidc keys
   * encrypt-existing`): its hash is checked first, the encrypted file is linked in beside it, then
   * the plaintext goes. A reader meanwhile reads one or the other, both whole. False when there was
   * nothing to do (already encrypted, or gone).
   */
  async encryptStored(sha256: string): Promise<boolean> {
    if (this.crypto?.keyring === undefined) throw new AidcError("BLOB_KEY_MISSING", "Cannot encrypt blobs without a master key");
    const plain = this.blobPath(sha256);
    const target = this.encryptedPath(sha256);
    if (existsSync(target) || !existsSync(plain)) return false;
    const sizeBytes = await this.verify(sha256);
    const upload = this.uploadPath(this.newUpload());
    rmSync(upload, { force: true });
    linkSync(plain, upload);
    const keep = `${upload}.keep`;
    try {
      await sealUpload(this.crypto as SealingCrypto, { upload, target, keep, plainCopy: plain, sha256, sizeBytes, plaintext: upload });
    } finally {
      rmSync(keep, { force: true });
      rmSync(upload, { force: true });
    }
    this.verified.delete(sha256);
    return true;
  }

  /** The sha256 of every blob stored in plaintext (not encrypted). */
  plaintextBlobs(): string[] {
    const root = join(this.root, "sha256");
    return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).filter((f) => /^[0-9a-f]{64}$/.test(f)));
  }

  /** Store bytes already in memory (hashed here), e.g. a model package made by a job. */
  async putBytes(data: Buffer): Promise<{ sha256: string; sizeBytes: number }> {
    const id = this.newUpload();
    writeFileSync(this.uploadPath(id), data);
    return this.commit(id);
  }

  /**
   * Remove a blob no artifact references any more (unless a commit of the same bytes is being
   * registered here). Servers sharing the folder: the blob is first renamed aside, then
   * `stillUnused` asks the store again — a version of the same bytes another server registered
   * meanwhile gets its blob back; otherwise the bytes go.
   */
  async remove(sha256: string, stillUnused: () => Promise<boolean> = () => Promise.resolve(true)): Promise<void> {
    if (this.pinned.has(sha256)) return;
    const suffix = `.removing-${randomBytes(6).toString("hex")}`;
    const moved: string[] = [];
    for (const path of [this.blobPath(sha256), this.encryptedPath(sha256)]) {
      try {
        renameSync(path, path + suffix);
        moved.push(path);
      } catch {
        // not there (or already gone)
      }
    }
    if (moved.length === 0) return;
    this.verified.delete(sha256);
    const unused = await stillUnused().catch(() => false);
    if (unused && !this.pinned.has(sha256)) {
      for (const path of moved) rmSync(path + suffix, { force: true });
      // the key goes with the bytes (nothing can decrypt a copy of them any more), unless the same bytes came back meanwhile
      if (this.crypto !== undefined && !existsSync(this.encryptedPath(sha256))) await this.crypto.keys.remove(sha256);
    } else for (const path of moved) renameSync(path + suffix, path);
  }

  /**
   * The caller has recorded (or given up recording) the artifact for bytes it committed. Call it
   * after the artifact row is written: a blob another server removed meanwhile is put back.
   */
  release(sha256: string): void {
    const held = this.keeps.get(sha256)?.pop();
    if (held !== undefined) {
      const { keep, target, key } = held;
      // another server may have removed the blob and its key between our commit and our artifact row
      if (key !== undefined && this.crypto !== undefined) {
        const keys = this.crypto.keys;
        this.restoring = Promise.all([this.restoring, keys.getOrInsert(key).catch(() => undefined)]);
      }
      if (!existsSync(target)) {
        try {
          linkSync(keep, target);
        } catch {
          // put back by someone else meanwhile
        }
      }
      rmSync(keep, { force: true });
    }
    const n = (this.pinned.get(sha256) ?? 0) - 1;
    if (n > 0) this.pinned.set(sha256, n);
    else this.pinned.delete(sha256);
  }

  /**
   * Hash an upload, check it against `expected` if given, and move it into the blob store. The
   * blob stays pinned (safe from `remove`) until the caller calls `release`.
   */
  async commit(id: string, expected?: string): Promise<{ sha256: string; sizeBytes: number }> {
    const path = this.uploadPath(id);
    const sealed = partialKey(this.crypto?.keyring, id, path);
    const hash = createHash("sha256");
    for await (const c of partialPlaintext(path, sealed)) hash.update(c);
    const sha256 = hash.digest("hex");
    if (expected !== undefined && expected !== sha256) {
      throw new IntegrityError(`Upload ${id} has sha256 ${sha256}, not the expected ${expected}; nothing was stored`);
    }
    const sizeBytes = statSync(path).size;
    if (this.crypto?.keyring !== undefined) {
      const done = await this.commitEncrypted(id, sha256, sizeBytes, sealed !== undefined ? partialPlaintext(path, sealed) : path);
      rmSync(partialKeyPath(path), { force: true });
      return done;
    }
    const target = this.blobPath(sha256);
    mkdirSync(join(target, ".."), { recursive: true });
    if (!existsSync(target)) {
      try {
        linkSync(path, target);
      } catch (err) {
        if ((err as { code?: string }).code !== "EEXIST") throw err; // the same bytes committed at once elsewhere
      }
    }
    // the upload's name goes; its bytes stay linked as `.keep` until `release`
    const keep = `${path}.keep`;
    renameSync(path, keep);
    this.hold(sha256, keep, target);
    return { sha256, sizeBytes };
  }

  private hold(sha256: string, keep: string, target: string, key?: WrappedDataKey): void {
    this.keeps.set(sha256, [...(this.keeps.get(sha256) ?? []), { keep, target, key }]);
    this.pinned.set(sha256, (this.pinned.get(sha256) ?? 0) + 1);
  }

  /** Commit with a master key (crypto/seal.ts), then hold the encrypted bytes like any commit. */
  private async commitEncrypted(
    id: string,
    sha256: string,
    sizeBytes: number,
    plaintext: string | AsyncIterable<Buffer>,
  ): Promise<{ sha256: string; sizeBytes: number }> {
    const path = this.uploadPath(id);
    const target = this.encryptedPath(sha256);
    const keep = `${path}.keep`;
    const key = await sealUpload(this.crypto as SealingCrypto, {
      upload: path,
      target,
      keep,
      plainCopy: this.blobPath(sha256),
      sha256,
      sizeBytes,
      plaintext,
    });
    this.verified.delete(sha256);
    this.hold(sha256, keep, target, key);
    return { sha256, sizeBytes };
  }

  /**
   * Check that a blob still has its hash (bit rot, tampering) and return its (plaintext) size. The
   * result is remembered for the file's identity (inode, size, mtime): a later read of the unchanged
   * file is not hashed again, a rewritten or replaced file is. An encrypted blob is decrypted whole
   * (every chunk's tag checked) and its plaintext hashed. Whole and range reads both go through this.
   */
  async verify(sha256: string): Promise<number> {
    const enc = this.encryptedPath(sha256);
    const encrypted = existsSync(enc);
    const path = encrypted ? enc : this.blobPath(sha256);
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new IntegrityError(`Blob ${sha256} is missing`);
    }
    const identity = `${path}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const known = this.verified.get(sha256);
    if (known?.identity === identity) return known.size;
    this.verified.delete(sha256);
    let actual: string;
    let size = st.size;
    if (encrypted) {
      const r = await hashEncrypted(enc, sha256, await this.dataKey(sha256));
      actual = r.sha256;
      size = r.plaintextBytes;
      if (actual !== sha256) throw new BlobTamperedError(`Blob ${sha256} decrypts to bytes that hash to ${actual}; it is not served`);
    } else {
      actual = await sha256File(path);
      if (actual !== sha256) throw new IntegrityError(`Blob ${sha256} is corrupted (its content hashes to ${actual})`);
    }
    if (this.verified.size > 100_000) this.verified.clear();
    this.verified.set(sha256, { identity, size });
    return size;
  }

  private async dataKey(sha256: string): Promise<Buffer> {
    await this.restoring;
    return blobDataKey(this.crypto, sha256);
  }

  /**
   * THE read path for blob bytes: the plaintext of `sha256` (bytes `range.start`..`range.end`,
   * inclusive, or all), decrypted when the blob is encrypted. The blob is verified before the stream
   * is returned, so a missing key, a failed tag or a wrong hash is an error before the first byte.
   */
  async read(sha256: string, range?: { start: number; end: number }): Promise<{ sizeBytes: number; stream: Readable }> {
    const sizeBytes = await this.verify(sha256);
    const start = range?.start ?? 0;
    const end = range?.end ?? sizeBytes - 1;
    if (
      range !== undefined &&
      !(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end < sizeBytes)
    ) {
      throw new InvalidInputError(`Range ${start}-${end} is outside blob ${sha256}`, [
        { code: "invalid_value", path: "range", message: `must lie within 0-${sizeBytes - 1}` },
      ]);
    }
    if (sizeBytes === 0) return { sizeBytes, stream: Readable.from([]) };
    const enc = this.encryptedPath(sha256);
    if (existsSync(enc)) return { sizeBytes, stream: await readEncrypted(enc, sha256, await this.dataKey(sha256), start, end) };
    return { sizeBytes, stream: createReadStream(this.blobPath(sha256), { start, end }) };
  }

  /** A whole blob's plaintext in memory (model packages; small files). */
  async readAll(sha256: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of (await this.read(sha256)).stream) parts.push(c as Buffer);
    return Buffer.concat(parts);
  }
}

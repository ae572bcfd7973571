import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  futimesSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { AidcError, InvalidInputError } from "@aidc/core";
import type { DataKeyStore } from "../store/port-keys.js";
import { BlobTamperedError, encryptFile, hashEncrypted, readEncrypted } from "./crypto/chunks.js";
import { BlobKeyError, type Keyring } from "./crypto/master.js";
import { ctrAt, partialKey, partialKeyPath, partialPlaintext, sealPartial } from "./crypto/partial.js";

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

/**
 * Encryption at rest (crypto/): the store's wrapped data keys, and the master keys of this process.
 * Without a keyring nothing new is encrypted and an encrypted blob is refused (BLOB_KEY_MISSING).
 */
export interface BlobCrypto {
  readonly keys: DataKeyStore;
  readonly keyring?: Keyring | undefined;
  readonly now?: () => number;
}

/**
 * Content-addressed blob storage on the local file system: `<root>/sha256/ab/abcdef…`. Uploads
 * land in `<root>/uploads/<id>` (appendable, for resumable transfers) and move into place only
 * after their hash is known, so a blob path always holds exactly the bytes its name promises.
 * With a master key every committed blob is stored encrypted instead, at `…/abcdef….enc`
 * (crypto/chunks.ts; the name stays the sha256 of the plaintext), its data key wrapped in the store.
 * Every reader goes through `read`/`readAll`, which verify and decrypt: there is one read path.
 */
export class BlobStore {
  /** Blobs whose hash was checked, keyed by sha256, with the file identity it was checked on and the plaintext size. */
  private readonly verified = new Map<string, { identity: string; size: number }>();
  /** Blobs just committed whose artifact row is not written yet: garbage collection leaves them alone. */
  private readonly pinned = new Map<string, number>();
  /**
   * A second link to each pinned commit's bytes (`uploads/<id>.keep`): another server sharing this
   * folder may remove the blob between our commit and our artifact row; `release` puts it back.
   */
  private readonly keeps = new Map<string, { keep: string; target: string }[]>();

  constructor(
    readonly root: string,
    private readonly crypto?: BlobCrypto,
  ) {
    mkdirSync(join(root, "sha256"), { recursive: true });
    mkdirSync(join(root, "uploads"), { recursive: true });
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
   * A new, empty upload. `sealed` (resumable uploads, whose bytes may wait days for the rest): on an
   * encrypting store its bytes are encrypted as they arrive (crypto/partial.ts), so no plaintext
   * waits in the upload area; `append` and `commit` handle both kinds.
   */
  newUpload(o: { sealed?: boolean } = {}): string {
    const id = `u-${randomBytes(12).toString("hex")}`;
    if (o.sealed === true && this.crypto?.keyring !== undefined) sealPartial(this.crypto.keyring, id, this.uploadPath(id));
    closeSync(openSync(this.uploadPath(id), "w"));
    return id;
  }

  uploadPath(id: string): string {
    if (!/^u-[0-9a-f]{24}$/.test(id)) throw new AidcError("NOT_FOUND", `No upload "${id}"`);
    return join(this.root, "uploads", id);
  }

  uploadedBytes(id: string): number {
    const p = this.uploadPath(id);
    if (!existsSync(p)) throw new AidcError("NOT_FOUND", `No upload "${id}"`);
    return statSync(p).size;
  }

  /** Ids of the partial files in the upload area (sessions or leftovers), with their last change. */
  partialUploads(): { id: string; mtimeMs: number }[] {
    const out: { id: string; mtimeMs: number }[] = [];
    for (const f of readdirSync(join(this.root, "uploads"))) {
      if (f.endsWith(".key")) continue; // a sealed upload's key goes with its upload
      try {
        out.push({ id: f, mtimeMs: statSync(join(this.root, "uploads", f)).mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
    return out;
  }

  /** Remove a partial file (unknown ids are ignored). */
  discardUpload(name: string): void {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return;
    rmSync(join(this.root, "uploads", name), { force: true });
    rmSync(partialKeyPath(join(this.root, "uploads", name)), { force: true });
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
   * Append a chunk at `offset`, which must equal the bytes already received (resumable uploads).
   * One append per upload at a time, also across servers sharing the folder: `<upload>.lock`,
   * created exclusively, refreshed while the bytes arrive (the janitor removes a crashed one's).
   */
  async append(id: string, offset: number, body: Readable, maxBytes: number): Promise<number> {
    const lock = `${this.uploadPath(id)}.lock`;
    let lockFd: number;
    try {
      lockFd = openSync(lock, "wx");
    } catch (err) {
      if ((err as { code?: string }).code === "EEXIST")
        throw new AidcError("OFFSET_MISMATCH", `Upload ${id} is receiving another PATCH; retry when it is done`);
      throw err;
    }
    try {
      const have = this.uploadedBytes(id);
      if (offset !== have)
        throw new AidcError("OFFSET_MISMATCH", `Upload ${id} has ${have} bytes; resend from offset ${have}, not ${offset}`);
      const sealed = partialKey(this.crypto?.keyring, id, this.uploadPath(id));
      const fd = openSync(this.uploadPath(id), "a");
      let size = have;
      let touched = Date.now();
      try {
        for await (const chunk of body) {
          const buf = chunk as Buffer;
          if (size + buf.length > maxBytes) throw new AidcError("TOO_LARGE", `Upload ${id} exceeds ${maxBytes} bytes`);
          writeSync(fd, sealed === undefined ? buf : ctrAt(sealed, size, buf));
          size += buf.length;
          if (Date.now() - touched > 5_000) {
            touched = Date.now();
            futimesSync(lockFd, new Date(touched), new Date(touched));
          }
        }
      } finally {
        closeSync(fd);
      }
      return size;
    } finally {
      closeSync(lockFd);
      rmSync(lock, { force: true });
    }
  }

  /**
   * The caller has recorded (or given up recording) the artifact for bytes it committed. Call it
   * after the artifact row is written: a blob another server removed meanwhile is put back.
   */
  release(sha256: string): void {
    const held = this.keeps.get(sha256)?.pop();
    if (held !== undefined) {
      const { keep, target } = held;
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

  private hold(sha256: string, keep: string, target: string): void {
    this.keeps.set(sha256, [...(this.keeps.get(sha256) ?? []), { keep, target }]);
    this.pinned.set(sha256, (this.pinned.get(sha256) ?? 0) + 1);
  }

  /**
   * Commit with a master key: the plaintext upload is encrypted under the blob's data key (the
   * store's row for this sha256, created here when it is new) and its plaintext file removed. Bytes
   * already stored encrypted are not encrypted again; a plaintext copy from before the master key
   * was configured is replaced by the encrypted one.
   */
  private async commitEncrypted(
    id: string,
    sha256: string,
    sizeBytes: number,
    plaintext: string | AsyncIterable<Buffer>,
  ): Promise<{ sha256: string; sizeBytes: number }> {
    const crypto = this.crypto as Required<Pick<BlobCrypto, "keys" | "keyring">> & BlobCrypto;
    const path = this.uploadPath(id);
    const target = this.encryptedPath(sha256);
    const keep = `${path}.keep`;
    mkdirSync(join(target, ".."), { recursive: true });
    try {
      linkSync(target, keep); // stored already: hold a second link to its bytes
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
      const fresh = crypto.keyring.newDataKey(sha256);
      const row = await crypto.keys.getOrInsert({
        sha256,
        keyId: fresh.keyId,
        wrapped: fresh.wrapped,
        createdAtMs: (crypto.now ?? Date.now)(),
      });
      const dataKey = crypto.keyring.unwrap(sha256, row.keyId, row.wrapped);
      const sealed = `${path}.sealing`;
      try {
        await encryptFile(plaintext, sealed, sha256, dataKey, sizeBytes);
        try {
          linkSync(sealed, target);
        } catch (e) {
          if ((e as { code?: string }).code !== "EEXIST") throw e; // the same bytes committed at once elsewhere
        }
        renameSync(sealed, keep);
      } finally {
        rmSync(sealed, { force: true });
      }
      if (existsSync(this.blobPath(sha256))) {
        rmSync(this.blobPath(sha256), { force: true });
        this.verified.delete(sha256);
      }
    }
    rmSync(path, { force: true });
    this.hold(sha256, keep, target);
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

  /** The unwrapped data key of an encrypted blob, or a BlobKeyError saying which key is missing. */
  private async dataKey(sha256: string): Promise<Buffer> {
    if (this.crypto === undefined) throw new BlobKeyError(`Blob ${sha256} is encrypted and this server has no key store; it is not served`);
    const row = await this.crypto.keys.get(sha256);
    if (row === undefined) throw new BlobKeyError(`Blob ${sha256} is encrypted but its data key is not in the store; it is not served`);
    if (this.crypto.keyring === undefined)
      throw new BlobKeyError(
        `Blob ${sha256} is encrypted under master key ${row.keyId} and this server has none (start it with --master-key-file or AIDC_MASTER_KEY_FILE); it is not served`,
      );
    return this.crypto.keyring.unwrap(sha256, row.keyId, row.wrapped);
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

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
import type { Readable } from "node:stream";
import { AidcError } from "@aidc/core";

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
 * Content-addressed blob storage on the local file system: `<root>/sha256/ab/abcdef…`. Uploads
 * land in `<root>/uploads/<id>` (appendable, for resumable transfers) and move into place only
 * after their hash is known, so a blob path always holds exactly the bytes its name promises.
 */
export class BlobStore {
  /** Blobs whose hash was checked, keyed by sha256, with the file identity it was checked on. */
  private readonly verified = new Map<string, string>();
  /** Blobs just committed whose artifact row is not written yet: garbage collection leaves them alone. */
  private readonly pinned = new Map<string, number>();
  /**
   * A second link to each pinned commit's bytes (`uploads/<id>.keep`): another server sharing this
   * folder may remove the blob between our commit and our artifact row; `release` puts it back.
   */
  private readonly keeps = new Map<string, string[]>();

  constructor(readonly root: string) {
    mkdirSync(join(root, "sha256"), { recursive: true });
    mkdirSync(join(root, "uploads"), { recursive: true });
  }

  blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AidcError("BAD_DIGEST", `Invalid sha256 "${sha256}"`);
    return join(this.root, "sha256", sha256.slice(0, 2), sha256);
  }

  newUpload(): string {
    const id = `u-${randomBytes(12).toString("hex")}`;
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
    const path = this.blobPath(sha256);
    const aside = `${path}.removing-${randomBytes(6).toString("hex")}`;
    try {
      renameSync(path, aside);
    } catch {
      return; // already gone
    }
    this.verified.delete(sha256);
    const unused = await stillUnused().catch(() => false);
    if (unused && !this.pinned.has(sha256)) rmSync(aside, { force: true });
    else renameSync(aside, path);
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
      const fd = openSync(this.uploadPath(id), "a");
      let size = have;
      let touched = Date.now();
      try {
        for await (const chunk of body) {
          const buf = chunk as Buffer;
          if (size + buf.length > maxBytes) throw new AidcError("TOO_LARGE", `Upload ${id} exceeds ${maxBytes} bytes`);
          writeSync(fd, buf);
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
    const keep = this.keeps.get(sha256)?.pop();
    if (keep !== undefined) {
      if (!existsSync(this.blobPath(sha256))) {
        try {
          linkSync(keep, this.blobPath(sha256));
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
    const sha256 = await sha256File(path);
    if (expected !== undefined && expected !== sha256) {
      throw new IntegrityError(`Upload ${id} has sha256 ${sha256}, not the expected ${expected}; nothing was stored`);
    }
    const sizeBytes = statSync(path).size;
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
    this.keeps.set(sha256, [...(this.keeps.get(sha256) ?? []), keep]);
    this.pinned.set(sha256, (this.pinned.get(sha256) ?? 0) + 1);
    return { sha256, sizeBytes };
  }

  /**
   * Check that a blob still has its hash (bit rot, tampering) and return its size. The result is
   * remembered for the file's identity (inode, size, mtime): a later read of the unchanged file is
   * not hashed again, a rewritten or replaced file is. Whole and range reads both go through this.
   */
  async verify(sha256: string): Promise<number> {
    const path = this.blobPath(sha256);
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new IntegrityError(`Blob ${sha256} is missing`);
    }
    const identity = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    if (this.verified.get(sha256) === identity) return st.size;
    this.verified.delete(sha256);
    const actual = await sha256File(path);
    if (actual !== sha256) throw new IntegrityError(`Blob ${sha256} is corrupted (its content hashes to ${actual})`);
    if (this.verified.size > 100_000) this.verified.clear();
    this.verified.set(sha256, identity);
    return st.size;
  }
}

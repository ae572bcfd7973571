import { randomBytes } from "node:crypto";
import { closeSync, existsSync, futimesSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { AidcError } from "@aidc/core";
import { ctrAt, partialKey, partialKeyPath, sealPartial } from "./crypto/partial.js";
import type { BlobCrypto } from "./crypto/seal.js";

/**
 * The upload area of a blob folder, `<root>/uploads/<id>`: partial files that grow by appends
 * (resumable transfers) until BlobStore commits them. On an encrypting store a sealed upload's
 * bytes are encrypted as they arrive (crypto/partial.ts).
 */
export class UploadArea {
  constructor(
    readonly root: string,
    protected readonly crypto?: BlobCrypto,
  ) {
    mkdirSync(join(root, "uploads"), { recursive: true });
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
}

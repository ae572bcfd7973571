import { NotFoundError } from "@aidc/core";
import type { SqliteStore } from "../store/sqlite.js";
import type { BlobStore } from "./blobs.js";

/** How long an untouched upload session stays resumable by default. */
export const DEFAULT_UPLOAD_MAX_AGE_MS = 24 * 3600_000;
/** A partial file without a session is removed once it is this old (a commit in progress is younger). */
export const ORPHAN_GRACE_MS = 10 * 60_000;

export interface UploadSession {
  readonly id: string;
  readonly user: string;
  readonly sizeBytes: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/**
 * Resumable upload sessions, kept in the store so an upload continues after a server restart
 * (the bytes are in the blob store's upload area; the file's size is the offset to resume at).
 */
export class UploadSessions {
  constructor(
    private readonly store: SqliteStore,
    private readonly blobs: BlobStore,
  ) {}

  start(user: string, nowMs: number): UploadSession {
    const id = this.blobs.newUpload();
    this.store
      .prepare("INSERT INTO uploads (id, user, size_bytes, created_at_ms, updated_at_ms) VALUES (?, ?, 0, ?, ?)")
      .run(id, user, nowMs, nowMs);
    return { id, user, sizeBytes: 0, createdAtMs: nowMs, updatedAtMs: nowMs };
  }

  /** The caller's session; 404 for unknown ids and for other users' sessions alike. */
  owned(id: string, user: string): UploadSession {
    const r = this.store.prepare("SELECT id, user, size_bytes, created_at_ms, updated_at_ms FROM uploads WHERE id = ?").get(id) as
      { id: string; user: string; size_bytes: number; created_at_ms: number; updated_at_ms: number } | undefined;
    if (r === undefined || r.user !== user) throw new NotFoundError(`No upload "${id}"`);
    return { id: r.id, user: r.user, sizeBytes: r.size_bytes, createdAtMs: r.created_at_ms, updatedAtMs: r.updated_at_ms };
  }

  touch(id: string, sizeBytes: number, nowMs: number): void {
    this.store.prepare("UPDATE uploads SET size_bytes = ?, updated_at_ms = ? WHERE id = ?").run(sizeBytes, nowMs, id);
  }

  /** The session ends (its file was committed into the blob store or discarded). */
  end(id: string): void {
    this.store.prepare("DELETE FROM uploads WHERE id = ?").run(id);
  }

  /**
   * The janitor: sessions untouched for `maxAgeMs` are dropped with their bytes, and partial
   * files that belong to no session (left by a crash, or by a server without sessions) are
   * removed once older than ORPHAN_GRACE_MS. Returns what it removed.
   */
  sweep(nowMs: number, maxAgeMs: number = DEFAULT_UPLOAD_MAX_AGE_MS): { expired: string[]; orphans: string[] } {
    const stale = this.store.prepare("SELECT id FROM uploads WHERE MAX(updated_at_ms, created_at_ms) < ?").all(nowMs - maxAgeMs) as {
      id: string;
    }[];
    const expired: string[] = [];
    for (const { id } of stale) {
      this.end(id);
      this.blobs.discardUpload(id);
      expired.push(id);
    }
    const live = new Set((this.store.prepare("SELECT id FROM uploads").all() as { id: string }[]).map((r) => r.id));
    const orphans: string[] = [];
    for (const f of this.blobs.partialUploads()) {
      if (live.has(f.id) || nowMs - f.mtimeMs < ORPHAN_GRACE_MS) continue;
      this.blobs.discardUpload(f.id);
      orphans.push(f.id);
    }
    if (expired.length + orphans.length > 0) {
      this.store.insertEvent(nowMs, "uploads.swept", "server", { expired: expired.length, orphans: orphans.length });
    }
    return { expired, orphans };
  }
}

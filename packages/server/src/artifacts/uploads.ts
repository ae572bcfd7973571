import { NotFoundError } from "@aidc/core";
import type { EventStore } from "../store/port.js";
import type { UploadSession, UploadStore } from "../store/port-artifacts.js";
import type { BlobStore } from "./blobs.js";

export type { UploadSession } from "../store/port-artifacts.js";

/** How long an untouched upload session stays resumable by default. */
export const DEFAULT_UPLOAD_MAX_AGE_MS = 24 * 3600_000;
/** A partial file without a session is removed once it is this old (a commit in progress is younger). */
export const ORPHAN_GRACE_MS = 10 * 60_000;

/**
 * Resumable upload sessions, kept in the store so an upload continues after a server restart
 * (the bytes are in the blob store's upload area; the file's size is the offset to resume at).
 */
export class UploadSessions {
  private readonly uploads: UploadStore;
  private readonly events: EventStore;

  constructor(
    store: { readonly uploads: UploadStore; readonly events: EventStore },
    private readonly blobs: BlobStore,
  ) {
    this.uploads = store.uploads;
    this.events = store.events;
  }

  async start(user: string, nowMs: number): Promise<UploadSession> {
    const id = this.blobs.newUpload({ sealed: true });
    return this.uploads.start(id, user, nowMs);
  }

  /** The caller's session; 404 for unknown ids and for other users' sessions alike. */
  async owned(id: string, user: string): Promise<UploadSession> {
    const s = await this.uploads.get(id);
    if (s === undefined || s.user !== user) throw new NotFoundError(`No upload "${id}"`);
    return s;
  }

  touch(id: string, sizeBytes: number, nowMs: number): Promise<void> {
    return this.uploads.touch(id, sizeBytes, nowMs);
  }

  /** The session ends (its file was committed into the blob store or discarded). */
  async end(id: string): Promise<void> {
    await this.uploads.end(id);
  }

  /**
   * The janitor: sessions untouched for `maxAgeMs` are dropped with their bytes, and partial
   * files that belong to no session (left by a crash, or by a server without sessions) are
   * removed once older than ORPHAN_GRACE_MS. Returns what it removed. Several replicas may sweep
   * at once: a session is expired by the one whose delete removed it.
   */
  async sweep(nowMs: number, maxAgeMs: number = DEFAULT_UPLOAD_MAX_AGE_MS): Promise<{ expired: string[]; orphans: string[] }> {
    const expired: string[] = [];
    for (const id of await this.uploads.staleIds(nowMs - maxAgeMs)) {
      if (!(await this.uploads.end(id))) continue;
      this.blobs.discardUpload(id);
      expired.push(id);
    }
    const live = await this.uploads.ids();
    const orphans: string[] = [];
    for (const f of this.blobs.partialUploads()) {
      if (live.has(f.id) || nowMs - f.mtimeMs < ORPHAN_GRACE_MS) continue;
      this.blobs.discardUpload(f.id);
      orphans.push(f.id);
    }
    if (expired.length + orphans.length > 0) {
      await this.events.insert(nowMs, "uploads.swept", "server", { expired: expired.length, orphans: orphans.length });
    }
    return { expired, orphans };
  }
}

import { uploadFromRow, type UploadRow } from "../artifacts-rows.js";
import type { UploadSession, UploadStore } from "../port-artifacts.js";
import type { SqliteDb } from "./db.js";

/** Resumable upload sessions on SQLite (the bytes are in the blob store's upload area). */
export class SqliteUploadStore implements UploadStore {
  constructor(private readonly db: SqliteDb) {}

  async start(id: string, user: string, nowMs: number): Promise<UploadSession> {
    this.db
      .prepare("INSERT INTO uploads (id, user, size_bytes, created_at_ms, updated_at_ms) VALUES (?, ?, 0, ?, ?)")
      .run(id, user, nowMs, nowMs);
    return { id, user, sizeBytes: 0, createdAtMs: nowMs, updatedAtMs: nowMs };
  }

  async get(id: string): Promise<UploadSession | undefined> {
    const r = this.db.prepare("SELECT id, user, size_bytes, created_at_ms, updated_at_ms FROM uploads WHERE id = ?").get(id) as
      UploadRow | undefined;
    return r === undefined ? undefined : uploadFromRow(r);
  }

  async touch(id: string, sizeBytes: number, nowMs: number): Promise<void> {
    this.db.prepare("UPDATE uploads SET size_bytes = ?, updated_at_ms = ? WHERE id = ?").run(sizeBytes, nowMs, id);
  }

  async end(id: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM uploads WHERE id = ?").run(id).changes > 0;
  }

  async staleIds(beforeMs: number): Promise<string[]> {
    return (
      this.db.prepare("SELECT id FROM uploads WHERE MAX(updated_at_ms, created_at_ms) < ? ORDER BY id").all(beforeMs) as { id: string }[]
    ).map((r) => r.id);
  }

  async ids(): Promise<Set<string>> {
    return new Set((this.db.prepare("SELECT id FROM uploads").all() as { id: string }[]).map((r) => r.id));
  }
}

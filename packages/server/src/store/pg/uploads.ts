import { uploadFromRow, type UploadRow } from "../artifacts-rows.js";
import type { UploadSession, UploadStore } from "../port-artifacts.js";
import type { PgDb } from "./db.js";

/** Resumable upload sessions on PostgreSQL (the bytes are in the blob store's upload area). */
export class PgUploadStore implements UploadStore {
  constructor(private readonly db: PgDb) {}

  async start(id: string, user: string, nowMs: number): Promise<UploadSession> {
    await this.db.query(`INSERT INTO uploads (id, "user", size_bytes, created_at_ms, updated_at_ms) VALUES ($1, $2, 0, $3, $3)`, [
      id,
      user,
      nowMs,
    ]);
    return { id, user, sizeBytes: 0, createdAtMs: nowMs, updatedAtMs: nowMs };
  }

  async get(id: string): Promise<UploadSession | undefined> {
    const r = (
      await this.db.query<UploadRow>(
        `SELECT id, "user", size_bytes, created_at_ms, updated_at_ms FROM uploads WHERE id = $1`,
        [id],
        "art_upload_get",
      )
    )[0];
    return r === undefined ? undefined : uploadFromRow(r);
  }

  async touch(id: string, sizeBytes: number, nowMs: number): Promise<void> {
    await this.db.query("UPDATE uploads SET size_bytes = $1, updated_at_ms = $2 WHERE id = $3", [sizeBytes, nowMs, id], "art_upload_touch");
  }

  async end(id: string): Promise<boolean> {
    return (await this.db.query("DELETE FROM uploads WHERE id = $1 RETURNING 1", [id])).length > 0;
  }

  async staleIds(beforeMs: number): Promise<string[]> {
    return (
      await this.db.query<{ id: string }>(
        `SELECT id FROM uploads WHERE GREATEST(updated_at_ms, created_at_ms) < $1 ORDER BY id COLLATE "C"`,
        [beforeMs],
      )
    ).map((r) => r.id);
  }

  async ids(): Promise<Set<string>> {
    return new Set((await this.db.query<{ id: string }>("SELECT id FROM uploads")).map((r) => r.id));
  }
}

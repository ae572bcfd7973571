import type { DataKeyStore, WrappedDataKey } from "../port-keys.js";
import type { SqliteDb } from "./db.js";

interface Row {
  sha256: string;
  key_id: string;
  wrapped: string;
  created_at_ms: number;
}

const fromRow = (r: Row): WrappedDataKey => ({
  sha256: r.sha256,
  keyId: r.key_id,
  wrapped: Buffer.from(r.wrapped, "base64"),
  createdAtMs: r.created_at_ms,
});

/** Wrapped data keys in the SQLite file (port-keys.ts). */
export class SqliteDataKeyStore implements DataKeyStore {
  constructor(private readonly s: SqliteDb) {}

  async getOrInsert(row: WrappedDataKey): Promise<WrappedDataKey> {
    return this.s.transaction(() => {
      this.s
        .prepare("INSERT INTO data_keys (sha256, key_id, wrapped, created_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING")
        .run(row.sha256, row.keyId, row.wrapped.toString("base64"), row.createdAtMs);
      return fromRow(this.s.prepare("SELECT * FROM data_keys WHERE sha256 = ?").get(row.sha256) as Row);
    });
  }

  async get(sha256: string): Promise<WrappedDataKey | undefined> {
    const r = this.s.prepare("SELECT * FROM data_keys WHERE sha256 = ?").get(sha256) as Row | undefined;
    return r === undefined ? undefined : fromRow(r);
  }

  async rewrap(sha256: string, fromKeyId: string, toKeyId: string, wrapped: Buffer): Promise<boolean> {
    const r = this.s
      .prepare("UPDATE data_keys SET key_id = ?, wrapped = ? WHERE sha256 = ? AND key_id = ?")
      .run(toKeyId, wrapped.toString("base64"), sha256, fromKeyId);
    return r.changes === 1;
  }

  async listByKeyId(keyId: string, limit: number, afterSha256 = ""): Promise<WrappedDataKey[]> {
    const rows = this.s
      .prepare("SELECT * FROM data_keys WHERE key_id = ? AND sha256 > ? ORDER BY sha256 LIMIT ?")
      .all(keyId, afterSha256, limit) as Row[];
    return rows.map(fromRow);
  }

  async countByKeyId(): Promise<Map<string, number>> {
    const rows = this.s.prepare("SELECT key_id, COUNT(*) AS n FROM data_keys GROUP BY key_id ORDER BY key_id").all() as {
      key_id: string;
      n: number;
    }[];
    return new Map(rows.map((r) => [r.key_id, r.n]));
  }

  async remove(sha256: string): Promise<void> {
    this.s.prepare("DELETE FROM data_keys WHERE sha256 = ?").run(sha256);
  }
}

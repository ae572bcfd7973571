import type { DataKeyStore, WrappedDataKey } from "../port-keys.js";
import type { PgDb } from "./db.js";

interface Row {
  sha256: string;
  key_id: string;
  wrapped: string;
  created_at_ms: string | number;
}

const fromRow = (r: Row): WrappedDataKey => ({
  sha256: r.sha256,
  keyId: r.key_id,
  wrapped: Buffer.from(r.wrapped, "base64"),
  createdAtMs: Number(r.created_at_ms),
});

/** Wrapped data keys in PostgreSQL (port-keys.ts). */
export class PgDataKeyStore implements DataKeyStore {
  constructor(private readonly db: PgDb) {}

  async getOrInsert(row: WrappedDataKey): Promise<WrappedDataKey> {
    // one statement: insert, or (on a concurrent insert of the same blob) read the winner's row
    const rows = await this.db.query<Row>(
      `WITH ins AS (
         INSERT INTO data_keys (sha256, key_id, wrapped, created_at_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO NOTHING RETURNING *)
       SELECT * FROM ins UNION ALL SELECT * FROM data_keys WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [row.sha256, row.keyId, row.wrapped.toString("base64"), row.createdAtMs],
      "aidc_data_key_get_or_insert",
    );
    if (rows[0] !== undefined) return fromRow(rows[0]);
    // the conflicting row was committed after this statement's snapshot: read it now
    const again = await this.get(row.sha256);
    if (again === undefined) return this.getOrInsert(row);
    return again;
  }

  async get(sha256: string): Promise<WrappedDataKey | undefined> {
    const rows = await this.db.query<Row>("SELECT * FROM data_keys WHERE sha256 = $1", [sha256], "aidc_data_key_get");
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async rewrap(sha256: string, fromKeyId: string, toKeyId: string, wrapped: Buffer): Promise<boolean> {
    const rows = await this.db.query<{ sha256: string }>(
      "UPDATE data_keys SET key_id = $1, wrapped = $2 WHERE sha256 = $3 AND key_id = $4 RETURNING sha256",
      [toKeyId, wrapped.toString("base64"), sha256, fromKeyId],
      "aidc_data_key_rewrap",
    );
    return rows.length === 1;
  }

  async listByKeyId(keyId: string, limit: number, afterSha256 = ""): Promise<WrappedDataKey[]> {
    const rows = await this.db.query<Row>(
      "SELECT * FROM data_keys WHERE key_id = $1 AND sha256 > $2 ORDER BY sha256 LIMIT $3",
      [keyId, afterSha256, limit],
      "aidc_data_key_list",
    );
    return rows.map(fromRow);
  }

  async countByKeyId(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ key_id: string; n: string | number }>(
      "SELECT key_id, COUNT(*) AS n FROM data_keys GROUP BY key_id ORDER BY key_id",
      [],
      "aidc_data_key_count",
    );
    return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
  }

  async remove(sha256: string): Promise<void> {
    await this.db.query("DELETE FROM data_keys WHERE sha256 = $1", [sha256], "aidc_data_key_remove");
  }
}

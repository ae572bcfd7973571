/**
 * Data keys of encrypted blobs (encryption at rest, artifacts/crypto/). Each blob has its own random
 * data key; the store keeps it only wrapped (encrypted) by a master key, never the master itself, and
 * never beside the blob's bytes. `keyId` names the master that wraps it (a hash of the master), so
 * rows wrapped by an old and a new master coexist while `aidc keys rotate` runs.
 */
export interface WrappedDataKey {
  /** The plaintext's sha256: the blob this key encrypts. */
  readonly sha256: string;
  /** Id of the master key that wraps it. */
  readonly keyId: string;
  /** nonce ‖ ciphertext ‖ tag of the data key under that master (artifacts/crypto/master.ts). */
  readonly wrapped: Buffer;
  readonly createdAtMs: number;
}

export interface DataKeyStore {
  /**
   * The row of `row.sha256`, inserting `row` when there is none. Two servers committing the same
   * bytes at once agree on one key this way: each encrypts with the key this returns.
   */
  getOrInsert(row: WrappedDataKey): Promise<WrappedDataKey>;
  get(sha256: string): Promise<WrappedDataKey | undefined>;
  /**
   * Replace one key's wrapping, only when it is still wrapped by `fromKeyId` (compare and set, one
   * atomic statement): a crash leaves each row wrapped by exactly one of the two masters.
   * True when the row changed.
   */
  rewrap(sha256: string, fromKeyId: string, toKeyId: string, wrapped: Buffer): Promise<boolean>;
  /** Rows wrapped by `keyId`, in sha256 order after `afterSha256` (paging), at most `limit`. */
  listByKeyId(keyId: string, limit: number, afterSha256?: string): Promise<WrappedDataKey[]>;
  /** How many data keys each master key wraps. */
  countByKeyId(): Promise<Map<string, number>>;
  /** Forget a blob's key (its blob is gone: without the key its bytes are unreadable for good). */
  remove(sha256: string): Promise<void>;
}

/**
 * Migration 12 (both backends): one row per encrypted blob. The wrapped key is base64 TEXT, not a
 * byte column: `aidc store migrate` and backups carry text the same way on both backends.
 */
export const DATA_KEYS_MIGRATION_NAME = "data keys";
export const DATA_KEYS_SQLITE = `
      CREATE TABLE data_keys (
        sha256 TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        wrapped TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      );
      CREATE INDEX data_keys_key_id ON data_keys(key_id, sha256);`;
export const DATA_KEYS_PG = `
      CREATE TABLE data_keys (
        sha256 TEXT COLLATE "C" PRIMARY KEY,
        key_id TEXT COLLATE "C" NOT NULL,
        wrapped TEXT COLLATE "C" NOT NULL,
        created_at_ms BIGINT NOT NULL
      );
      CREATE INDEX data_keys_key_id ON data_keys(key_id, sha256);`;

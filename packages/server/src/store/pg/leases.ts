import type { Fence, LeaseHolder, LeaseStore } from "../port.js";
import type { PgDb } from "./db.js";

interface LeaseRow {
  name: string;
  holder: string;
  token: number;
  expires_at_ms: number;
}

const toHolder = (r: LeaseRow): LeaseHolder => ({ lease: r.name, holder: r.holder, token: r.token, expiresAtMs: r.expires_at_ms });

/** The database server's clock in milliseconds: every replica judges expiry by the same clock. */
const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/**
 * Take (free or expired: token + 1) or keep (held by the caller: same token) a lease in one statement.
 * The row lock of ON CONFLICT serialises racing replicas: the second sees the first's row and gets none.
 * `EXCLUDED.expires_at_ms - $3` is the statement's "now".
 */
const ACQUIRE = `
  INSERT INTO leases AS l (name, holder, token, expires_at_ms) VALUES ($1, $2, 1, ${NOW_MS} + $3)
  ON CONFLICT (name) DO UPDATE SET
    holder = EXCLUDED.holder,
    token = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at_ms > EXCLUDED.expires_at_ms - $3 THEN l.token ELSE l.token + 1 END,
    expires_at_ms = EXCLUDED.expires_at_ms
  WHERE l.expires_at_ms <= EXCLUDED.expires_at_ms - $3 OR l.holder = EXCLUDED.holder
  RETURNING token, expires_at_ms - $3 AS now_ms`;

/** Leases in the shared PostgreSQL database (fencing tokens for the scheduler's leadership, replica heartbeats). */
export class PgLeaseStore implements LeaseStore {
  constructor(private readonly db: PgDb) {}

  async acquire(lease: string, holder: string, ttlMs: number): Promise<Fence | undefined> {
    return this.db.tx(async (sql) => {
      const before = await sql.query<{ holder: string; token: number }>(
        "SELECT holder, token FROM leases WHERE name = $1",
        [lease],
        "aidc_lease_peek",
      );
      const rows = await sql.query<{ token: number; now_ms: number }>(ACQUIRE, [lease, holder, ttlMs], "aidc_lease_acquire");
      const got = rows[0];
      if (got === undefined) return undefined;
      const prev = before[0];
      if (prev === undefined || prev.token !== got.token) {
        await sql.query(
          "INSERT INTO events (at_ms, type, subject, data) VALUES ($1, 'lease.acquired', $2, $3)",
          [got.now_ms, `lease/${lease}`, JSON.stringify({ holder, token: got.token, ...(prev ? { previous: prev.holder } : {}) })],
          "aidc_lease_event",
        );
      }
      return { lease, holder, token: got.token };
    });
  }

  async renew(fence: Fence, ttlMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE leases SET expires_at_ms = ${NOW_MS} + $4 WHERE name = $1 AND holder = $2 AND token = $3 RETURNING 1`,
      [fence.lease, fence.holder, fence.token, ttlMs],
      "aidc_lease_renew",
    );
    return rows.length === 1;
  }

  async release(fence: Fence): Promise<void> {
    await this.db.tx(async (sql) => {
      const rows = await sql.query<{ now_ms: number }>(
        `UPDATE leases SET expires_at_ms = ${NOW_MS} WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at_ms > ${NOW_MS} RETURNING expires_at_ms AS now_ms`,
        [fence.lease, fence.holder, fence.token],
        "aidc_lease_release",
      );
      const r = rows[0];
      if (r !== undefined)
        await sql.query(
          "INSERT INTO events (at_ms, type, subject, data) VALUES ($1, 'lease.released', $2, $3)",
          [r.now_ms, `lease/${fence.lease}`, JSON.stringify({ holder: fence.holder, token: fence.token })],
          "aidc_lease_event_released",
        );
    });
  }

  async current(lease: string): Promise<LeaseHolder | undefined> {
    const rows = await this.db.query<LeaseRow>(
      "SELECT name, holder, token, expires_at_ms FROM leases WHERE name = $1",
      [lease],
      "aidc_lease_current",
    );
    return rows[0] === undefined ? undefined : toHolder(rows[0]);
  }

  async list(prefix: string): Promise<LeaseHolder[]> {
    const rows = await this.db.query<LeaseRow>(
      "SELECT name, holder, token, expires_at_ms FROM leases WHERE left(name, $1) = $2 ORDER BY name",
      [prefix.length, prefix],
      "aidc_lease_list",
    );
    return rows.map(toHolder);
  }
}

import type { Fence, LeaseHolder, LeaseStore } from "../port.js";
import type { SqliteDb } from "./db.js";

interface LeaseRow {
  name: string;
  holder: string;
  token: number;
  expires_at_ms: number;
}

const toHolder = (r: LeaseRow): LeaseHolder => ({ lease: r.name, holder: r.holder, token: r.token, expiresAtMs: r.expires_at_ms });

/**
 * Leases in the SQLite file. The clock is this process's (replicas sharing one file run on one host);
 * each change is one immediate write transaction, so two processes on the file take turns.
 */
export class SqliteLeaseStore implements LeaseStore {
  constructor(
    private readonly s: SqliteDb,
    private readonly now: () => number = () => Date.now(),
  ) {}

  private row(lease: string): LeaseRow | undefined {
    return this.s.prepare("SELECT name, holder, token, expires_at_ms FROM leases WHERE name = ?").get(lease) as LeaseRow | undefined;
  }

  async acquire(lease: string, holder: string, ttlMs: number): Promise<Fence | undefined> {
    return this.s.transaction(() => {
      const now = this.now();
      const r = this.row(lease);
      if (r !== undefined && r.holder === holder && r.expires_at_ms > now) {
        // held by the caller: a renewal, same term and token
        this.s.prepare("UPDATE leases SET expires_at_ms = ? WHERE name = ?").run(now + ttlMs, lease);
        return { lease, holder, token: r.token };
      }
      if (r !== undefined && r.expires_at_ms > now) return undefined; // another holds it
      const token = (r?.token ?? 0) + 1;
      this.s
        .prepare(
          "INSERT INTO leases (name, holder, token, expires_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires_at_ms = excluded.expires_at_ms",
        )
        .run(lease, holder, token, now + ttlMs);
      this.s.insertEvent(now, "lease.acquired", `lease/${lease}`, { holder, token, ...(r ? { previous: r.holder } : {}) });
      return { lease, holder, token };
    });
  }

  async renew(fence: Fence, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const r = this.s
      .prepare("UPDATE leases SET expires_at_ms = ? WHERE name = ? AND holder = ? AND token = ?")
      .run(now + ttlMs, fence.lease, fence.holder, fence.token);
    return r.changes === 1;
  }

  async release(fence: Fence): Promise<void> {
    this.s.transaction(() => {
      const now = this.now();
      const r = this.s
        .prepare("UPDATE leases SET expires_at_ms = ? WHERE name = ? AND holder = ? AND token = ? AND expires_at_ms > ?")
        .run(now, fence.lease, fence.holder, fence.token, now);
      if (r.changes === 1) this.s.insertEvent(now, "lease.released", `lease/${fence.lease}`, { holder: fence.holder, token: fence.token });
    });
  }

  async current(lease: string): Promise<LeaseHolder | undefined> {
    const r = this.row(lease);
    return r === undefined ? undefined : toHolder(r);
  }

  async list(prefix: string): Promise<LeaseHolder[]> {
    const rows = this.s
      .prepare("SELECT name, holder, token, expires_at_ms FROM leases WHERE substr(name, 1, ?) = ? ORDER BY name")
      .all(prefix.length, prefix) as LeaseRow[];
    return rows.map(toHolder);
  }
}

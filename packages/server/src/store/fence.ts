import { AidcError } from "@aidc/core";
import type { Fence } from "./port.js";

/** A write carried a fence whose lease this holder no longer holds (expired, taken or released): it was not made. */
export class FencedError extends AidcError {
  readonly fence: Fence;
  constructor(fence: Fence) {
    super("FENCED", `Not written: "${fence.holder}" no longer holds lease "${fence.lease}" with token ${fence.token}`);
    this.fence = fence;
  }
}

/**
 * The fence check, run inside the write's transaction before the write; no row → throw FencedError.
 * PostgreSQL: values [lease, holder, token], the database clock, and FOR SHARE so a takeover's UPDATE
 * of the lease row waits until this write commits (the write happens before the new leader's term).
 * SQLite: values [lease, holder, token, Date.now()] (the write transaction already excludes other writers).
 */
export const fenceCheckSql = {
  postgres:
    "SELECT 1 AS ok FROM leases WHERE name = $1 AND holder = $2 AND token = $3" +
    " AND expires_at_ms > (extract(epoch from clock_timestamp()) * 1000)::bigint FOR SHARE",
  sqlite: "SELECT 1 AS ok FROM leases WHERE name = ? AND holder = ? AND token = ? AND expires_at_ms > ?",
} as const;

/** Run the PostgreSQL fence check on a transaction's connection; throws FencedError when it fails. */
export async function checkFencePg(
  sql: { query(text: string, values?: readonly unknown[], name?: string): Promise<unknown[]> },
  fence: Fence,
): Promise<void> {
  const rows = await sql.query(fenceCheckSql.postgres, [fence.lease, fence.holder, fence.token], "aidc_fence_check");
  if (rows.length === 0) throw new FencedError(fence);
}

/** Run the SQLite fence check (call it inside the write's db.transaction); throws FencedError when it fails. */
export function checkFenceSqlite(prepare: (sql: string) => { get(...values: unknown[]): unknown }, fence: Fence, nowMs = Date.now()): void {
  if (prepare(fenceCheckSql.sqlite).get(fence.lease, fence.holder, fence.token, nowMs) === undefined) throw new FencedError(fence);
}

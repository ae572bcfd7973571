import { AUDIT_GENESIS, verifyChain, type AuditVerification } from "../store/port-governance.js";
import type { Store } from "../store/port.js";

const PAGE = 1000;

/**
 * Walk the whole audit chain oldest first, a page at a time: every row must link to the hash of the
 * row before it and hash to its own `hash`. The triggers stop UPDATE/DELETE through SQL; this finds
 * what was done around them (triggers dropped, the SQLite file edited, a row changed or removed in the
 * middle). Rows cut off the end leave a shorter valid chain: compare `entries` (and the last hash) with
 * a copy kept elsewhere (e.g. a backup, or the count in a monitoring system) to catch that.
 */
export async function verifyAuditLog(store: Store): Promise<AuditVerification> {
  let prev = AUDIT_GENESIS;
  let after = 0;
  let entries = 0;
  for (;;) {
    const rows = await store.governance.audit.scan(after, PAGE);
    if (rows.length === 0) return { ok: true, entries };
    const v = verifyChain(rows, prev);
    if (!v.ok) return { ...v, entries: entries + rows.length };
    entries += rows.length;
    const last = rows.at(-1);
    if (last === undefined) return { ok: true, entries };
    prev = last.hash;
    after = last.id;
  }
}

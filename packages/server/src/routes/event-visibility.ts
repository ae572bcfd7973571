import type { ServerContext } from "../context.js";
import type { StoredEvent } from "../store/sqlite.js";
import type { Principal } from "../store/tokens.js";

/** How many stored events one request may look at while filtering for a user (bounded work per request). */
const MAX_SCANNED = 50_000;
const BATCH = 500;

interface EventRow {
  id: number;
  at_ms: number;
  type: string;
  subject: string;
  data: string;
}

/**
 * What of an event a caller may see, or undefined for nothing. Admins see everything. Viewers and
 * operators see every event except token events, and cluster events without the file they were
 * loaded from. A user sees only the events of their own jobs and of artifacts they created.
 */
function visibleEvent(e: StoredEvent, p: Principal, owns: (subject: string) => boolean): StoredEvent | undefined {
  if (p.role === "admin") return e;
  if (e.type.startsWith("token.")) return undefined;
  if (p.role === "user" && !owns(e.subject)) return undefined;
  if (e.subject.startsWith("cluster/") && "source" in e.data) {
    const { source: _hidden, ...data } = e.data;
    return { ...e, data };
  }
  return e;
}

/** The newest `limit` events (optionally of one subject) this caller may see, newest first. */
export function visibleEvents(ctx: ServerContext, p: Principal, limit: number, subject?: string): StoredEvent[] {
  const owned = new Map<string, boolean>();
  const owns = (s: string): boolean => {
    let yes = owned.get(s);
    if (yes !== undefined) return yes;
    const [kind, ...rest] = s.split("/");
    if (kind === "job") yes = ctx.jobs.get(rest.join("/"))?.user === p.user;
    else if (kind === "artifact" && rest.length >= 2) {
      const [project = "", name = ""] = rest;
      yes = ctx.artifacts.list({ project, name }).some((a) => a.createdBy === p.user);
    } else yes = false;
    owned.set(s, yes);
    return yes;
  };
  const sql =
    subject === undefined
      ? "SELECT * FROM events WHERE id < ? ORDER BY id DESC LIMIT ?"
      : "SELECT * FROM events WHERE id < ? AND subject = ? ORDER BY id DESC LIMIT ?";
  const out: StoredEvent[] = [];
  let before = Number.MAX_SAFE_INTEGER;
  for (let scanned = 0; out.length < limit && scanned < MAX_SCANNED; scanned += BATCH) {
    const args = subject === undefined ? [before, BATCH] : [before, subject, BATCH];
    const rows = ctx.store.prepare(sql).all(...args) as EventRow[];
    for (const r of rows) {
      const e = { id: r.id, atMs: r.at_ms, type: r.type, subject: r.subject, data: JSON.parse(r.data) as Record<string, unknown> };
      const seen = visibleEvent(e, p, owns);
      if (seen !== undefined && out.length < limit) out.push(seen);
    }
    if (rows.length < BATCH) break;
    before = rows[rows.length - 1]?.id ?? 0;
  }
  return out;
}

import { ProjectRepo } from "../artifacts/projects.js";
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

/** Whose data an event is about, for the caller: "own" (may see), "other" (may not), "shared" (cluster-wide). */
type Ownership = "own" | "other" | "shared";

/**
 * What of an event a caller may see, or undefined for nothing. Admins see everything. Nobody else
 * sees token events, or the file a cluster was loaded from. Viewers and operators see the rest,
 * except (for viewers) artifacts and projects they are not members of. A user sees only the events
 * of their own jobs and of the projects they may read.
 */
function visibleEvent(e: StoredEvent, p: Principal, owner: (subject: string) => Ownership): StoredEvent | undefined {
  if (p.role === "admin") return e;
  if (e.type.startsWith("token.")) return undefined;
  const whose = owner(e.subject);
  if (whose === "other" || (p.role === "user" && whose !== "own")) return undefined;
  if (e.subject.startsWith("cluster/") && "source" in e.data) {
    const { source: _hidden, ...data } = e.data;
    return { ...e, data };
  }
  return e;
}

/** The newest `limit` events (optionally of one subject) this caller may see, newest first. */
export function visibleEvents(ctx: ServerContext, p: Principal, limit: number, subject?: string): StoredEvent[] {
  const projects = new ProjectRepo(ctx.store);
  const known = new Map<string, Ownership>();
  const owner = (s: string): Ownership => {
    let whose = known.get(s);
    if (whose !== undefined) return whose;
    const [kind, first = ""] = s.split("/");
    if (kind === "job") whose = p.role !== "user" || ctx.jobs.get(s.slice("job/".length))?.user === p.user ? "own" : "other";
    else if (kind === "artifact" || kind === "project") whose = projects.canRead(p, first) ? "own" : "other";
    else whose = "shared";
    known.set(s, whose);
    return whose;
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
      const seen = visibleEvent(e, p, owner);
      if (seen !== undefined && out.length < limit) out.push(seen);
    }
    if (rows.length < BATCH) break;
    before = rows[rows.length - 1]?.id ?? 0;
  }
  return out;
}

import { ProjectRepo } from "../artifacts/projects.js";
import type { ServerContext } from "../context.js";
import type { StoredEvent } from "../store/port.js";
import type { Principal } from "../store/tokens.js";

/** How many stored events one request may look at while filtering for a user (bounded work per request). */
const MAX_SCANNED = 50_000;
const BATCH = 500;

/** Whose data an event is about, for the caller: "own" (may see), "other" (may not), "shared" (cluster-wide). */
type Ownership = "own" | "other" | "shared";

/**
 * What of an event a caller may see, or undefined for nothing. Admins see everything. Nobody else
 * sees token events, or the file a cluster was loaded from. Viewers and operators see the rest,
 * except (for viewers) artifacts and projects they are not members of. A user sees only the events
 * of their own jobs and of the projects they may read.
 */
function visibleEvent(e: StoredEvent, p: Principal, whose: Ownership): StoredEvent | undefined {
  if (p.role === "admin") return e;
  if (e.type.startsWith("token.")) return undefined;
  if (whose === "other" || (p.role === "user" && whose !== "own")) return undefined;
  if (e.subject.startsWith("cluster/") && "source" in e.data) {
    const { source: _hidden, ...data } = e.data;
    return { ...e, data };
  }
  return e;
}

/** The newest `limit` events (optionally of one subject) this caller may see, newest first. */
export async function visibleEvents(ctx: ServerContext, p: Principal, limit: number, subject?: string): Promise<StoredEvent[]> {
  const projects = new ProjectRepo(ctx.store);
  const known = new Map<string, Ownership>();
  const owner = async (s: string): Promise<Ownership> => {
    let whose = known.get(s);
    if (whose !== undefined) return whose;
    const [kind, first = ""] = s.split("/");
    if (kind === "job") whose = p.role !== "user" || (await ctx.store.jobs.get(s.slice("job/".length)))?.user === p.user ? "own" : "other";
    else if (kind === "artifact" || kind === "project") whose = (await projects.canRead(p, first)) ? "own" : "other";
    else whose = "shared";
    known.set(s, whose);
    return whose;
  };
  const out: StoredEvent[] = [];
  let beforeId: number | undefined;
  for (let scanned = 0; out.length < limit && scanned < MAX_SCANNED; scanned += BATCH) {
    const rows = await ctx.store.events.list(BATCH, {
      ...(subject !== undefined ? { subject } : {}),
      ...(beforeId !== undefined ? { beforeId } : {}),
    });
    for (const e of rows) {
      if (out.length >= limit) break;
      // admins see everything and nobody else sees token events: no need to ask whose they are
      const whose = p.role === "admin" || e.type.startsWith("token.") ? "shared" : await owner(e.subject);
      const seen = visibleEvent(e, p, whose);
      if (seen !== undefined) out.push(seen);
    }
    if (rows.length < BATCH) break;
    beforeId = rows[rows.length - 1]?.id ?? 0;
  }
  return out;
}

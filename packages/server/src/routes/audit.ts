import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { objectName } from "@aidc/core";
import { principalOf, requireRole, ForbiddenError } from "../auth.js";
import { ProjectRepo } from "../artifacts/projects.js";
import type { ServerContext } from "../context.js";
import { verifyAuditLog } from "../governance/audit.js";
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditFilter } from "../store/port-governance.js";
import { atLeast } from "../store/tokens.js";

export const AuditEntrySchema = z.object({
  id: z.number(),
  atMs: z.number(),
  actor: z.string(),
  actorRole: z.string().optional(),
  action: z.enum(AUDIT_ACTIONS),
  outcome: z.enum(AUDIT_OUTCOMES),
  project: z.string(),
  resource: z.string(),
  jobId: z.string().optional(),
  detail: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

/** `since`: epoch milliseconds or an ISO-8601 time. */
const Since = z.string().transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: "use epoch milliseconds or an ISO-8601 time, e.g. 2026-12-01T00:00:00Z" });
    return z.NEVER;
  }
  return ms;
});

/**
 * The audit log: every dataset read (downloads and job inputs, allowed or denied) and every governance
 * change. Read-only here and everywhere: there is no route that changes or removes an entry, and the
 * store's triggers refuse UPDATE and DELETE. Operators and admins see every project; other callers see
 * the projects they own (owners answer for who read their data).
 */
export function auditRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    const projects = new ProjectRepo(ctx.store);

    app.get(
      "/api/v1/audit",
      {
        schema: {
          tags: ["governance"],
          summary: "Audit log entries, newest first (operators: all; others: the projects they own); page with before=<id>",
          querystring: z.object({
            project: objectName.optional(),
            actor: objectName.optional(),
            action: z.enum(AUDIT_ACTIONS).optional(),
            outcome: z.enum(AUDIT_OUTCOMES).optional(),
            since: Since.optional(),
            before: z.coerce.number().int().min(1).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
          response: { 200: z.object({ entries: z.array(AuditEntrySchema), next: z.number().optional() }) },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const q = req.query;
        let scope: string[] | undefined;
        if (!atLeast(p.role, "operator")) {
          scope = (await projects.visible(p)).filter((v) => v.role === "owner").map((v) => v.name);
          // the same answer whether the project exists or not: an owner's view only
          if (q.project !== undefined && !scope.includes(q.project))
            throw new ForbiddenError(`${p.user} cannot read the audit log of project "${q.project}": that needs the owner role there`);
        }
        const filter: AuditFilter = {
          limit: q.limit,
          ...(q.project !== undefined ? { project: q.project } : {}),
          ...(scope !== undefined ? { projects: scope } : {}),
          ...(q.actor !== undefined ? { actor: q.actor } : {}),
          ...(q.action !== undefined ? { action: q.action } : {}),
          ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
          ...(q.since !== undefined ? { sinceMs: q.since } : {}),
          ...(q.before !== undefined ? { beforeId: q.before } : {}),
        };
        const entries = await ctx.store.governance.audit.list(filter);
        const last = entries.at(-1);
        return { entries, ...(entries.length === q.limit && last !== undefined ? { next: last.id } : {}) };
      },
    );

    app.get(
      "/api/v1/audit/verify",
      {
        schema: {
          tags: ["governance"],
          summary: "Walk the audit log's hash chain (admins): ok, or the first entry altered or removed behind the store's back",
          response: {
            200: z.object({ ok: z.boolean(), entries: z.number(), firstBadId: z.number().optional(), reason: z.string().optional() }),
          },
        },
      },
      async (req) => {
        requireRole(req, "admin");
        return verifyAuditLog(ctx.store);
      },
    );
  };
}

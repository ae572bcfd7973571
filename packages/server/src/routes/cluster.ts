import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError, validateData } from "@aidc/core";
import type { ServerContext } from "../context.js";

const IssueSchema = z.object({ code: z.string(), path: z.string(), message: z.string(), line: z.number().optional() });
const ValidateResult = z.object({ ok: z.boolean(), kind: z.string().optional(), issues: z.array(IssueSchema) });

export function clusterRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/api/v1/cluster", { schema: { tags: ["cluster"], summary: "The cluster this server runs, expanded to nodes" } }, async () => {
      if (ctx.cluster === undefined) throw new NotFoundError("No cluster is loaded; start the server with --cluster <file>");
      return ctx.cluster;
    });

    app.get(
      "/api/v1/events",
      {
        schema: {
          tags: ["events"],
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), subject: z.string().optional() }),
        },
      },
      async (req) => ({ events: ctx.store.events(req.query.limit, req.query.subject) }),
    );

    app.post(
      "/api/v1/validate",
      {
        schema: {
          tags: ["validate"],
          summary: "Validate any aidc document (Cluster, Job, catalog item) without storing it",
          body: z.unknown(),
          response: { 200: ValidateResult, 422: ValidateResult },
        },
      },
      async (req, reply) => {
        const r = validateData(req.body, ctx.catalog);
        const ok = r.document !== undefined;
        return reply.status(ok ? 200 : 422).send({ ok, ...(r.document ? { kind: r.document.kind } : {}), issues: [...r.issues] });
      },
    );
  };
}

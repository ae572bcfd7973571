import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { objectName } from "@aidc/core";
import { principalOf, requireRole } from "../auth.js";
import type { ServerContext } from "../context.js";
import { ROLES } from "../store/tokens.js";

export function tokenRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/tokens",
      {
        schema: {
          tags: ["auth"],
          summary: "Create a bearer token for a user (admin only); the token is shown once",
          body: z.strictObject({ user: objectName, role: z.enum(ROLES) }),
          response: { 201: z.object({ user: z.string(), role: z.enum(ROLES), token: z.string() }) },
        },
      },
      async (req, reply) => {
        requireRole(req, "admin");
        const token = await ctx.store.tokens.create(req.body.user, req.body.role, ctx.now());
        return reply.status(201).send({ user: req.body.user, role: req.body.role, token });
      },
    );

    app.get(
      "/api/v1/whoami",
      { schema: { tags: ["auth"], response: { 200: z.object({ user: z.string(), role: z.enum(ROLES) }) } } },
      async (req) => principalOf(req),
    );
  };
}

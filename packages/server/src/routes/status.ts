import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AIDC_VERSION } from "@aidc/core";
import { requireRole } from "../auth.js";
import type { ServerContext } from "../context.js";

const Status = z.object({
  version: z.string(),
  store: z.object({ backend: z.enum(["sqlite", "postgres"]), location: z.string() }),
  replica: z.string().describe("the replica that answered"),
  leader: z
    .object({ replica: z.string(), token: z.number(), expiresAtMs: z.number() })
    .nullable()
    .describe("the replica that runs scheduling, reconciliation and alerts (null: none holds the lease now)"),
  replicas: z.array(
    z.object({
      id: z.string(),
      leader: z.boolean(),
      alive: z.boolean().describe("its heartbeat is current"),
      heartbeatExpiresAtMs: z.number(),
    }),
  ),
});

/** `aidc status`: the store, the replicas sharing it and which one leads. */
export function statusRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/status",
      {
        schema: {
          tags: ["ops"],
          summary: "The store, the replicas that share it (heartbeats) and the one that leads",
          security: [{ bearer: [] }],
          response: { 200: Status },
        },
      },
      async (req) => {
        requireRole(req, "viewer");
        const store = { backend: ctx.store.backend, location: ctx.store.location };
        if (ctx.replica === undefined) return { version: AIDC_VERSION, store, replica: "local", leader: null, replicas: [] };
        const s = await ctx.replica.status();
        return { version: AIDC_VERSION, store, ...s, replicas: [...s.replicas] };
      },
    );
  };
}

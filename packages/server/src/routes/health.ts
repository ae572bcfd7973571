import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AIDC_VERSION } from "@aidc/core";
import type { ServerContext } from "../context.js";

export function healthRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/healthz",
      { schema: { tags: ["ops"], summary: "Liveness", response: { 200: z.object({ status: z.literal("ok") }) } } },
      async () => ({
        status: "ok" as const,
      }),
    );

    const Ready = z.object({
      status: z.enum(["ready", "not-ready"]),
      checks: z.record(z.string(), z.boolean()),
      replica: z.string().optional().describe("the replica that answered"),
      leading: z.boolean().optional().describe("this replica runs scheduling, reconciliation and alerts"),
      leader: z.string().nullable().optional().describe("the replica that leads now (null: none holds the lease)"),
    });
    app.get(
      "/readyz",
      {
        schema: {
          tags: ["ops"],
          summary: "Readiness: the store answers and the server is not shutting down",
          response: { 200: Ready, 503: Ready },
        },
      },
      async (_req, reply) => {
        const checks = { store: await ctx.store.ping(), accepting: !ctx.shuttingDown() };
        const ok = Object.values(checks).every(Boolean);
        const r = ctx.replica;
        const leader =
          r === undefined || !checks.store
            ? undefined
            : await r.status().then(
                (s) => s.leader?.replica ?? null,
                () => undefined,
              );
        return reply.status(ok ? 200 : 503).send({
          status: ok ? "ready" : "not-ready",
          checks,
          ...(r !== undefined ? { replica: r.id, leading: r.isLeader() } : {}),
          ...(leader !== undefined ? { leader } : {}),
        });
      },
    );

    app.get(
      "/api/v1/version",
      {
        schema: {
          tags: ["ops"],
          response: { 200: z.object({ version: z.string(), node: z.string(), storeMigrations: z.array(z.number()) }) },
        },
      },
      async () => ({ version: AIDC_VERSION, node: process.versions.node, storeMigrations: await ctx.store.appliedVersions() }),
    );

    app.get(
      "/metrics",
      { schema: { tags: ["ops"], summary: "Prometheus text exposition", produces: ["text/plain"] } },
      async (_req, reply) => {
        const text = await ctx.metrics.registry.metrics();
        return reply.type(ctx.metrics.registry.contentType).send(text);
      },
    );
  };
}

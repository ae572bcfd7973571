import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError, validateData } from "@aidc/core";
import { requireRole } from "../auth.js";
import type { ServerContext } from "../context.js";

const IssueSchema = z.object({ code: z.string(), path: z.string(), message: z.string(), line: z.number().optional() });
const ValidateResult = z.object({ ok: z.boolean(), kind: z.string().optional(), issues: z.array(IssueSchema) });

export function clusterRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/cluster",
      { schema: { tags: ["cluster"], summary: "The cluster this server runs, expanded to nodes" } },
      async () => ctx.cluster,
    );

    app.get(
      "/api/v1/nodes",
      { schema: { tags: ["cluster"], summary: "Nodes with their free GPUs as the scheduler assumes them" } },
      async () => {
        const free = ctx.freeGpus();
        const cordons = ctx.store.cordons();
        return {
          nodes: ctx.cluster.nodes.map((n) => ({
            ...n,
            freeGpus: free.get(n.name) ?? n.gpus,
            ...(cordons.has(n.name) ? { cordoned: cordons.get(n.name) } : {}),
          })),
        };
      },
    );

    const NodeParams = z.object({ name: z.string().min(1) });
    const known = (name: string): string => {
      if (!ctx.cluster.nodes.some((n) => n.name === name)) throw new NotFoundError(`No node "${name}" in cluster ${ctx.cluster.name}`);
      return name;
    };

    app.post(
      "/api/v1/nodes/:name/cordon",
      {
        schema: {
          tags: ["cluster"],
          summary: "Stop placing new jobs on a node (running jobs stay)",
          params: NodeParams,
          body: z.strictObject({ reason: z.string().min(1).default("cordoned by an operator") }),
        },
      },
      async (req) => {
        const p = requireRole(req, ctx.tokens, "operator");
        ctx.store.setCordon(known(req.params.name), `${req.body.reason} (${p.user})`, ctx.now());
        ctx.onJobsChanged();
        return { node: req.params.name, cordoned: true };
      },
    );

    app.delete(
      "/api/v1/nodes/:name/cordon",
      { schema: { tags: ["cluster"], summary: "Put a node back into scheduling", params: NodeParams } },
      async (req) => {
        requireRole(req, ctx.tokens, "operator");
        ctx.store.setCordon(known(req.params.name), undefined, ctx.now());
        ctx.onJobsChanged();
        return { node: req.params.name, cordoned: false };
      },
    );

    app.post(
      "/api/v1/nodes/:name/drain",
      {
        schema: {
          tags: ["cluster"],
          summary: "Cordon a node and requeue its running jobs",
          params: NodeParams,
          body: z.strictObject({ reason: z.string().min(1).default("drained by an operator") }),
        },
      },
      async (req) => {
        const p = requireRole(req, ctx.tokens, "operator");
        ctx.store.setCordon(known(req.params.name), `${req.body.reason} (${p.user})`, ctx.now());
        return { node: req.params.name, cordoned: true, requeued: await ctx.drain(req.params.name) };
      },
    );

    app.get("/api/v1/queues", { schema: { tags: ["cluster"], summary: "Queues with quotas and current use" } }, async () => {
      const active = ctx.jobs.list({ states: ["admitted", "running"], limit: 1_000_000 });
      const pending = ctx.jobs.list({ states: ["pending"], limit: 1_000_000 });
      const names = new Set([...ctx.cluster.queues.map((q) => q.name), ...active.map((j) => j.queue), ...pending.map((j) => j.queue)]);
      const gpusOf = (j: (typeof active)[number]): number =>
        j.spec.tasks.reduce((s, t) => s + t.replicas * (t.resources.gpuMilli ?? t.resources.gpus * 1000), 0) / 1000;
      return {
        queues: [...names].sort().map((name) => ({
          name,
          ...(ctx.cluster.queues.find((q) => q.name === name) ?? {}),
          runningJobs: active.filter((j) => j.queue === name).length,
          pendingJobs: pending.filter((j) => j.queue === name).length,
          usedGpus: active.filter((j) => j.queue === name).reduce((s, j) => s + gpusOf(j), 0),
        })),
      };
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

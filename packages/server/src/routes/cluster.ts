import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError, validateData } from "@aidc/core";
import { principalOf, requireRole } from "../auth.js";
import { acceptYaml } from "./yaml-body.js";
import type { ServerContext } from "../context.js";
import { UnprocessableError } from "../errors.js";
import { visibleEvents } from "./event-visibility.js";
import { DRAIN_MARK, NODE_STATES, nodeState, reasonOf } from "../node-state.js";

const IssueSchema = z.object({ code: z.string(), path: z.string(), message: z.string(), line: z.number().optional() });
const ValidateResult = z.object({ ok: z.literal(true), kind: z.string(), issues: z.array(IssueSchema) });
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), issues: z.array(IssueSchema).optional() }) });
const StoredEvent = z.object({
  id: z.number(),
  atMs: z.number(),
  type: z.string(),
  subject: z.string(),
  data: z.record(z.string(), z.unknown()),
});
const NodeResult = z.object({ node: z.string(), cordoned: z.boolean() });

export function clusterRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    acceptYaml(app, ctx.cluster.limits);
    app.get(
      "/api/v1/cluster",
      {
        schema: {
          tags: ["cluster"],
          summary: "The cluster this server runs, expanded to nodes",
          response: { 200: z.looseObject({ name: z.string(), nodes: z.array(z.looseObject({ name: z.string() })) }) },
        },
      },
      async () => ({ ...ctx.cluster, nodes: [...ctx.cluster.nodes] }),
    );

    app.get(
      "/api/v1/nodes",
      {
        schema: {
          tags: ["cluster"],
          summary: "Nodes with their free GPUs as the scheduler assumes them, their state (up, cordoned, draining, drained) and why",
          response: {
            200: z.object({
              nodes: z.array(
                z.looseObject({
                  name: z.string(),
                  gpus: z.number(),
                  freeGpus: z.number(),
                  state: z.enum(NODE_STATES),
                  reason: z.string().optional().describe("why the node is out of scheduling (who took it out)"),
                  runningJobs: z.number().describe("jobs admitted or running on the node"),
                  cordoned: z.string().optional().describe("the reason, when cordoned (kept for older clients)"),
                }),
              ),
            }),
          },
        },
      },
      async () => {
        const free = ctx.freeGpus();
        const cordons = await ctx.store.nodes.cordons();
        const running = new Map<string, number>();
        for (const j of await ctx.store.jobs.list({ states: ["admitted", "running"], limit: 1_000_000 }))
          for (const node of new Set((j.placement?.tasks ?? []).map((t) => t.node))) running.set(node, (running.get(node) ?? 0) + 1);
        return {
          nodes: ctx.cluster.nodes.map((n) => {
            const cordon = cordons.get(n.name);
            const jobs = running.get(n.name) ?? 0;
            return {
              ...n,
              freeGpus: free.get(n.name) ?? n.gpus,
              ...nodeState(cordon, jobs),
              runningJobs: jobs,
              ...(cordon !== undefined ? { cordoned: reasonOf(cordon) } : {}),
            };
          }),
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
          response: { 200: NodeResult },
        },
      },
      async (req) => {
        const p = requireRole(req, "operator");
        await ctx.store.nodes.setCordon(known(req.params.name), `${req.body.reason} (${p.user})`, ctx.now());
        ctx.onJobsChanged();
        return { node: req.params.name, cordoned: true };
      },
    );

    app.delete(
      "/api/v1/nodes/:name/cordon",
      { schema: { tags: ["cluster"], summary: "Put a node back into scheduling", params: NodeParams, response: { 200: NodeResult } } },
      async (req) => {
        requireRole(req, "operator");
        await ctx.store.nodes.setCordon(known(req.params.name), undefined, ctx.now());
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
          response: { 200: NodeResult.extend({ requeued: z.array(z.string()) }) },
        },
      },
      async (req) => {
        const p = requireRole(req, "operator");
        await ctx.store.nodes.setCordon(known(req.params.name), `${DRAIN_MARK}${req.body.reason} (${p.user})`, ctx.now());
        return { node: req.params.name, cordoned: true, requeued: await ctx.drain(req.params.name) };
      },
    );

    const Queue = z.looseObject({ name: z.string(), runningJobs: z.number(), pendingJobs: z.number(), usedGpus: z.number() });
    const queuesSchema = {
      tags: ["cluster"],
      summary: "Queues with quotas and current use",
      response: { 200: z.object({ queues: z.array(Queue) }) },
    };
    app.get("/api/v1/queues", { schema: queuesSchema }, async () => {
      const [active, pending] = await Promise.all([
        ctx.store.jobs.list({ states: ["admitted", "running"], limit: 1_000_000 }),
        ctx.store.jobs.list({ states: ["pending"], limit: 1_000_000 }),
      ]);
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
          summary:
            "Recent events, newest first: everything for admins; no token events or file paths for viewers and operators; a user's own jobs and artifacts for users",
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), subject: z.string().optional() }),
          response: { 200: z.object({ events: z.array(StoredEvent) }) },
        },
      },
      async (req) => ({ events: await visibleEvents(ctx, principalOf(req), req.query.limit, req.query.subject) }),
    );

    app.post(
      "/api/v1/validate",
      {
        schema: {
          tags: ["validate"],
          summary: "Validate any aidc document (Cluster, Job, catalog item) without storing it; 422 lists every problem",
          body: z.unknown().describe("any aidc document as JSON: apiVersion, kind and the kind's fields"),
          response: { 200: ValidateResult, 422: ErrorBody },
        },
      },
      async (req) => {
        const r = validateData(req.body, ctx.catalog);
        if (r.document === undefined)
          throw new UnprocessableError("INVALID_DOCUMENT", `Invalid document: ${r.issues.length} problem(s)`, r.issues);
        return { ok: true as const, kind: r.document.kind, issues: [...r.issues] };
      },
    );
  };
}

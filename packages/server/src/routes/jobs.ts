import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { InvalidInputError, JOB_STATES, NotFoundError, validateData, validateDocument, type JobSpec } from "@aidc/core";
import { ForbiddenError, principalOf, requireRole } from "../auth.js";
import type { ServerContext } from "../context.js";
import type { JobRecord } from "../store/jobs.js";
import { atLeast, type Principal } from "../store/tokens.js";

const JobView = z.object({
  id: z.string(),
  name: z.string(),
  user: z.string(),
  queue: z.string(),
  priority: z.number(),
  state: z.enum(JOB_STATES),
  attempts: z.number(),
  submittedAtMs: z.number(),
  updatedAtMs: z.number(),
  exitCode: z.number().optional(),
  message: z.string().optional(),
  runId: z.string().optional(),
  startedAtMs: z.number().optional(),
  finishedAtMs: z.number().optional(),
  placement: z.record(z.string(), z.unknown()).optional(),
  spec: z.record(z.string(), z.unknown()),
});

function view(job: JobRecord): z.infer<typeof JobView> {
  const { placement, spec, ...rest } = job;
  return {
    ...rest,
    spec: spec as unknown as Record<string, unknown>,
    ...(placement ? { placement: placement as unknown as Record<string, unknown> } : {}),
  };
}

/** Users see only their own jobs; viewers, operators and admins see all (404 hides others' jobs). */
function visible(job: JobRecord | undefined, p: Principal, id: string): JobRecord {
  if (job === undefined || (p.role === "user" && job.user !== p.user)) throw new NotFoundError(`No job "${id}"`);
  return job;
}

/** Parse a JobSpec from a JSON object or YAML text; every problem is reported with its path. */
function parseJob(body: unknown, ctx: ServerContext): JobSpec {
  const r = typeof body === "string" ? validateDocument(body, ctx.catalog) : validateData(body, ctx.catalog);
  if (r.document === undefined) throw new InvalidInputError(`Invalid job: ${r.issues.length} problem(s)`, r.issues);
  if (r.document.kind !== "Job") {
    throw new InvalidInputError("Invalid job", [{ code: "invalid_kind", path: "kind", message: `must be Job, got ${r.document.kind}` }]);
  }
  return r.document.value;
}

export function jobRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addContentTypeParser(["application/yaml", "application/x-yaml", "text/yaml"], { parseAs: "string" }, (_req, body, done) =>
      done(null, body),
    );

    app.post(
      "/api/v1/jobs",
      {
        schema: {
          tags: ["jobs"],
          summary: "Submit a job (JobSpec as JSON or YAML); Idempotency-Key makes retries safe",
          body: z.unknown(),
          headers: z.object({ "idempotency-key": z.string().min(1).max(200).optional() }).passthrough(),
          response: { 201: JobView, 200: JobView },
          security: [{ bearer: [] }],
        },
      },
      async (req, reply) => {
        const p = requireRole(req, ctx.tokens, "user");
        const spec = parseJob(req.body, ctx);
        if (spec.user !== undefined && spec.user !== p.user && !atLeast(p.role, "operator")) {
          throw new ForbiddenError(`${p.user} cannot submit jobs as ${spec.user}`);
        }
        const user = spec.user ?? p.user;
        const { job, created } = ctx.jobs.submit({ ...spec, user }, user, ctx.now(), req.headers["idempotency-key"]);
        ctx.onJobsChanged();
        return reply.status(created ? 201 : 200).send(view(job));
      },
    );

    app.get(
      "/api/v1/jobs",
      {
        schema: {
          tags: ["jobs"],
          querystring: z.object({
            state: z.string().optional().describe("comma-separated states"),
            queue: z.string().optional(),
            user: z.string().optional(),
            limit: z.coerce.number().int().min(1).max(10000).default(1000),
          }),
          response: { 200: z.object({ jobs: z.array(JobView) }) },
          security: [{ bearer: [] }],
        },
      },
      async (req) => {
        const p = principalOf(req, ctx.tokens);
        const states = req.query.state?.split(",").filter((s) => s !== "");
        const bad = states?.filter((s) => !(JOB_STATES as readonly string[]).includes(s)) ?? [];
        if (bad.length > 0) {
          throw new InvalidInputError("Invalid state filter", [
            { code: "invalid_value", path: "querystring.state", message: `unknown state(s) ${bad.join(", ")}` },
          ]);
        }
        const user = p.role === "user" ? p.user : req.query.user;
        const jobs = ctx.jobs.list({
          ...(states ? { states: states as JobRecord["state"][] } : {}),
          ...(req.query.queue ? { queue: req.query.queue } : {}),
          ...(user ? { user } : {}),
          limit: req.query.limit,
        });
        return { jobs: jobs.map(view) };
      },
    );

    const IdParams = z.object({ id: z.string().min(1).max(100) });

    app.get(
      "/api/v1/jobs/:id",
      { schema: { tags: ["jobs"], params: IdParams, response: { 200: JobView }, security: [{ bearer: [] }] } },
      async (req) => {
        const p = principalOf(req, ctx.tokens);
        return view(visible(ctx.jobs.get(req.params.id), p, req.params.id));
      },
    );

    app.delete(
      "/api/v1/jobs/:id",
      { schema: { tags: ["jobs"], summary: "Cancel a job", params: IdParams, response: { 200: JobView }, security: [{ bearer: [] }] } },
      async (req) => {
        const p = requireRole(req, ctx.tokens, "user");
        const job = visible(ctx.jobs.get(req.params.id), p, req.params.id);
        const cancelled = ctx.jobs.apply(job.id, "cancel", ctx.now(), { message: `cancelled by ${p.user}` });
        ctx.onJobsChanged();
        return view(cancelled);
      },
    );

    app.get(
      "/api/v1/jobs/:id/explain",
      {
        schema: {
          tags: ["jobs"],
          summary: "Why a job is pending, with an estimated start",
          params: IdParams,
          response: {
            200: z.object({
              id: z.string(),
              state: z.string(),
              reason: z.string(),
              message: z.string(),
              estimatedStartMs: z.number().optional(),
            }),
          },
        },
      },
      async (req) => {
        const p = principalOf(req, ctx.tokens);
        const job = visible(ctx.jobs.get(req.params.id), p, req.params.id);
        if (job.state !== "pending")
          return { id: job.id, state: job.state, reason: job.state.toUpperCase(), message: job.message ?? `the job is ${job.state}` };
        const why = ctx.explain(job.id);
        return {
          id: job.id,
          state: job.state,
          ...(why ?? { reason: "NOT_YET_CONSIDERED", message: "the scheduler has not looked at this job yet" }),
        };
      },
    );

    app.get(
      "/api/v1/jobs/:id/logs",
      {
        schema: {
          tags: ["jobs"],
          summary: "What the job printed; follow=1 streams until the job ends",
          params: IdParams,
          querystring: z.object({ follow: z.coerce.number().int().min(0).max(1).default(0) }),
        },
      },
      async (req, reply) => {
        const p = principalOf(req, ctx.tokens);
        const job = visible(ctx.jobs.get(req.params.id), p, req.params.id);
        const read = (): string => {
          const runId = ctx.jobs.get(job.id)?.runId;
          return runId && ctx.executor.logs ? ctx.executor.logs(runId) : "";
        };
        if (req.query.follow === 0) return reply.type("text/plain; charset=utf-8").send(read());
        reply.raw.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
        let sent = 0;
        for (;;) {
          const text = read();
          if (text.length > sent) {
            reply.raw.write(text.slice(sent));
            sent = text.length;
          }
          const state = ctx.jobs.get(job.id)?.state;
          if (state !== "pending" && state !== "admitted" && state !== "running") break;
          if (req.raw.destroyed || ctx.shuttingDown()) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        const rest = read();
        if (rest.length > sent) reply.raw.write(rest.slice(sent));
        reply.raw.end();
        return reply;
      },
    );

    app.get("/api/v1/jobs/:id/events", { schema: { tags: ["jobs"], params: IdParams, security: [{ bearer: [] }] } }, async (req) => {
      const p = principalOf(req, ctx.tokens);
      const job = visible(ctx.jobs.get(req.params.id), p, req.params.id);
      return { events: ctx.store.events(1000, `job/${job.id}`).reverse() };
    });
  };
}

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  AidcError,
  checkJobLimits,
  checkJobOnCluster,
  DEFAULT_LIMITS,
  effectiveLimits,
  InvalidInputError,
  JOB_STATES,
  NotFoundError,
  validateData,
  type JobSpec,
  type Limits,
} from "@aidc/core";
import { ForbiddenError, principalOf, requireRole } from "../auth.js";
import type { ServerContext } from "../context.js";
import { UnprocessableError } from "../errors.js";
import type { JobRecord } from "../store/jobs.js";
import { atLeast, type Principal } from "../store/tokens.js";
import { decodeCursor, encodeCursor, ForecastSchema, JobSpecBody, JobView, view, withErrors } from "./jobs-schemas.js";
import { OffThreadValidator } from "./yaml-off-thread.js";
import { twinFor } from "../twin/live.js";
import { countsSentence, notPending, whyCounts } from "./jobs-why.js";

/** Users see only their own jobs; viewers, operators and admins see all (404 hides others' jobs). */
function visible(job: JobRecord | undefined, p: Principal, id: string): JobRecord {
  if (job === undefined || (p.role === "user" && job.user !== p.user)) throw new NotFoundError(`No job "${id}"`);
  return job;
}

/**
 * Parse a JobSpec from a JSON object or YAML text (within the cluster's size limit, YAML's alias
 * and nesting limits); every problem is reported with its path.
 */
async function parseJob(body: unknown, ctx: ServerContext, limits: Limits, yaml: OffThreadValidator): Promise<JobSpec> {
  const r =
    typeof body === "string" ? await yaml.validate(body, ctx.catalog, { maxBytes: limits.maxJobBytes }) : validateData(body, ctx.catalog);
  if (r.document === undefined) throw new InvalidInputError(`Invalid job: ${r.issues.length} problem(s)`, r.issues);
  if (r.document.kind !== "Job") {
    throw new InvalidInputError("Invalid job", [{ code: "invalid_kind", path: "kind", message: `must be Job, got ${r.document.kind}` }]);
  }
  return r.document.value;
}

export function jobRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  const limits = ctx.cluster.limits ?? DEFAULT_LIMITS;
  return async (app) => {
    // large YAML bodies are parsed on a worker thread, not on the event loop
    const yaml = new OffThreadValidator();
    app.addHook("onClose", async () => {
      await yaml.close();
    });
    app.addContentTypeParser(["application/yaml", "application/x-yaml", "text/yaml"], { parseAs: "string" }, (_req, body, done) =>
      done(null, body),
    );

    app.post(
      "/api/v1/jobs",
      {
        bodyLimit: limits.maxJobBytes,
        schema: {
          tags: ["jobs"],
          summary: "Submit a job (JobSpec as JSON or YAML); Idempotency-Key makes retries safe",
          description:
            "A job over one of the cluster's limits (replicas, tasks, dependsOn, env; `limits` in the cluster file, or the queue's own) " +
            "is refused with 400 and an issue naming the field and the limit. A user with limits.maxPendingJobsPerUser pending or " +
            "admitted jobs gets 429 until some start. YAML is parsed with alias, nesting and size limits.",
          body: JobSpecBody,
          headers: z.object({ "idempotency-key": z.string().min(1).max(200).optional() }).passthrough(),
          response: withErrors(
            {
              201: JobView.describe("the job was queued"),
              200: JobView.describe("a retry with the same Idempotency-Key: the job queued before"),
            },
            [403, 409, 413, 415, 422],
          ),
          security: [{ bearer: [] }],
        },
      },
      async (req, reply) => {
        const p = requireRole(req, "user");
        const spec = await parseJob(req.body, ctx, limits, yaml);
        if (spec.user !== undefined && spec.user !== p.user && !atLeast(p.role, "operator")) {
          throw new ForbiddenError(`${p.user} cannot submit jobs as ${spec.user}`);
        }
        const queue = ctx.cluster.queues.find((q) => q.name === spec.queue);
        const applicable = effectiveLimits(limits, queue);
        const over = checkJobLimits(spec, applicable);
        if (over.length > 0) throw new InvalidInputError(`Job "${spec.name}" is over the cluster's limits`, over);
        const missing = checkJobOnCluster(spec, ctx.cluster, ctx.catalog);
        if (missing.length > 0) throw new UnprocessableError("UNPROCESSABLE", `Job "${spec.name}" cannot run on this cluster`, missing);
        const user = spec.user ?? p.user;
        const admission = {
          maxPendingJobsPerUser: { value: limits.maxPendingJobsPerUser, source: "limits.maxPendingJobsPerUser" },
          ...(queue?.limits?.maxPendingJobsPerUser !== undefined ? { maxPendingJobsInQueue: applicable.maxPendingJobsPerUser } : {}),
        };
        const { job, created } = await ctx.store.jobs.submit({ ...spec, user }, user, ctx.now(), req.headers["idempotency-key"], admission);
        ctx.onJobsChanged();
        return reply.status(created ? 201 : 200).send(view(job));
      },
    );

    app.post(
      "/api/v1/jobs/forecast",
      {
        bodyLimit: limits.maxJobBytes,
        schema: {
          tags: ["jobs"],
          summary: "When a job would start if submitted now (like sbatch --test-only); stores nothing",
          description:
            "The body is a job as for POST /api/v1/jobs (JSON or YAML), checked the same way. The live state is forked with the " +
            "job added and forecast forward with the live profile and runtime predictors.",
          body: JobSpecBody,
          response: withErrors(
            { 200: z.object({ forecast: ForecastSchema.optional(), reason: z.string(), message: z.string() }) },
            [403, 413, 415, 422],
          ),
          security: [{ bearer: [] }],
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const spec = await parseJob(req.body, ctx, limits, yaml);
        if (spec.user !== undefined && spec.user !== p.user && !atLeast(p.role, "operator")) {
          throw new ForbiddenError(`${p.user} cannot submit jobs as ${spec.user}`);
        }
        const over = checkJobLimits(
          spec,
          effectiveLimits(
            limits,
            ctx.cluster.queues.find((q) => q.name === spec.queue),
          ),
        );
        if (over.length > 0) throw new InvalidInputError(`Job "${spec.name}" is over the cluster's limits`, over);
        const missing = checkJobOnCluster(spec, ctx.cluster, ctx.catalog);
        if (missing.length > 0) throw new UnprocessableError("UNPROCESSABLE", `Job "${spec.name}" cannot run on this cluster`, missing);
        return twinFor(ctx).probe(spec, spec.user ?? p.user);
      },
    );

    // GET and DELETE of /api/v1/jobs/:id would take "forecast" for a job id: say 405, as for any other path
    for (const method of ["GET", "DELETE"] as const) {
      app.route({
        method,
        url: "/api/v1/jobs/forecast",
        schema: { hide: true },
        handler: async (_req, reply) => {
          void reply.header("allow", "POST");
          throw new AidcError("METHOD_NOT_ALLOWED", `${method} is not allowed on /api/v1/jobs/forecast; use POST`);
        },
      });
    }

    app.get(
      "/api/v1/jobs",
      {
        schema: {
          tags: ["jobs"],
          querystring: z.object({
            state: z.string().optional().describe("comma-separated states"),
            queue: z.string().optional(),
            user: z.string().optional(),
            limit: z.coerce.number().int().min(1).max(10000).default(1000).describe("jobs per page"),
            after: z.string().min(1).max(200).optional().describe("nextCursor of the previous page"),
          }),
          response: withErrors({
            200: z.object({
              jobs: z.array(JobView),
              nextCursor: z.string().optional().describe("present when there may be more jobs: pass it as ?after= for the next page"),
            }),
          }),
          security: [{ bearer: [] }],
        },
      },
      async (req) => {
        const p = principalOf(req);
        const states = req.query.state?.split(",").filter((s) => s !== "");
        const bad = states?.filter((s) => !(JOB_STATES as readonly string[]).includes(s)) ?? [];
        if (bad.length > 0) {
          throw new InvalidInputError("Invalid state filter", [
            { code: "invalid_value", path: "querystring.state", message: `unknown state(s) ${bad.join(", ")}` },
          ]);
        }
        const user = p.role === "user" ? p.user : req.query.user;
        const after = req.query.after === undefined ? undefined : decodeCursor(req.query.after);
        // one more than asked: whether there is a next page
        const jobs = await ctx.store.jobs.list({
          ...(states ? { states: states as JobRecord["state"][] } : {}),
          ...(req.query.queue ? { queue: req.query.queue } : {}),
          ...(user ? { user } : {}),
          ...(after ? { after } : {}),
          limit: req.query.limit + 1,
        });
        const page = jobs.slice(0, req.query.limit);
        const last = page.at(-1);
        return { jobs: page.map(view), ...(jobs.length > page.length && last ? { nextCursor: encodeCursor(last) } : {}) };
      },
    );

    const IdParams = z.object({ id: z.string().min(1).max(100) });

    app.get(
      "/api/v1/jobs/:id",
      {
        schema: {
          tags: ["jobs"],
          summary: "One job; runs counts its starts (attempts counts retries and requeues)",
          params: IdParams,
          response: withErrors({ 200: JobView.extend({ runs: z.number().describe("times the job started") }) }, [404]),
          security: [{ bearer: [] }],
        },
      },
      async (req) => {
        const p = principalOf(req);
        const job = visible(await ctx.store.jobs.get(req.params.id), p, req.params.id);
        // how many times it started (attempts counts retries and requeues only)
        const runs = (await ctx.store.events.list(1000, { subject: `job/${job.id}` })).filter((e) => e.type === "job.running").length;
        return { ...view(job), runs };
      },
    );

    app.delete(
      "/api/v1/jobs/:id",
      {
        schema: {
          tags: ["jobs"],
          summary: "Cancel a job",
          params: IdParams,
          response: withErrors({ 200: JobView }, [403, 404, 409]),
          security: [{ bearer: [] }],
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const job = visible(await ctx.store.jobs.get(req.params.id), p, req.params.id);
        const cancelled = await ctx.store.jobs.apply(job.id, "cancel", ctx.now(), { message: `cancelled by ${p.user}` });
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
          response: withErrors(
            {
              200: z.object({
                id: z.string(),
                state: z.string(),
                reason: z.string(),
                message: z.string(),
                estimatedStartMs: z.number().optional(),
                counts: z
                  .object({
                    needGpus: z.number(),
                    needShape: z.string(),
                    scope: z.string().describe("where the job may run: partition, GPU type, node labels"),
                    freeGpus: z.number().describe("free GPUs there now (cordoned nodes excluded)"),
                    scopeGpus: z.number(),
                    queue: z.object({ name: z.string(), usedGpus: z.number(), quotaGpus: z.number() }).optional(),
                  })
                  .optional()
                  .describe("pending jobs: what the job needs and what its partition and queue have"),
                forecast: ForecastSchema.optional().describe("the digital twin's forecast (pending jobs, once the first forecast is done)"),
              }),
            },
            [404],
          ),
          security: [{ bearer: [] }],
        },
      },
      async (req) => {
        const p = principalOf(req);
        const job = visible(await ctx.store.jobs.get(req.params.id), p, req.params.id);
        if (job.state !== "pending") return { id: job.id, state: job.state, reason: job.state.toUpperCase(), message: notPending(job) };
        const why = ctx.explain(job.id) ?? { reason: "NOT_YET_CONSIDERED", message: "the scheduler has not looked at this job yet" };
        // the cached forecast of the live twin (computed off the request path)
        const forecast = await twinFor(ctx).forecastOf(
          job.id,
          (other) => other !== undefined && (p.role !== "user" || other.user === p.user),
        );
        const counts = await whyCounts(ctx, job);
        return {
          id: job.id,
          state: job.state,
          ...why,
          message: `${why.message}; ${countsSentence(counts)}`,
          counts,
          ...(forecast ? { forecast } : {}),
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
          querystring: z.object({ follow: z.coerce.number().int().min(0).max(1).default(0).describe("1: stream until the job ends") }),
          response: withErrors(
            { 200: { description: "what the job printed", content: { "text/plain": { schema: z.string() } } } } as never,
            [404],
          ),
          security: [{ bearer: [] }],
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const job = visible(await ctx.store.jobs.get(req.params.id), p, req.params.id);
        const read = async (): Promise<string> => {
          const runId = (await ctx.store.jobs.get(job.id))?.runId;
          return runId && ctx.executor.logs ? ctx.executor.logs(runId) : "";
        };
        if (req.query.follow === 0) return reply.type("text/plain; charset=utf-8").send(await read());
        reply.raw.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
        let sent = 0;
        for (;;) {
          const text = await read();
          if (text.length > sent) {
            reply.raw.write(text.slice(sent));
            sent = text.length;
          }
          const state = (await ctx.store.jobs.get(job.id))?.state;
          if (state !== "pending" && state !== "admitted" && state !== "running") break;
          if (req.raw.destroyed || ctx.shuttingDown()) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        const rest = await read();
        if (rest.length > sent) reply.raw.write(rest.slice(sent));
        reply.raw.end();
        return reply;
      },
    );

    const EventView = z.object({
      id: z.number(),
      atMs: z.number(),
      type: z.string(),
      subject: z.string(),
      data: z.record(z.string(), z.unknown()),
    });
    app.get(
      "/api/v1/jobs/:id/events",
      {
        schema: {
          tags: ["jobs"],
          summary: "The job's history, newest last",
          params: IdParams,
          response: withErrors({ 200: z.object({ events: z.array(EventView) }) }, [404]),
          security: [{ bearer: [] }],
        },
      },
      async (req) => {
        const p = principalOf(req);
        const job = visible(await ctx.store.jobs.get(req.params.id), p, req.params.id);
        return { events: (await ctx.store.events.list(1000, { subject: `job/${job.id}` })).reverse() };
      },
    );
  };
}

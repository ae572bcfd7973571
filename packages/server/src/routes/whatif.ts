import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { DEFAULT_LIMITS, type Issue } from "@aidc/core";
import { requireRole } from "../auth.js";
import { acceptYaml } from "./yaml-body.js";
import type { ServerContext } from "../context.js";
import { UnprocessableError } from "../errors.js";
import { planOf } from "../twin/changes.js";
import { twinFor } from "../twin/live.js";
import type { WhatIfJobWire, WhatIfWire } from "../twin/types.js";
import { withErrors } from "./jobs-schemas.js";
import { OffThreadValidator } from "./yaml-off-thread.js";

const WhatIfBody = z
  .object({
    addNodes: z
      .array(
        z
          .object({
            system: z.string().min(1).max(200).optional().describe("catalog id or alias of the server model, e.g. DGX H100"),
            accelerator: z.string().min(1).max(200).optional(),
            gpus: z.number().int().min(0).max(1024).optional(),
            count: z.number().int().min(1).max(10_000),
            rack: z.string().min(1).max(200).optional().describe("an existing rack (default: where such nodes are)"),
            partition: z.string().min(1).max(200).optional().describe("default: the partitions the rack and labels give"),
            cpus: z.number().int().min(1).optional(),
            memoryGiB: z.number().positive().optional(),
          })
          .strict(),
      )
      .max(100)
      .optional(),
    removeNodes: z.array(z.string().min(1).max(200)).max(10_000).optional(),
    policy: z.string().min(1).max(100).optional(),
    profile: z.string().min(1).max(65_536).optional().describe("a SchedulerProfile (YAML or JSON text)"),
    quotas: z
      .array(
        z
          .object({
            queue: z.string().min(1).max(200),
            nominalGpus: z.number().min(0),
            cohort: z.string().min(1).max(200).optional(),
            borrowingLimitGpus: z.number().min(0).optional(),
          })
          .strict(),
      )
      .max(1000)
      .optional(),
    cancel: z.array(z.string().min(1).max(100)).max(10_000).optional(),
    priorities: z
      .array(z.object({ jobId: z.string().min(1).max(100), priority: z.number().int().min(-1000).max(1000) }).strict())
      .max(10_000)
      .optional(),
    jobs: z.array(z.unknown()).max(100).optional().describe("hypothetical jobs (Job documents, as objects or YAML text)"),
    horizonS: z
      .number()
      .positive()
      .max(90 * 86400)
      .optional()
      .describe("how far ahead to forecast (default 7 days)"),
  })
  .strict();

const Summary = z.object({
  pending: z.number(),
  meanDelayS: z.number(),
  p50DelayS: z.number(),
  p90DelayS: z.number(),
  maxDelayS: z.number(),
  utilizationNext1h: z.number(),
  utilizationNext6h: z.number(),
  neverStart: z.number(),
});
const JobDelta = z.object({
  id: z.string(),
  name: z.string().optional(),
  queue: z.string(),
  beforeStartMs: z.number().optional(),
  afterStartMs: z.number().optional(),
  deltaS: z.number().optional().describe("after − before: negative starts earlier"),
});
const WhatIfAnswer = z.object({
  before: Summary,
  after: Summary,
  jobs: z.array(JobDelta),
  gainers: z.array(JobDelta),
  losers: z.array(JobDelta),
  utilization: z.object({ before: z.array(z.tuple([z.number(), z.number()])), after: z.array(z.tuple([z.number(), z.number()])) }),
  computedMs: z.number(),
  stateAtMs: z.number().describe("when the scheduling loop saw the state the what-if forks"),
});
type JobDelta = z.infer<typeof JobDelta>;

/** Order: jobs that start only after the change (or only before) first, then by how much they move. */
function rank(jobs: readonly JobDelta[], sign: 1 | -1): JobDelta[] {
  const moved = (j: JobDelta): number =>
    j.deltaS !== undefined
      ? -sign * j.deltaS
      : (
            sign === 1
              ? j.afterStartMs !== undefined && j.beforeStartMs === undefined
              : j.beforeStartMs !== undefined && j.afterStartMs === undefined
          )
        ? Infinity
        : 0;
  return jobs
    .filter((j) => moved(j) > 0)
    .sort((a, b) => moved(b) - moved(a) || a.id.localeCompare(b.id))
    .slice(0, 5);
}

export function whatIfRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  const maxBytes = (ctx.cluster.limits ?? DEFAULT_LIMITS).maxJobBytes;
  return async (app) => {
    acceptYaml(app, ctx.cluster.limits);
    // hypothetical jobs written as YAML are parsed on a worker thread, like submissions
    const yaml = new OffThreadValidator();
    app.addHook("onClose", async () => {
      await yaml.close();
    });
    const parsedJobs = async (docs: readonly unknown[]): Promise<unknown[]> => {
      const issues: Issue[] = [];
      const out = await Promise.all(
        docs.map(async (doc, i) => {
          if (typeof doc !== "string") return doc;
          const r = await yaml.validate(doc, ctx.catalog, { maxBytes });
          issues.push(...r.issues.map((x) => ({ ...x, path: `jobs[${i}].${x.path}` })));
          return r.document?.value;
        }),
      );
      if (issues.length > 0) throw new UnprocessableError("UNPROCESSABLE", `Invalid what-if: ${issues.length} problem(s)`, issues);
      return out;
    };
    app.post(
      "/api/v1/whatif",
      {
        schema: {
          tags: ["twin"],
          summary: "Forecast the live cluster before and after changes (nodes, policy, quotas, jobs); changes nothing",
          description:
            "Forks the live state (running jobs with predicted remaining time, the queue, cordons, quotas) and forecasts it with the " +
            "same predictors before and after the changes. Users see the names of their own jobs only; others' are anonymised.",
          body: WhatIfBody,
          response: withErrors({ 200: WhatIfAnswer }, [403, 422]),
          security: [{ bearer: [] }],
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const t0 = performance.now();
        const twin = twinFor(ctx);
        const input = await twin.whatIfInput();
        const listed = await ctx.store.jobs.list({ states: ["pending", "admitted", "running"], limit: 1_000_000 });
        const records = new Map(listed.map((j) => [j.id, j]));
        const own = (id: string): boolean => p.role !== "user" || records.get(id)?.user === p.user;
        const live = new Set([...input.state.running.map((r) => r.job.id), ...input.state.pending.map((x) => x.job.id)]);
        const docs = req.body.jobs === undefined ? undefined : await parsedJobs(req.body.jobs);
        const { plan, issues } = planOf(
          { ...req.body, ...(docs ? { jobs: docs } : {}) },
          {
            input,
            catalog: ctx.catalog,
            predictor: twin.predictor,
            visibleJob: (id) => live.has(id) && own(id),
            user: p.user,
          },
        );
        if (plan === undefined) throw new UnprocessableError("UNPROCESSABLE", `Invalid what-if: ${issues.length} problem(s)`, issues);
        const wire: WhatIfWire = await twin.whatIf(input, plan);
        const hypo = new Map(plan.jobs.map((h) => [h.pending.job.id, h.name]));
        let others = 0;
        const anon = new Map<string, string>();
        const shown = (j: WhatIfJobWire): JobDelta => {
          const name = hypo.get(j.id) ?? records.get(j.id)?.name;
          const mine = hypo.has(j.id) || own(j.id);
          const id = mine ? j.id : (anon.get(j.id) ?? (anon.set(j.id, `other-${++others}`), `other-${others}`));
          const ms = (s: number | undefined): number | undefined => (s === undefined ? undefined : Math.round(s * 1000));
          return {
            id,
            ...(mine && name !== undefined ? { name } : {}),
            queue: j.queue,
            ...(j.beforeStartS !== undefined ? { beforeStartMs: ms(j.beforeStartS) } : {}),
            ...(j.afterStartS !== undefined ? { afterStartMs: ms(j.afterStartS) } : {}),
            ...(j.beforeStartS !== undefined && j.afterStartS !== undefined ? { deltaS: Math.round(j.afterStartS - j.beforeStartS) } : {}),
          };
        };
        const jobs = wire.jobs.map(shown);
        const series = (list: readonly [number, number][]): [number, number][] => list.map(([t, r]) => [Math.round(t * 1000), r]);
        return {
          before: wire.before,
          after: wire.after,
          jobs,
          gainers: rank(jobs, 1),
          losers: rank(jobs, -1),
          utilization: { before: series(wire.utilization.before), after: series(wire.utilization.after) },
          computedMs: Math.round(performance.now() - t0),
          stateAtMs: Math.round(input.state.nowS * 1000),
        };
      },
    );
  };
}

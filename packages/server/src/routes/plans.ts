import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Issue } from "@aidc/core";
import {
  checkValidation,
  parseScenario,
  planDatacenter,
  planInference,
  planTraining,
  type ScenarioKind,
  type ValidationEntry,
} from "@aidc/planner";
import type { ServerContext } from "../context.js";

const IssueSchema = z.object({ code: z.string(), path: z.string(), message: z.string(), line: z.number().optional() });
const Rejected = z.object({ ok: z.literal(false), issues: z.array(IssueSchema) });

/** Planner over REST: the same scenario files as `aidc plan`, posted as JSON; bad scenarios answer 422 with issues. */
export function planRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    const scenario = <K extends ScenarioKind>(body: unknown, kind: K): { value?: unknown; issues: Issue[] } => {
      const r = parseScenario(body, kind);
      return r.scenario ? { value: r.scenario.value, issues: [] } : { issues: r.issues };
    };

    app.post(
      "/api/v1/plans/train",
      {
        schema: {
          tags: ["plans"],
          summary: "Estimate a TrainingScenario (step time, MFU, memory, totals); ?search=true ranks parallel configurations",
          querystring: z.object({ search: z.enum(["true", "false"]).default("false") }),
          body: z.unknown(),
          response: { 200: z.unknown(), 422: Rejected },
        },
      },
      async (req, reply) => {
        const s = scenario(req.body, "TrainingScenario");
        if (!s.value) return reply.status(422).send({ ok: false, issues: s.issues });
        const r = planTraining(s.value as Parameters<typeof planTraining>[0], ctx.catalog, { search: req.query.search === "true" });
        return r.plan ? r.plan : reply.status(422).send({ ok: false, issues: r.issues });
      },
    );

    app.post(
      "/api/v1/plans/infer",
      {
        schema: {
          tags: ["plans"],
          summary: "Size inference for an InferenceScenario",
          body: z.unknown(),
          response: { 200: z.unknown(), 422: Rejected },
        },
      },
      async (req, reply) => {
        const s = scenario(req.body, "InferenceScenario");
        if (!s.value) return reply.status(422).send({ ok: false, issues: s.issues });
        const r = planInference(s.value as Parameters<typeof planInference>[0], ctx.catalog);
        return r.plan ? r.plan : reply.status(422).send({ ok: false, issues: r.issues });
      },
    );

    app.post(
      "/api/v1/plans/datacenter",
      {
        schema: { tags: ["plans"], summary: "Size a DatacenterScenario", body: z.unknown(), response: { 200: z.unknown(), 422: Rejected } },
      },
      async (req, reply) => {
        const s = scenario(req.body, "DatacenterScenario");
        if (!s.value) return reply.status(422).send({ ok: false, issues: s.issues });
        const r = planDatacenter(s.value as Parameters<typeof planDatacenter>[0], ctx.catalog);
        return r.plan ? r.plan : reply.status(422).send({ ok: false, issues: r.issues });
      },
    );

    app.post(
      "/api/v1/plans/check",
      {
        schema: {
          tags: ["plans"],
          summary: "Predict every measured key of a planner-validation document ({entries: [...]})",
          body: z.object({ entries: z.array(z.record(z.string(), z.unknown())) }).passthrough(),
        },
      },
      async (req) => checkValidation(req.body.entries as unknown as ValidationEntry[], ctx.catalog),
    );
  };
}

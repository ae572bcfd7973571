import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Issue } from "@aidc/core";
import {
  checkValidation,
  DatacenterScenario,
  parseConventions,
  InferenceScenario,
  planDatacenter,
  planInference,
  planTraining,
  TrainingScenario,
  type ValidationEntry,
} from "@aidc/planner";
import { acceptYaml } from "./yaml-body.js";
import type { ServerContext } from "../context.js";
import { UnprocessableError } from "../errors.js";

const IssueSchema = z.object({ code: z.string(), path: z.string(), message: z.string(), line: z.number().optional() });
const Rejected = z.object({ error: z.object({ code: z.string(), message: z.string(), issues: z.array(IssueSchema).optional() }) });
const Obj = z.record(z.string(), z.unknown());

const TrainingPlan = z.looseObject({
  scenario: z.string(),
  model: z.string(),
  accelerator: z.string(),
  gpus: z.number(),
  parallel: Obj.optional(),
  estimate: Obj.optional(),
  totals: Obj.optional(),
  search: z.looseObject({ evaluated: z.number(), feasible: z.number(), prunedMemory: z.number(), top: z.array(Obj) }).optional(),
});
const InferencePlan = z.looseObject({
  scenario: z.string(),
  model: z.string(),
  accelerator: z.string(),
  options: z.array(Obj),
  best: Obj.optional(),
});
const DatacenterPlan = z.looseObject({
  scenario: z.string(),
  system: z.string(),
  accelerator: z.string(),
  gpus: z.number(),
  nodes: z.number(),
  racks: z.number(),
});
const ValidationEntrySchema = z.looseObject({
  id: z.string().min(1),
  kind: z.string().min(1),
  source: z.looseObject({ ref: z.string().optional(), also: z.string().optional() }).optional(),
  model: Obj.optional(),
  hardware: Obj.optional(),
  parallelism: Obj.optional(),
  precision: z.string().optional(),
  workload: Obj.optional(),
  measured: Obj.optional(),
  notes: z.string().optional(),
});
const CheckReport = z.looseObject({
  entries: z.array(Obj),
  summary: z.looseObject({ byKind: Obj, coverage: z.number() }),
  conventions: z.enum(["request"]).nullable(),
});

/** A scenario that is valid but cannot be planned (unknown model, does not fit): 422 with the issues. */
function unplannable(issues: readonly Issue[]): UnprocessableError {
  return new UnprocessableError(
    "INVALID_SCENARIO",
    `Cannot plan this scenario: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    issues,
  );
}

/**
 * Planner over REST: the same scenario files as `aidc plan`, posted as JSON and checked by the
 * planner's own schemas (400 with issues); a scenario that cannot be planned answers 422.
 */
export function planRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    acceptYaml(app, ctx.cluster.limits);
    app.post(
      "/api/v1/plans/train",
      {
        schema: {
          tags: ["plans"],
          summary: "Estimate a TrainingScenario (step time, MFU, memory, totals); ?search=true ranks parallel configurations",
          querystring: z.object({ search: z.enum(["true", "false"]).default("false") }),
          body: TrainingScenario,
          response: { 200: TrainingPlan, 422: Rejected },
        },
      },
      async (req) => {
        // the narrow space answers in well under a second; the wide one can take tens of seconds on the event loop
        const r = planTraining(req.body, ctx.catalog, { search: req.query.search === "true", space: "narrow" });
        if (!r.plan) throw unplannable(r.issues);
        return r.plan as unknown as z.infer<typeof TrainingPlan>;
      },
    );

    app.post(
      "/api/v1/plans/infer",
      {
        schema: {
          tags: ["plans"],
          summary: "Size inference for an InferenceScenario",
          body: InferenceScenario,
          response: { 200: InferencePlan, 422: Rejected },
        },
      },
      async (req) => {
        const r = planInference(req.body, ctx.catalog);
        if (!r.plan) throw unplannable(r.issues);
        return r.plan as unknown as z.infer<typeof InferencePlan>;
      },
    );

    app.post(
      "/api/v1/plans/datacenter",
      {
        schema: {
          tags: ["plans"],
          summary: "Size a DatacenterScenario",
          body: DatacenterScenario,
          response: { 200: DatacenterPlan, 422: Rejected },
        },
      },
      async (req) => {
        const r = planDatacenter(req.body, ctx.catalog);
        if (!r.plan) throw unplannable(r.issues);
        return r.plan as unknown as z.infer<typeof DatacenterPlan>;
      },
    );

    app.post(
      "/api/v1/plans/check",
      {
        schema: {
          tags: ["plans"],
          summary: "Predict every measured key of a planner-validation document ({entries: [...]})",
          description:
            "`conventions` is an optional PlannerConventions document (the per-source FLOP conventions, software stack and " +
            "accounting of planner-conventions.yaml); without it every source gets the defaults (`conventions: null` in the answer)",
          body: z.looseObject({ entries: z.array(ValidationEntrySchema).max(10_000), conventions: z.unknown().optional() }),
          response: { 200: CheckReport, 422: Rejected },
        },
      },
      async (req) => {
        let conventions;
        if (req.body.conventions !== undefined) {
          const parsed = parseConventions(req.body.conventions);
          if (!parsed.table) {
            const issues = parsed.issues.map((i) => ({ ...i, path: i.path === "(document)" ? "conventions" : `conventions.${i.path}` }));
            throw new UnprocessableError(
              "INVALID_DOCUMENT",
              `Bad conventions: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
              issues,
            );
          }
          conventions = parsed.table;
        }
        const report = checkValidation(req.body.entries as ValidationEntry[], ctx.catalog, { conventions });
        return { ...report, conventions: conventions ? "request" : null } as unknown as z.infer<typeof CheckReport>;
      },
    );
  };
}

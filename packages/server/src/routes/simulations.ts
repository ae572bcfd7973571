import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { InvalidInputError } from "@aidc/core";
import { runScenario, scenarioSetup, type ScenarioProfile, type TraceJob } from "@aidc/simulator";
import { principalOf } from "../auth.js";
import { acceptYaml } from "./yaml-body.js";
import type { ServerContext } from "../context.js";
import type { JobRecord } from "../store/jobs.js";

const TraceJobSchema = z.strictObject({
  id: z.string().min(1),
  submitS: z.number().min(0),
  durationS: z.number().min(0),
  gpus: z.number().int().min(0),
  gpuMilli: z.number().int().min(1).max(1000).optional(),
  queue: z.string().min(1),
  priority: z.number().int().optional(),
  estimateS: z.number().min(0).optional(),
});

const Body = z.strictObject({
  policies: z
    .array(z.string().min(1))
    .min(1)
    .max(20)
    .optional()
    .describe("built-in policies (default: backfill-easy, or none with a profile)"),
  profile: z.string().min(1).max(65_536).optional().describe("a SchedulerProfile (YAML or JSON text), replayed before the policies"),
  jobs: z.array(TraceJobSchema).max(200_000).optional().describe("a trace to replay; the store's finished jobs when absent"),
  nodeScale: z.number().min(0.01).max(100).default(1),
  seed: z.number().int().min(0).default(1),
});

const Result = z.object({
  cluster: z.string(),
  jobs: z.number(),
  results: z.array(z.looseObject({ policy: z.string(), finished: z.number(), wallS: z.number() }).describe("SimMetrics per policy")),
});

/** The live cluster's finished jobs as a trace: what really ran, replayable under other policies. */
export function historyTrace(jobs: readonly JobRecord[]): TraceJob[] {
  const done = jobs.filter((j) => j.startedAtMs !== undefined && j.finishedAtMs !== undefined);
  const origin = Math.min(...done.map((j) => j.submittedAtMs));
  return done.map((j) => ({
    id: j.id,
    submitS: (j.submittedAtMs - origin) / 1000,
    durationS: Math.max(0, ((j.finishedAtMs ?? 0) - (j.startedAtMs ?? 0)) / 1000),
    gpus: j.spec.tasks.reduce((s, t) => s + t.replicas * t.resources.gpus, 0),
    queue: j.queue,
    priority: j.priority,
    ...(j.spec.runtimeEstimateS !== undefined ? { estimateS: j.spec.runtimeEstimateS } : {}),
  }));
}

export function simulationRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    acceptYaml(app, ctx.cluster.limits);
    app.post(
      "/api/v1/simulations",
      {
        schema: {
          tags: ["simulate"],
          summary: "Replay a trace (default: this cluster's finished jobs) on this cluster under a profile and/or several policies",
          body: Body,
          response: { 200: Result },
        },
      },
      async (req) => {
        principalOf(req);
        const b = req.body;
        const trace = b.jobs ?? historyTrace(await ctx.store.jobs.list({ states: ["succeeded", "failed", "cancelled"], limit: 200_000 }));
        if (trace.length === 0) {
          throw new InvalidInputError("Nothing to simulate", [
            { code: "empty", path: "jobs", message: "no jobs given and no finished jobs in the store yet" },
          ]);
        }
        // built once: every policy replays on the same nodes
        const setup = scenarioSetup({ model: ctx.cluster }, b.nodeScale);
        const schedulers: { scheduler: ScenarioProfile; path: string | undefined }[] = [
          ...(b.profile !== undefined ? [{ scheduler: { profile: b.profile }, path: undefined }] : []),
          ...(b.policies ?? (b.profile !== undefined ? [] : ["backfill-easy"])).map((policy, i) => ({
            scheduler: { policy },
            path: `policies[${i}]`,
          })),
        ];
        const results = schedulers.map(({ scheduler, path }) => {
          const r = runScenario({
            cluster: { setup },
            scheduler,
            trace,
            seed: b.seed,
            ...(path !== undefined ? { issuePath: path } : {}),
            wallMs: () => performance.now(),
          });
          if (r.ok) return { ...r.value.metrics, wallS: r.value.wallS };
          if (scheduler.profile !== undefined)
            throw new InvalidInputError(
              "Invalid profile",
              r.issues.map((i) => ({ ...i, path: `profile.${i.path}` })),
            );
          throw new InvalidInputError(`Unknown policy "${scheduler.policy}"`, r.issues);
        });
        return { cluster: ctx.cluster.name, jobs: trace.length, results };
      },
    );
  };
}

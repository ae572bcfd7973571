import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { InvalidInputError, NotFoundError } from "@aidc/core";
import { explainLime, explainOcclusion, explainShap } from "@aidc/workloads";
import { principalOf, requireRole } from "../auth.js";
import { ProjectRepo } from "../artifacts/projects.js";
import type { ServerContext } from "../context.js";
import { MAX_INSTANCES, MAX_TEXT_CHARS, type ModelServing } from "../models/serving.js";
import { badRef } from "./artifacts.js";
import { modelVisibility } from "../models/visibility.js";

const Text = z.string().min(1).max(MAX_TEXT_CHARS);
const Instance = z.union([Text, z.object({ text: Text })]);
const PredictBody = z.object({ instances: z.array(Instance).min(1).max(MAX_INSTANCES) });
const Prediction = z.object({
  label: z.enum(["positive", "negative"]),
  score: z.number(),
  explanation: z.array(z.object({ token: z.string(), index: z.number(), weight: z.number() })).optional(),
  /** How to read the weights: SHAP explains log-odds from the empty text's `base`; occlusion and LIME P(positive). */
  attribution: z
    .object({ method: z.enum(["occlusion", "lime", "shap"]), output: z.enum(["probability", "log-odds"]), base: z.number().optional() })
    .optional(),
});
/**
 * SHAP's bound on a text's tokens: exact SHAP costs O(p²) in the positions p that one self-overlapping repeated n-gram
 * covers (a crafted "bad bad bad …"), so 2,500 tokens keep that near a second; the longest of the 25,000 IMDB test
 * reviews has 2,250 tokens (99th percentile 901).
 */
const MAX_SHAP_TOKENS = 2500;
const ServedView = z.object({
  name: z.string(),
  /** The project that owns the served name; null for a package the operator put in the models folder. */
  project: z.string().nullable(),
  source: z.enum(["promoted", "package"]),
  artifact: z.object({ id: z.string(), project: z.string(), name: z.string(), version: z.number() }).optional(),
  promotedBy: z.string().optional(),
  promotedAtMs: z.number().optional(),
  public: z.boolean().describe("predictions need no token (marked public in the promotion, or in a package's serving.json)"),
});
type ServedView = z.infer<typeof ServedView>;
const Name = z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "a model name") });

/**
 * Served models: each name is bound to one artifact version by an explicit promotion
 * (`POST /api/v1/models/{name}/promote`), or is a package the operator put in `<data-dir>/models/`.
 * `POST /api/v1/models/{name}:predict` answers predictions (the Open Inference Protocol is in oip-v2.ts).
 */
export function modelRoutes(ctx: ServerContext, serving: ModelServing): FastifyPluginAsyncZod {
  return async (app) => {
    const { registry, predict, served } = serving;
    const projects = new ProjectRepo(ctx.store);
    const visibility = modelVisibility(ctx);

    const viewOf = async (name: string): Promise<ServedView | undefined> => {
      const b = await served.binding(name);
      if (b === undefined)
        return served.folderNames().includes(name)
          ? { name, project: null, source: "package", public: await visibility.isPublic(name) }
          : undefined;
      const a = await ctx.store.artifacts.get(b.artifactId);
      return {
        name,
        project: b.project,
        source: "promoted",
        ...(a ? { artifact: { id: a.id, project: a.project, name: a.name, version: a.version } } : {}),
        promotedBy: b.promotedBy,
        promotedAtMs: b.promotedAtMs,
        public: await visibility.isPublic(name),
      };
    };

    app.get(
      "/api/v1/models",
      {
        schema: {
          tags: ["models"],
          summary: "Served models: name, owning project and the artifact version each serves",
          response: { 200: z.object({ models: z.array(ServedView) }) },
        },
      },
      async (req) => {
        principalOf(req);
        const models: ServedView[] = [];
        for (const n of await registry.servedNames()) {
          const v = await viewOf(n);
          if (v !== undefined) models.push(v);
        }
        return { models };
      },
    );

    app.get(
      "/api/v1/models/:name",
      {
        schema: {
          tags: ["models"],
          summary:
            "A served model: what it serves, its manifest, its differential-privacy budget (privacy: ε, δ, σ, clipping, sampling; null without DP), serving options and latency (p50/p99 over recent requests, ms)",
          params: Name,
          response: { 200: z.record(z.string(), z.unknown()) },
        },
      },
      async (req) => {
        principalOf(req);
        const m = await registry.get(req.params.name);
        return {
          ...(await viewOf(m.name)),
          manifest: m.manifest,
          privacy: m.manifest.privacy ?? null,
          serving: m.serving,
          requests: m.latency.total,
          latencyMs: { p50: m.latency.quantile(0.5), p99: m.latency.quantile(0.99) },
          batches: m.batcher.stats(),
        };
      },
    );

    app.post(
      "/api/v1/models/:name/promote",
      {
        schema: {
          tags: ["models"],
          summary:
            'Serve an artifact version under this name: {"artifact":"project/name:version", "public"?: bool}. A free name is ' +
            "claimed for the artifact's project; a claimed one needs the publisher role in its project. public: true lets anybody " +
            "predict with it without a token (only this model's predict and metadata routes); false makes it private again; " +
            "absent keeps what the name had (a new name starts private)",
          params: Name,
          body: z.strictObject({ artifact: z.string().min(1).max(300), public: z.boolean().optional() }),
          response: { 200: ServedView },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const m = /^([^/:]+)\/([^/:]+)(?::(\d+|latest))?$/.exec(req.body.artifact);
        if (m === null) throw badRef(req.body.artifact, "artifact");
        const [project, name, version = "latest"] = [m[1] ?? "", m[2] ?? "", m[3]];
        const what = `artifact ${project}/${name} version ${version}`;
        await projects.requireRead(p, project, what);
        const a = await ctx.store.artifacts.find(project, name, version === "latest" ? undefined : Number(version));
        if (a === undefined) throw new NotFoundError(`No ${what}`);
        // the binding and the public flag change in one transaction
        await served.promote(ctx.blobs, p, req.params.name, a, ctx.now(), { public: req.body.public });
        return (await viewOf(req.params.name)) as ServedView;
      },
    );

    app.delete(
      "/api/v1/models/:name",
      {
        schema: {
          tags: ["models"],
          summary: "Stop serving a promoted model and release its name (publisher role in the owning project)",
          params: Name,
          response: { 200: ServedView },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const before = await viewOf(req.params.name);
        if (before === undefined) throw new NotFoundError(`No model "${req.params.name}"`);
        await served.unbind(p, req.params.name, ctx.now()); // its public flag goes with it
        return before;
      },
    );

    app.post(
      "/api/v1/models/:target",
      {
        schema: {
          tags: ["models"],
          summary:
            'Predict: {"instances":["text", …]} → {"predictions":[{"label","score"}]}; path /api/v1/models/{name}:predict; ' +
            "?explain=true|occlusion|lime|shap adds per-token attributions (shap: exact for the fast preset, KernelSHAP for the " +
            "LSTM, in log-odds). Needs a token of any role, none for a model marked public",
          params: z.object({ target: z.string() }),
          querystring: z.object({ explain: z.enum(["true", "false", "occlusion", "lime", "shap"]).optional() }),
          body: PredictBody,
          response: { 200: z.object({ model: z.string(), predictions: z.array(Prediction) }) },
        },
      },
      async (req) => {
        const match = /^(.+):predict$/.exec(req.params.target);
        if (!match?.[1]) throw new NotFoundError(`No route POST ${req.url} (did you mean /api/v1/models/${req.params.target}:predict?)`);
        const name = match[1];
        const texts = req.body.instances.map((i) => (typeof i === "string" ? i : i.text));
        const predictions = await predict(name, texts);
        const method = req.query.explain;
        if (method === undefined || method === "false") return { model: name, predictions };
        // explanations cost hundreds of predictions each: a token, also for a public model
        principalOf(req);
        const { model } = await registry.get(name);
        if (method === "shap") {
          const long = texts.flatMap((t, i) => {
            const n = model.tokenize(t).length;
            return n > MAX_SHAP_TOKENS
              ? [{ code: "too_big", path: `instances[${i}]`, message: `has ${n} tokens; explain=shap takes at most ${MAX_SHAP_TOKENS}` }]
              : [];
          });
          if (long.length > 0) throw new InvalidInputError("Cannot explain with SHAP: a text is too long", long);
        }
        const explained = [];
        for (const [i, text] of texts.entries()) {
          const e =
            method === "lime"
              ? await explainLime(model, text, { samples: 300 })
              : method === "shap"
                ? await explainShap(model, text, { samples: 600 })
                : await explainOcclusion(model, text, { maxTokens: 500 });
          const attribution = { method: e.method, output: e.output ?? "probability", ...(e.base !== undefined ? { base: e.base } : {}) };
          explained.push({ ...predictions[i]!, explanation: e.tokens, attribution });
        }
        return { model: name, predictions: explained };
      },
    );
  };
}

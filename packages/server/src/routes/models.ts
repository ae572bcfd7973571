import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError } from "@aidc/core";
import { explainLime, explainOcclusion } from "@aidc/workloads";
import { MAX_INSTANCES, MAX_TEXT_CHARS, type ModelServing } from "../models/serving.js";

const Text = z.string().min(1).max(MAX_TEXT_CHARS);
const Instance = z.union([Text, z.object({ text: Text })]);
const PredictBody = z.object({ instances: z.array(Instance).min(1).max(MAX_INSTANCES) });
const Prediction = z.object({
  label: z.enum(["positive", "negative"]),
  score: z.number(),
  explanation: z.array(z.object({ token: z.string(), index: z.number(), weight: z.number() })).optional(),
});
/**
 * Model serving: `<data-dir>/models/<name>/` packages (made by `aidc train`) answer
 * `POST /api/v1/models/{name}:predict` (the Open Inference Protocol is in oip-v2.ts).
 * The data dir is the store's folder (the artifact store will hold registered models later).
 */
export function modelRoutes(serving: ModelServing): FastifyPluginAsyncZod {
  return async (app) => {
    const { registry, predict } = serving;

    app.get(
      "/api/v1/models",
      {
        schema: {
          tags: ["models"],
          summary: "Model packages this server can serve",
          response: { 200: z.object({ models: z.array(z.string()) }) },
        },
      },
      async () => ({ models: registry.names() }),
    );

    app.get(
      "/api/v1/models/:name",
      {
        schema: {
          tags: ["models"],
          summary: "A model's manifest, serving options and latency (p50/p99 over recent requests, ms)",
          params: z.object({ name: z.string() }),
          response: { 200: z.record(z.string(), z.unknown()) },
        },
      },
      async (req) => {
        const m = await registry.get(req.params.name);
        return {
          name: m.name,
          manifest: m.manifest,
          serving: m.serving,
          requests: m.latency.total,
          latencyMs: { p50: m.latency.quantile(0.5), p99: m.latency.quantile(0.99) },
          batches: m.batcher.stats(),
        };
      },
    );

    app.post(
      "/api/v1/models/:target",
      {
        schema: {
          tags: ["models"],
          summary:
            'Predict: {"instances":["text", …]} → {"predictions":[{"label","score"}]}; path /api/v1/models/{name}:predict; ' +
            "?explain=true|occlusion|lime adds per-token attributions",
          params: z.object({ target: z.string() }),
          querystring: z.object({ explain: z.enum(["true", "false", "occlusion", "lime"]).optional() }),
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
        const { model } = await registry.get(name);
        const explained = [];
        for (const [i, text] of texts.entries()) {
          const e =
            method === "lime" ? await explainLime(model, text, { samples: 300 }) : await explainOcclusion(model, text, { maxTokens: 500 });
          explained.push({ ...predictions[i]!, explanation: e.tokens });
        }
        return { model: name, predictions: explained };
      },
    );
  };
}

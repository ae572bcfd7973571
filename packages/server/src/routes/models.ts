import { dirname, join } from "node:path";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { Histogram, type Registry } from "prom-client";
import { z } from "zod";
import { NotFoundError } from "@aidc/core";
import { ModelRegistry, explainLime, explainOcclusion } from "@aidc/workloads";
import type { ServerContext } from "../context.js";

/** Largest request the model routes take: instances per request, characters per text. */
export const MAX_INSTANCES = 1024;
export const MAX_TEXT_CHARS = 100_000;

const Text = z.string().min(1).max(MAX_TEXT_CHARS);
const Instance = z.union([Text, z.object({ text: Text })]);
const PredictBody = z.object({ instances: z.array(Instance).min(1).max(MAX_INSTANCES) });
const Prediction = z.object({
  label: z.enum(["positive", "negative"]),
  score: z.number(),
  explanation: z.array(z.object({ token: z.string(), index: z.number(), weight: z.number() })).optional(),
});
const InferBody = z.object({
  id: z.string().optional(),
  inputs: z
    .array(
      z.object({
        name: z.string(),
        shape: z.array(z.number().int()),
        datatype: z.literal("BYTES"),
        data: z.array(Text).min(1).max(MAX_INSTANCES),
      }),
    )
    .length(1),
});
const Tensor = z.object({
  name: z.string(),
  shape: z.array(z.number()),
  datatype: z.string(),
  data: z.array(z.union([z.number(), z.string()])),
});

function histogram(registry: Registry, name: string, help: string, buckets: number[]): Histogram<"model"> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<"model">;
  return new Histogram({ name, help, labelNames: ["model"], buckets, registers: [registry] });
}

/**
 * Model serving: `<data-dir>/models/<name>/` packages (made by `aidc train`) answer
 * `POST /api/v1/models/{name}:predict` and the Open Inference Protocol's `POST /v2/models/{name}/infer`.
 * The data dir is the store's folder (the artifact store will hold registered models later).
 */
export function modelRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    const latency = histogram(
      ctx.metrics.registry,
      "aidc_model_request_duration_seconds",
      "Model prediction latency per request, queueing included",
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    );
    const batchSize = histogram(
      ctx.metrics.registry,
      "aidc_model_batch_size",
      "Instances per model batch (dynamic batching)",
      [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    );
    const root = join(dirname(ctx.store.path), "models");
    const registry = new ModelRegistry(root, (model, size) => batchSize.observe({ model }, size));
    app.addHook("onClose", async () => registry.close());

    const predict = async (name: string, texts: string[]): Promise<{ label: "positive" | "negative"; score: number }[]> => {
      const end = latency.startTimer({ model: name });
      try {
        return await registry.predict(name, texts);
      } finally {
        end();
      }
    };

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

    app.post(
      "/v2/models/:name/infer",
      {
        schema: {
          tags: ["models"],
          summary: "Open Inference Protocol (v2) inference: one BYTES input of texts → score (FP32) and label (BYTES)",
          params: z.object({ name: z.string() }),
          body: InferBody,
          response: {
            200: z.object({ model_name: z.string(), model_version: z.string(), id: z.string().optional(), outputs: z.array(Tensor) }),
          },
        },
      },
      async (req) => {
        const texts = req.body.inputs[0]?.data ?? [];
        const predictions = await predict(req.params.name, texts);
        const { manifest } = await registry.get(req.params.name);
        return {
          model_name: req.params.name,
          model_version: manifest.training.dataSha256.slice(0, 12),
          ...(req.body.id === undefined ? {} : { id: req.body.id }),
          outputs: [
            { name: "score", shape: [texts.length], datatype: "FP32", data: predictions.map((p) => p.score) },
            { name: "label", shape: [texts.length], datatype: "BYTES", data: predictions.map((p) => p.label) },
          ],
        };
      },
    );

    app.get(
      "/v2/models/:name/ready",
      { schema: { tags: ["models"], summary: "Open Inference Protocol readiness of one model", params: z.object({ name: z.string() }) } },
      async (req, reply) => {
        await registry.get(req.params.name);
        return reply.status(200).send({ name: req.params.name, ready: true });
      },
    );
  };
}

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { MAX_INSTANCES, MAX_TEXT_CHARS, type ModelServing } from "../models/serving.js";

const Text = z.string().min(1).max(MAX_TEXT_CHARS);
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

/** The Open Inference Protocol (KServe v2 / Triton) routes over the served models. */
export function oipRoutes(serving: ModelServing): FastifyPluginAsyncZod {
  return async (app) => {
    const { registry, predict } = serving;
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

import { createHash } from "node:crypto";
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AIDC_VERSION, AidcError, formatIssue, InvalidInputError, NotFoundError } from "@aidc/core";
import type { ModelManifest, ServedModel } from "@aidc/workloads";
import type { ServerContext } from "../context.js";
import { MAX_INSTANCES, MAX_TEXT_CHARS, type ModelServing } from "../models/serving.js";
import { decodeContent, decodeInferBody, encodeBytesTensor, encodeFp32Tensor, HEADER_LENGTH } from "./oip-v2-binary.js";

/*
 * The Open Inference Protocol (KServe v2 / Triton HTTP) over the served models, as its REST document
 * defines it: health, server and model metadata, model readiness and inference, with Triton's binary tensor
 * data extension. Everything under /v2 answers JSON; errors are `{"error": "<message>"}` (this plugin's own
 * error handler: the app's `{error:{code,…}}` stays for /api). Who may call which route is in access.ts (the
 * health probes are public, the rest needs a token).
 */

const INPUT = "text";
const OUTPUTS = { score: "FP32", label: "BYTES" } as const;
type OutputName = keyof typeof OUTPUTS;
const BEARER = [{ bearer: [] }];

const Text = z.string().min(1).max(MAX_TEXT_CHARS);
const Parameters = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const InferRequest = z.object({
  id: z.string().optional(),
  parameters: Parameters.optional(),
  inputs: z
    .array(
      z.object({
        name: z.string(),
        shape: z.array(z.number().int().nonnegative()),
        datatype: z.string(),
        parameters: Parameters.optional(),
        data: z
          .array(z.union([Text, z.array(Text).length(1)]))
          .min(1)
          .max(MAX_INSTANCES),
      }),
    )
    .min(1),
  outputs: z.array(z.object({ name: z.string(), parameters: Parameters.optional() })).optional(),
});
const TensorMetadata = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number()) });
const ModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string(),
  inputs: z.array(TensorMetadata),
  outputs: z.array(TensorMetadata),
});
const InferResponse = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string().optional(),
  outputs: z.array(
    TensorMetadata.extend({ parameters: Parameters.optional(), data: z.array(z.union([z.number(), z.string()])).optional() }),
  ),
});
const ModelParams = z.object({ name: z.string(), version: z.string().optional() });
const ErrorBody = z.object({ error: z.string() });

const versions = new WeakMap<ModelManifest, string>();
/** A served package's version: its files' digests, so a retrained model is a new version. */
export function versionOf(manifest: ModelManifest): string {
  let v = versions.get(manifest);
  if (v === undefined) {
    const files = Object.entries(manifest.files).sort(([a], [b]) => a.localeCompare(b));
    v = createHash("sha256").update(JSON.stringify(files)).digest("hex").slice(0, 12);
    versions.set(manifest, v);
  }
  return v;
}

function metadataOf(m: ServedModel): z.infer<typeof ModelMetadata> {
  return {
    name: m.name,
    versions: [versionOf(m.manifest)],
    platform: `aidc_${m.manifest.preset}`,
    inputs: [{ name: INPUT, datatype: "BYTES", shape: [-1] }],
    outputs: Object.entries(OUTPUTS).map(([name, datatype]) => ({ name, datatype, shape: [-1] })),
  };
}

const STATUS: Record<string, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TOO_LARGE: 413,
  MODEL_NOT_READY: 503,
};

function clientStatus(err: Error): number | undefined {
  const status = (err as FastifyError).statusCode;
  return status !== undefined && status >= 400 && status < 500 ? status : undefined;
}

/** This edge's one error mapping: the protocol's `{"error": "<string>"}` body. */
function handleOipError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  let status = 500;
  let message = "internal error; see the server log";
  if (err instanceof InvalidInputError) {
    const where = (err as { validationContext?: string }).validationContext;
    const prefix = where === undefined || where === "body" ? "" : `${where}.`;
    status = 400;
    message = err.issues.length === 0 ? err.message : err.issues.map((i) => formatIssue({ ...i, path: prefix + i.path })).join("; ");
  } else if (err instanceof AidcError && STATUS[err.code] !== undefined) {
    status = STATUS[err.code] ?? 500;
    message = err.message;
  } else if (clientStatus(err) !== undefined) {
    status = clientStatus(err)!; // Fastify's own client errors (body too large, …)
    message = err.message;
  } else {
    req.log.error({ err }, "unhandled error");
  }
  if (status === 401) void reply.header("www-authenticate", 'Bearer realm="aidc"');
  void reply.status(status).type("application/json; charset=utf-8").send({ error: message });
}

type InferBody = z.infer<typeof InferRequest>;

/** The texts of the model's one BYTES input, shape [N] or [N, 1]. */
function inputTexts(model: string, inputs: InferBody["inputs"]): { texts: string[]; shape: number[] } {
  const extra = inputs.find((i) => i.name !== INPUT);
  if (extra !== undefined) throw badInput(`unexpected inference input "${extra.name}" for model "${model}" (its input is "${INPUT}")`);
  if (inputs.length > 1) throw badInput(`input "${INPUT}" is given ${inputs.length} times`);
  const input = inputs[0]!;
  if (input.datatype !== "BYTES") throw badInput(`input "${INPUT}" has datatype ${input.datatype}; model "${model}" takes BYTES`);
  const { shape } = input;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw badInput(`input "${INPUT}" has shape [${shape.join(", ")}]; model "${model}" takes [-1] or [-1, 1]`);
  }
  const texts = input.data.flat();
  if (texts.length !== shape[0] || texts.length > MAX_INSTANCES) {
    throw badInput(`input "${INPUT}" has shape [${shape.join(", ")}] but ${texts.length} elements (at most ${MAX_INSTANCES})`);
  }
  return { texts, shape };
}

function badInput(message: string): InvalidInputError {
  return new InvalidInputError(message, []);
}

/** The outputs to return (all when none are named), each as JSON or binary data. */
function requestedOutputs(model: string, body: InferBody): { name: OutputName; binary: boolean }[] {
  const all = body.parameters?.["binary_data_output"] === true;
  if (body.outputs === undefined) return (Object.keys(OUTPUTS) as OutputName[]).map((name) => ({ name, binary: all }));
  return body.outputs.map((o) => {
    if (!Object.hasOwn(OUTPUTS, o.name))
      throw badInput(`unexpected inference output "${o.name}" for model "${model}" (outputs: ${Object.keys(OUTPUTS).join(", ")})`);
    const own = o.parameters?.["binary_data"];
    return { name: o.name as OutputName, binary: own === undefined ? all : own === true };
  });
}

export function oipRoutes(ctx: ServerContext, serving: ModelServing): FastifyPluginAsyncZod {
  return async (app) => {
    const { registry, predict } = serving;
    const bodyLimit = app.initialConfig.bodyLimit ?? 4 * 1024 * 1024;

    async function load(name: string, version: string | undefined, log: FastifyBaseLogger): Promise<ServedModel> {
      let m: ServedModel;
      try {
        m = await registry.get(name);
      } catch (e) {
        if (e instanceof AidcError && e.code === "NOT_FOUND") throw new NotFoundError(`Request for unknown model "${name}"`);
        log.error({ err: e }, `model ${name} cannot be loaded`);
        throw new AidcError("MODEL_NOT_READY", `Model "${name}" is not ready: its package cannot be loaded (the server log says why)`);
      }
      const v = versionOf(m.manifest);
      if (version !== undefined && version !== v)
        throw new NotFoundError(`Request for unknown model "${name}" version "${version}" (versions: ${v})`);
      return m;
    }

    app.setErrorHandler(handleOipError);
    // any content type (or none, as Triton's clients send) is the inference request: JSON, then binary tensors
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer" }, (req, body, done) => {
      try {
        done(null, decodeInferBody(decodeContent(body as Buffer, req.headers["content-encoding"], bodyLimit), req.headers[HEADER_LENGTH]));
      } catch (e) {
        done(e as Error, undefined);
      }
    });

    const live = { tags: ["inference"], summary: "Open Inference Protocol: server live (200, empty body)" };
    app.get("/v2/health/live", { schema: live }, async (_req, reply) => reply.status(200).send());
    const ready = {
      tags: ["inference"],
      summary: "Open Inference Protocol: server ready (200, or 400 while the store is down or shutting down)",
    };
    app.get("/v2/health/ready", { schema: ready }, async (_req, reply) => {
      return reply.status((await ctx.store.ping()) && !ctx.shuttingDown() ? 200 : 400).send();
    });

    app.get(
      "/v2",
      {
        schema: {
          tags: ["inference"],
          summary: "Open Inference Protocol: server metadata",
          security: BEARER,
          response: { 200: z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) }), 401: ErrorBody },
        },
      },
      async () => ({ name: "aidc", version: AIDC_VERSION, extensions: ["binary_tensor_data"] }),
    );

    for (const base of ["/v2/models/:name", "/v2/models/:name/versions/:version"]) {
      const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody };
      app.get(
        base,
        {
          schema: {
            tags: ["inference"],
            summary: "Open Inference Protocol: model metadata",
            security: BEARER,
            params: ModelParams,
            response: { 200: ModelMetadata, ...errors },
          },
        },
        async (req) => metadataOf(await load(req.params.name, req.params.version, req.log)),
      );

      app.get(
        `${base}/ready`,
        {
          schema: {
            tags: ["inference"],
            summary: "Open Inference Protocol: model ready (200, empty body; 400 when its package cannot be loaded)",
            security: BEARER,
            params: ModelParams,
          },
        },
        async (req, reply) => {
          try {
            await load(req.params.name, req.params.version, req.log);
          } catch (e) {
            if (e instanceof AidcError && e.code === "MODEL_NOT_READY") return reply.status(400).send({ error: e.message });
            throw e;
          }
          return reply.status(200).send();
        },
      );

      app.post(
        `${base}/infer`,
        {
          schema: {
            tags: ["inference"],
            summary:
              'Open Inference Protocol: inference. Input "text" (BYTES, shape [N] or [N, 1]) → outputs "score" (FP32) and "label" (BYTES); ' +
              "any Content-Type or none; the binary tensor data extension (Inference-Header-Content-Length) both ways",
            security: BEARER,
            params: ModelParams,
            body: InferRequest,
            response: { 200: InferResponse, ...errors, 413: ErrorBody },
          },
        },
        async (req, reply) => {
          const served = await load(req.params.name, req.params.version, req.log);
          const { texts, shape } = inputTexts(served.name, req.body.inputs);
          const wanted = requestedOutputs(served.name, req.body);
          const predictions = await predict(served.name, texts);
          const values = { score: predictions.map((p) => p.score), label: predictions.map((p) => p.label) };
          const chunks: Buffer[] = [];
          const outputs = wanted.map(({ name, binary }) => {
            const tensor = { name, datatype: OUTPUTS[name], shape };
            if (!binary) return { ...tensor, data: values[name] };
            const raw = name === "score" ? encodeFp32Tensor(values.score) : encodeBytesTensor(values.label);
            chunks.push(raw);
            return { ...tensor, parameters: { binary_data_size: raw.length } };
          });
          const head = {
            model_name: served.name,
            model_version: versionOf(served.manifest),
            ...(req.body.id === undefined ? {} : { id: req.body.id }),
            outputs,
          };
          if (chunks.length === 0) return reply.send(head);
          const json = Buffer.from(JSON.stringify(head), "utf8");
          // binary tensors: the body is no JSON document, so it bypasses the response schema's serializer
          return (reply as FastifyReply)
            .header(HEADER_LENGTH, String(json.length))
            .type("application/octet-stream")
            .send(Buffer.concat([json, ...chunks]));
        },
      );
    }

    // every other /v2 path goes to the app's 404/405 handler (a string error for /v2), never to the console's HTML
    app.all("/v2/*", { schema: { hide: true } }, async (_req, reply) => reply.callNotFound());
  };
}

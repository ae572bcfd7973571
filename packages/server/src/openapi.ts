import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { accessFor, type AccessOptions } from "./access.js";

type Transform = typeof jsonSchemaTransform;
type TransformInput = Parameters<Transform>[0];
type JsonSchema = Record<string, unknown>;

const ISSUE: JsonSchema = {
  type: "object",
  required: ["code", "path", "message"],
  properties: { code: { type: "string" }, path: { type: "string" }, message: { type: "string" }, line: { type: "number" } },
};

/** `{error: {code, message, issues?}}`: the body of every error answer of /api/v1 (see errors.ts). */
export function errorSchema(description: string): JsonSchema {
  return {
    description,
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: { code: { type: "string" }, message: { type: "string" }, issues: { type: "array", items: ISSUE } },
      },
    },
  };
}

/** The Open Inference Protocol's error body: `{error: "<message>"}`. */
function oipErrorSchema(description: string): JsonSchema {
  return { description, type: "object", required: ["error"], properties: { error: { type: "string" } } };
}

const WHY: Record<string, string> = {
  "400": "Invalid request (path, query, header or body); issues name each problem",
  "401": "Missing, unknown or revoked bearer token",
  "403": "The token's role is not enough for this route",
  "404": "Not found (or not visible to this caller)",
  "413": "Request body too large",
  "414": "A path parameter is too long",
  "415": "Unsupported content type",
  "429": "Rate limited; see Retry-After",
};

/**
 * The zod transform of @fastify/swagger plus what every route shares and no route should repeat:
 * the error answers the app itself gives (400 for bad input including unknown query parameters,
 * 401/403/429 from authentication, 404, 413/415 for bodies), and the bearer requirement of every
 * route that is not public (from the access table).
 */
export function documentTransform(options: AccessOptions): Transform {
  return (input: TransformInput) => {
    const out = jsonSchemaTransform(input);
    const schema = out.schema as JsonSchema & { hide?: boolean; response?: Record<string, unknown>; body?: unknown };
    if (schema.hide === true) return out;
    const method = ([] as string[]).concat(input.route.method)[0] ?? "GET";
    const access = accessFor(method, input.url, input.url, options);
    const codes = ["400"];
    if (access !== "public") codes.push("401", "403", "404", "429");
    if (schema.body !== undefined) codes.push("413", "415");
    if (input.url.includes(":")) codes.push("414");
    const oip = /^\/v2(\/|$)/.test(input.url);
    const response: Record<string, unknown> = { ...schema.response };
    // a route that declares no success answer answers 200 (what @fastify/swagger says when nothing is declared)
    if (!Object.keys(response).some((code) => code.startsWith("2"))) response["200"] = { description: "Default Response" };
    for (const code of codes) {
      const why = WHY[code] ?? "Error";
      response[code] ??= oip ? oipErrorSchema(why) : errorSchema(why);
    }
    return {
      ...out,
      schema: { ...schema, response, ...(access !== "public" ? { security: [{ bearer: [] }] } : {}) },
    } as ReturnType<Transform>;
  };
}

import type { FastifyInstance } from "fastify";
import { DEFAULT_LIMITS, InvalidInputError, type Limits } from "@aidc/core";
import { OffThreadValidator } from "./yaml-off-thread.js";

/** The content types read as YAML (JSON is YAML too, but keeps Fastify's own JSON parser). */
export const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml"];

/**
 * Accept YAML bodies on every route of `app` (a plugin scope): parsed into plain data with the
 * same size, alias and nesting limits as a submitted job (large bodies on a worker thread), then
 * checked by the route's own schema like a JSON body. A body that is not YAML answers 400 with
 * the parser's issues. Call once per plugin that has POST routes taking a document.
 */
export function acceptYaml(app: FastifyInstance, limits: Limits | undefined): void {
  const maxBytes = (limits ?? DEFAULT_LIMITS).maxJobBytes;
  const parser = new OffThreadValidator();
  // the OpenAPI document lists the YAML types beside JSON for every body of this scope
  app.addHook("onRoute", (route) => {
    const schema = route.schema as { body?: unknown; consumes?: string[] } | undefined;
    if (schema?.body !== undefined && schema.consumes === undefined) schema.consumes = ["application/json", ...YAML_TYPES];
  });
  app.addHook("onClose", async () => {
    await parser.close();
  });
  app.addContentTypeParser(YAML_TYPES, { parseAs: "string", bodyLimit: maxBytes }, async (_req: unknown, body: string | Buffer) => {
    const r = await parser.parse(String(body), { maxBytes });
    if (r.issues.length > 0) throw new InvalidInputError(`Invalid YAML body: ${r.issues.length} problem(s)`, r.issues);
    return r.data ?? null;
  });
}

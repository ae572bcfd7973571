import type { FastifySchemaCompiler } from "fastify";
import type { z } from "zod";
import { InvalidInputError, issuesFromZod } from "@aidc/core";

/** Validate requests with zod and reject with aidc Issues (path-qualified), not a generic message. */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const r = schema.safeParse(data);
    if (r.success) return { value: r.data };
    const issues = issuesFromZod(r.error, data);
    return { error: new InvalidInputError(`Invalid request: ${issues.length} problem(s)`, issues) };
  };

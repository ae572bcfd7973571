import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AidcError, httpStatusOf, InvalidInputError, type Issue } from "@aidc/core";

/** The JSON body of every error answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly issues?: readonly Issue[] };
}

/** Input that is well formed but cannot be acted on (an invalid document, a plan that does not fit): 422 with the issues. */
export class UnprocessableError extends AidcError {
  readonly issues: readonly Issue[];
  constructor(code: string, message: string, issues: readonly Issue[]) {
    super(code, message);
    this.issues = issues;
  }
}

const FRAMEWORK_CODES: Readonly<Record<number, string>> = { 413: "TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 404: "NOT_FOUND" };

/** The one place where errors become HTTP answers; statuses come from core's ERROR_CATALOG. */
export function handleError(this: unknown, err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof InvalidInputError) {
    const where = (err as { validationContext?: string }).validationContext;
    const issues = where === undefined || where === "body" ? err.issues : err.issues.map((i) => ({ ...i, path: `${where}.${i.path}` }));
    // name the first problem in the message too (a client that prints only the message still says what is wrong)
    const first = issues[0];
    const message = where !== undefined && first !== undefined ? `${err.message}: ${first.path}: ${first.message}` : err.message;
    void reply.status(400).send({ error: { code: err.code, message, issues } } satisfies ErrorBody);
    return;
  }
  if (err instanceof AidcError) {
    const status = httpStatusOf(err.code);
    if (status >= 500) req.log.error({ err }, err.message);
    const issues = (err as { issues?: readonly Issue[] }).issues;
    // the message is the error's own (server paths in it are hidden by the app's onSend hook)
    void reply.status(status).send({ error: { code: err.code, message: err.message, ...(issues ? { issues } : {}) } } satisfies ErrorBody);
    return;
  }
  const fe = err as FastifyError;
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors (bad JSON, wrong content type, body too large) under the catalog's codes
    const code = FRAMEWORK_CODES[fe.statusCode] ?? (/JSON/.test(fe.code ?? "") ? "INVALID_JSON" : "BAD_REQUEST");
    const message = fe.statusCode === 415 ? `${fe.message}; send JSON (application/json) or YAML (application/yaml)` : fe.message;
    void reply.status(fe.statusCode).send({ error: { code, message } } satisfies ErrorBody);
    return;
  }
  req.log.error({ err }, "unhandled error");
  void reply.status(500).send({ error: { code: "INTERNAL", message: "internal error; see the server log" } } satisfies ErrorBody);
}

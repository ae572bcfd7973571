import { z } from "zod";
import { InvalidInputError, JOB_STATES, JobSpec } from "@aidc/core";
import type { JobRecord } from "../store/jobs.js";

/** The digital twin's forecast of a job (explain, POST /api/v1/jobs/forecast). */
export const ForecastSchema = z.object({
  startMs: z.number().describe("p50 forecast start"),
  endMs: z.number().optional(),
  bandStartMs: z.tuple([z.number(), z.number()]).describe("80 % band (p10–p90) of the start"),
  after: z.string().optional().describe("the running job whose end frees the GPUs it starts on"),
  basis: z.string().describe("what the run-time prediction rests on"),
  computedAtMs: z.number(),
  message: z.string(),
});

export const JobView = z.object({
  id: z.string(),
  name: z.string(),
  user: z.string(),
  queue: z.string(),
  priority: z.number(),
  state: z.enum(JOB_STATES),
  attempts: z.number(),
  submittedAtMs: z.number(),
  updatedAtMs: z.number(),
  exitCode: z.number().optional(),
  message: z.string().optional(),
  runId: z.string().optional(),
  startedAtMs: z.number().optional(),
  finishedAtMs: z.number().optional(),
  placement: z.record(z.string(), z.unknown()).optional(),
  spec: z.record(z.string(), z.unknown()),
});

export function view(job: JobRecord): z.infer<typeof JobView> {
  const { placement, spec, ...rest } = job;
  return {
    ...rest,
    spec: spec as unknown as Record<string, unknown>,
    ...(placement ? { placement: placement as unknown as Record<string, unknown> } : {}),
  };
}

/** The body of every error answer (see errors.ts). */
export const ErrorView = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ code: z.string(), path: z.string(), message: z.string(), line: z.number().optional() })).optional(),
  }),
});

const errors = {
  400: ErrorView.describe("invalid input: every problem with its path"),
  401: ErrorView.describe("no or an unknown bearer token"),
  429: ErrorView.describe("too many requests from this caller; see Retry-After"),
};
/** Error answers every job route may give, plus the given ones. */
export function withErrors<T extends Record<number, z.ZodType>>(
  ok: T,
  more: readonly (403 | 404 | 409 | 413 | 415 | 422)[] = [],
): T & Record<number, z.ZodType> {
  const described: Record<number, z.ZodType> = {
    403: ErrorView.describe("the caller's role does not allow this"),
    404: ErrorView.describe("no such job (or not the caller's)"),
    409: ErrorView.describe("conflict: the job's state does not allow this, or the Idempotency-Key was used for another job"),
    413: ErrorView.describe("the body is larger than the cluster's limits.maxJobBytes"),
    415: ErrorView.describe("the body is neither JSON nor YAML"),
    422: ErrorView.describe("the job is valid but this cluster cannot run it (e.g. a GPU type it does not have)"),
  };
  return { ...ok, ...errors, ...Object.fromEntries(more.map((code) => [code, described[code]])) };
}

const jobSpecJson = (() => {
  const { $schema: _drop, ...schema } = z.toJSONSchema(JobSpec, { io: "input", target: "openapi-3.0", unrepresentable: "any" });
  return schema;
})();

/**
 * The POST /api/v1/jobs body: a JobSpec as JSON, or the same document as YAML text. Validated by
 * the handler (YAML parsing within limits, the catalog, the cluster's limits), so the runtime
 * schema accepts anything and the document shows the JobSpec per content type.
 */
export const JobSpecBody = z.unknown().meta({
  description: "A JobSpec (kind: Job), as JSON or as YAML text",
  content: {
    "application/json": { schema: jobSpecJson },
    "application/yaml": { schema: { type: "string", description: "a JobSpec in YAML" } },
    "application/x-yaml": { schema: { type: "string", description: "a JobSpec in YAML" } },
    "text/yaml": { schema: { type: "string", description: "a JobSpec in YAML" } },
  },
});

/** An opaque page cursor: where the previous page ended in listing order (submitted time, id). */
export function encodeCursor(job: Pick<JobRecord, "submittedAtMs" | "id">): string {
  return Buffer.from(`${job.submittedAtMs}:${job.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { submittedAtMs: number; id: string } {
  const m = /^(\d{1,16}):([A-Za-z0-9._-]{1,100})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (m === null) {
    throw new InvalidInputError("Invalid cursor", [
      { code: "invalid_value", path: "querystring.after", message: "is not a cursor returned by this server (use nextCursor)" },
    ]);
  }
  return { submittedAtMs: Number(m[1]), id: m[2] as string };
}

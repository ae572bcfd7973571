/**
 * The one error catalog: every stable error code aidc answers with, its HTTP status and what it
 * means (the message of an answer when the error carries none). The API's error handler and the
 * CLI's exit codes both read it; a code missing here is a bug (HTTP 500, exit 1).
 */
export interface ErrorKind {
  /** HTTP status of an API answer with this code. */
  readonly status: number;
  /** What the code means, in one sentence (a fallback message; OpenAPI descriptions). */
  readonly meaning: string;
}

export const ERROR_CATALOG: Readonly<Record<string, ErrorKind>> = {
  // the request itself is wrong: exit 2 in the CLI
  INVALID_INPUT: { status: 400, meaning: "The input is invalid; issues names every problem with its path" },
  INVALID_JSON: { status: 400, meaning: "The body is not valid JSON" },
  BAD_REQUEST: { status: 400, meaning: "The request is malformed (body, URL or parameters)" },
  INVALID_DOCUMENT: { status: 422, meaning: "The document is well formed but not a valid aidc document; issues lists every problem" },
  INVALID_SCENARIO: { status: 422, meaning: "The scenario is valid but cannot be planned (unknown model, does not fit)" },
  UNPROCESSABLE: { status: 422, meaning: "The input is valid but cannot be acted on here; issues says why" },
  INTEGRITY_ERROR: { status: 422, meaning: "The uploaded content does not match its digest" },
  BLOB_TAMPERED: {
    status: 500,
    meaning: "A stored blob failed its integrity check (an encrypted chunk's tag or the plaintext hash); it is not served",
  },
  KEY_ROTATION_INCOMPLETE: { status: 500, meaning: "Some data keys did not unwrap under the old master key and were left as they were" },
  BLOB_KEY_MISSING: {
    status: 500,
    meaning: "A stored blob is encrypted and its data key, or the master key that wraps it, is not available here; it is not served",
  },
  NOT_TEXT: { status: 422, meaning: "A PII scan was asked of bytes that are not a text dataset (binary, or not a dataset)" },
  DUPLICATE_JOB: { status: 422, meaning: "The trace names the same job twice" },
  BAD_TRACE_JOB: { status: 422, meaning: "A job of the trace cannot be simulated (negative duration or GPUs)" },
  UNAUTHORIZED: { status: 401, meaning: "Missing, unknown or revoked bearer token" },
  FORBIDDEN: { status: 403, meaning: "The token's role or project does not allow this" },
  CLIENT_CERTIFICATE_REQUIRED: {
    status: 403,
    meaning: "The route is for node agents and needs a client certificate signed by the server's --tls-client-ca",
  },
  NOT_FOUND: { status: 404, meaning: "No such object" },
  CATALOG_NOT_FOUND: { status: 404, meaning: "No such catalog item" },
  METHOD_NOT_ALLOWED: { status: 405, meaning: "The route does not take this method; Allow lists those it takes" },
  CONFLICT: { status: 409, meaning: "The object already exists or changed meanwhile" },
  ILLEGAL_TRANSITION: { status: 409, meaning: "The object's state does not allow this (e.g. cancelling a finished job)" },
  IDEMPOTENCY_CONFLICT: { status: 409, meaning: "The Idempotency-Key was used before with another body" },
  OFFSET_MISMATCH: { status: 409, meaning: "The upload offset is not where the server is" },
  QUOTA_EXCEEDED: { status: 413, meaning: "The project's artifact quota would be exceeded" },
  TOO_LARGE: { status: 413, meaning: "The body is larger than the server accepts" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: "The body is neither JSON nor YAML" },
  RATE_LIMITED: { status: 429, meaning: "Too many requests; retry after the Retry-After header's seconds" },
  TOO_MANY_PENDING_JOBS: { status: 429, meaning: "The user or queue has its maximum of pending jobs" },
  STORE_NOT_EMPTY: { status: 409, meaning: "The target store already holds data; copy into an empty one or pass --force to replace it" },
  STORE_VERSION_MISMATCH: {
    status: 409,
    meaning: "The two stores are at different migration versions; open the older one with this aidc first",
  },
  STORE_SCHEMA_MISMATCH: { status: 409, meaning: "The two stores' tables or columns differ, so rows cannot be copied between them" },
  STORE_DUMP_CORRUPT: { status: 422, meaning: "The store dump is cut short, altered or not an aidc store dump" },
  // the CLI's own: a file the caller named cannot be read or written (exit 2)
  UNREADABLE: { status: 400, meaning: "A file or folder the caller named cannot be read (missing, a folder, no permission)" },
  UNWRITABLE: { status: 400, meaning: "An output path the caller named cannot be written" },
  // the server could not do it: exit 1 in the CLI
  INTERNAL: { status: 500, meaning: "A bug; the server log has the details" },
  TWIN_UNAVAILABLE: { status: 503, meaning: "The forecast engine is busy or restarting; retry shortly" },
  NOT_READY: { status: 503, meaning: "The server is not ready yet" },
  MODEL_NOT_READY: { status: 503, meaning: "The model's package cannot be loaded" },
  // MODEL_PACKAGE_INVALID, BAD_PACKAGE: a stored package that does not load is the server's failure (500)
  EXECUTOR_UNAVAILABLE: { status: 503, meaning: "The executor (e.g. Slurm) cannot be reached" },
  STORE_OPEN_FAILED: { status: 503, meaning: "The store (SQLite file or PostgreSQL database) cannot be opened or reached" },
  STORE_TOO_NEW: { status: 503, meaning: "The store has migrations this aidc does not know; upgrade aidc" },
  STORE_MIGRATION_FAILED: { status: 500, meaning: "A schema migration of the store failed and was rolled back" },
  STORE_VERIFY_FAILED: { status: 500, meaning: "A copied store's row counts or checksums differ from its source's" },
  SERVER_CERTIFICATE_UNTRUSTED: {
    status: 502,
    meaning: "The server's TLS certificate is not signed by a trusted CA or not issued for its host name (the CLI refused it)",
  },
  FENCED: { status: 503, meaning: "This replica no longer leads (its lease expired or moved), so the write was not made" },
};

/** The HTTP status of an error code (500 for a code the catalog does not know). */
export function httpStatusOf(code: string): number {
  return ERROR_CATALOG[code]?.status ?? 500;
}

/** The CLI exit code of an error code: 2 when the input was wrong (a 4xx answer), 1 otherwise. */
export function exitCodeOf(code: string): number {
  const status = httpStatusOf(code);
  return status >= 400 && status < 500 && code !== "UNAUTHORIZED" && code !== "FORBIDDEN" && code !== "RATE_LIMITED" ? 2 : 1;
}

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AidcError, InvalidInputError, type Issue } from "@aidc/core";

/** Where the server is and who we are: --url/--token, else AIDC_URL/AIDC_TOKEN, else the local defaults. */
export interface Connection {
  readonly url: string;
  readonly token?: string;
}

export interface ConnectionFlags {
  readonly url?: string;
  readonly token?: string;
}

export function connection(flags: ConnectionFlags = {}): Connection {
  const url = (flags.url ?? process.env["AIDC_URL"] ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
  let token = flags.token ?? process.env["AIDC_TOKEN"];
  // `npm start` keeps its store in ./.aidc: its admin token makes the first steps work without setup
  const local = join(process.env["AIDC_DATA_DIR"] ?? ".aidc", "admin-token");
  if (token === undefined && existsSync(local)) token = readFileSync(local, "utf8").trim();
  return { url, ...(token ? { token } : {}) };
}

interface ErrorBody {
  error?: { code?: string; message?: string; issues?: Issue[] };
}

/** A failed HTTP call: 4xx input errors are bad input (exit 2), the rest failures (exit 1). */
export class HttpError extends AidcError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

export async function request(
  conn: Connection,
  method: string,
  path: string,
  body?: { json?: unknown; raw?: Buffer | string; type?: string; headers?: Record<string, string> },
): Promise<Response> {
  const headers: Record<string, string> = { ...(conn.token ? { authorization: `Bearer ${conn.token}` } : {}), ...body?.headers };
  let payload: string | Buffer | undefined;
  if (body?.json !== undefined) {
    payload = JSON.stringify(body.json);
    headers["content-type"] = "application/json";
  } else if (body?.raw !== undefined) {
    payload = body.raw;
    headers["content-type"] = body.type ?? "application/octet-stream";
  }
  let res: Response;
  try {
    res = await fetch(`${conn.url}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  } catch (cause) {
    throw new AidcError(
      "UNREACHABLE",
      `Cannot reach the aidc server at ${conn.url} (${(cause as Error).message}); is it running? (npm start, or set AIDC_URL)`,
      { cause },
    );
  }
  if (res.ok) return res;
  const text = await res.text();
  let parsed: ErrorBody = {};
  try {
    parsed = JSON.parse(text) as ErrorBody;
  } catch {
    // not JSON: keep the text as the message
  }
  const message = parsed.error?.message ?? (text || res.statusText);
  if (parsed.error?.issues && parsed.error.issues.length > 0) throw new InvalidInputError(message, parsed.error.issues);
  if (res.status === 404 || res.status === 413 || res.status === 416) {
    throw new InvalidInputError(message, [{ code: parsed.error?.code ?? `http_${res.status}`, path: path, message }]);
  }
  const hint = res.status === 401 ? " (set AIDC_TOKEN or pass --token)" : "";
  throw new HttpError(res.status, parsed.error?.code ?? `HTTP_${res.status}`, `${method} ${path}: ${res.status} ${message}${hint}`);
}

export async function requestJson<T>(conn: Connection, method: string, path: string, json?: unknown): Promise<T> {
  const res = await request(conn, method, path, json === undefined ? undefined : { json });
  return (await res.json()) as T;
}

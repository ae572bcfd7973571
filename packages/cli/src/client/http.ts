import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AidcError, InvalidInputError, type Issue } from "@aidc/core/errors";
import { readText } from "../read.js";
import { activeContext } from "./contexts.js";

/** Where the server is, who we are and which CA to trust. */
export interface Connection {
  readonly url: string;
  readonly token?: string;
  /** PEM text of the CA certificate(s) to check the server's TLS certificate against. */
  readonly ca?: string;
  /** The context this came from, if any (for messages). */
  readonly context?: string;
}

export interface ConnectionFlags {
  readonly url?: string;
  readonly token?: string;
}

export const DEFAULT_URL = "http://127.0.0.1:8080";

/**
 * flag > environment (AIDC_URL, AIDC_TOKEN, AIDC_CA) > current context (aidc config use-context) > defaults.
 * Without a context, `npm start`'s admin token in ./.aidc makes the first steps work without setup.
 */
export function connection(flags: ConnectionFlags = {}, env: NodeJS.ProcessEnv = process.env): Connection {
  const ctx = activeContext(env);
  const set = (v: string | undefined): string | undefined => (v === undefined || v === "" ? undefined : v);
  const url = (set(flags.url) ?? set(env["AIDC_URL"]) ?? ctx?.server ?? DEFAULT_URL).replace(/\/+$/, "");
  let token = set(flags.token) ?? set(env["AIDC_TOKEN"]);
  if (token === undefined && ctx?.tokenFile !== undefined) token = readText(ctx.tokenFile).trim();
  if (token === undefined && ctx === undefined) {
    const local = join(env["AIDC_DATA_DIR"] ?? ".aidc", "admin-token");
    if (existsSync(local)) token = readFileSync(local, "utf8").trim();
  }
  const caFile = set(env["AIDC_CA"]) ?? ctx?.ca;
  const ca = caFile !== undefined ? readText(caFile) : undefined;
  return { url, ...(token ? { token } : {}), ...(ca !== undefined ? { ca } : {}), ...(ctx ? { context: ctx.name } : {}) };
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
    res = await send(`${conn.url}${path}`, method, headers, payload, conn.ca);
  } catch (cause) {
    const why = reason(cause);
    const where = conn.context !== undefined ? ` (context ${conn.context})` : "";
    throw new AidcError(
      "UNREACHABLE",
      `Cannot reach the aidc server at ${conn.url}${where} (${why}); is it running? (npm start, or set AIDC_URL)`,
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
  const hint =
    res.status === 401
      ? conn.context !== undefined
        ? ` (context ${conn.context}: check its --token-file, or pass --token)`
        : " (set AIDC_TOKEN, pass --token, or aidc config set-context <name> --server <url> --token-file <file>)"
      : "";
  throw new HttpError(res.status, parsed.error?.code ?? `HTTP_${res.status}`, `${method} ${path}: ${res.status} ${message}${hint}`);
}

export async function requestJson<T>(conn: Connection, method: string, path: string, json?: unknown): Promise<T> {
  const res = await request(conn, method, path, json === undefined ? undefined : { json });
  return (await res.json()) as T;
}

/** The useful part of a connection failure (the socket error is the cause). */
function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND") return "unknown host";
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * One HTTP(S) exchange with node:http(s), answered as a web Response so callers can use json()/text()/body.
 * Not fetch(): its HTTP parser is WebAssembly compiled on the first connection (~150 ms of CPU per CLI call),
 * and it cannot take a CA.
 */
async function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  payload: string | Buffer | undefined,
  ca: string | undefined,
): Promise<Response> {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`unsupported protocol ${target.protocol}`);
  const [http, { Readable }] = await Promise.all([
    target.protocol === "https:" ? import("node:https") : import("node:http"),
    import("node:stream"),
  ]);
  const sized = payload !== undefined ? { "content-length": String(Buffer.byteLength(payload)) } : {};
  return new Promise<Response>((resolve, reject) => {
    const req = http.request(target, { method, headers: { ...headers, ...sized }, ...(ca !== undefined ? { ca } : {}) }, (res) => {
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const x of v) h.append(k, x);
        else if (v !== undefined) h.set(k, v);
      }
      const status = res.statusCode ?? 502;
      const empty = status === 204 || status === 304 || method === "HEAD";
      if (empty) res.resume();
      const body = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      resolve(new Response(body, { status, statusText: res.statusMessage ?? "", headers: h }));
    });
    req.on("error", (e) => reject(new Error(e.message, { cause: e })));
    req.end(payload);
  });
}

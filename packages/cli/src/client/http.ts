import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AidcError, InvalidInputError, type Issue } from "@aidc/core/errors";
import { readText } from "../read.js";
import { activeContext } from "./contexts.js";
import { isPlainServer, isUntrusted, untrustedServer } from "./tls.js";

/** Where the server is, who we are and which CA to trust. */
export interface Connection {
  readonly url: string;
  readonly token?: string;
  /** PEM text of the CA certificate(s) to check the server's TLS certificate against. */
  readonly ca?: string;
  /** The file `ca` came from (named when a certificate is refused). */
  readonly caFile?: string;
  /** PEM text of a client certificate and its key (mutual TLS: `aidc agent --tls-cert/--tls-key`). */
  readonly cert?: string;
  readonly key?: string;
  /** The context this came from, if any (for messages). */
  readonly context?: string;
}

export interface ConnectionFlags {
  readonly url?: string;
  readonly token?: string;
  /** A PEM file of CA certificates (overrides --ca, AIDC_CA and the context's ca). */
  readonly ca?: string;
  /** Client certificate and key PEM files, for servers that require one (mutual TLS). */
  readonly cert?: string;
  readonly key?: string;
}

let selectedCa: string | undefined;

/** The CA file named by the global `--ca <pem>` (main.ts sets it before any command runs). */
export function selectCa(file: string | undefined): void {
  selectedCa = file;
}

export const DEFAULT_URL = "http://127.0.0.1:8080";

/**
 * flag > environment (AIDC_URL, AIDC_TOKEN, AIDC_CA) > current context (aidc config use-context) > defaults;
 * the CA: the command's flag, then the global `--ca`, AIDC_CA, the context's ca.
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
  return { url, ...(token ? { token } : {}), ...tlsSettings(flags, env, ctx?.ca), ...(ctx ? { context: ctx.name } : {}) };
}

/**
 * The TLS part of a connection: the CA file (the flag, the global `--ca`, AIDC_CA, then the context's) and a
 * client certificate with its key, both or neither; files are read now, so a bad path fails before any request.
 */
export function tlsSettings(
  flags: Pick<ConnectionFlags, "ca" | "cert" | "key">,
  env: NodeJS.ProcessEnv = process.env,
  contextCa?: string,
): Pick<Connection, "ca" | "caFile" | "cert" | "key"> {
  const set = (v: string | undefined): string | undefined => (v === undefined || v === "" ? undefined : v);
  const caFile = set(flags.ca) ?? set(selectedCa) ?? set(env["AIDC_CA"]) ?? contextCa;
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    const [has, lacks] = flags.cert !== undefined ? ["--tls-cert", "--tls-key"] : ["--tls-key", "--tls-cert"];
    throw new InvalidInputError(`${has} needs ${lacks}`, [{ code: "required", path: lacks, message: `${has} needs ${lacks}` }]);
  }
  return {
    ...(caFile !== undefined ? { ca: readText(caFile), caFile } : {}),
    ...(flags.cert !== undefined && flags.key !== undefined ? { cert: readText(flags.cert), key: readText(flags.key) } : {}),
  };
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

export async function request(conn: Connection, method: string, path: string, body?: RequestBody): Promise<Response> {
  let res: Response;
  try {
    res = await exchange(conn, method, path, body);
  } catch (cause) {
    const refused = await tlsRefusal(conn, cause);
    if (refused !== undefined) throw refused;
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

/** The body of a request: JSON, or raw bytes with their type, and extra headers. */
export interface RequestBody {
  readonly json?: unknown;
  readonly raw?: Buffer | string;
  readonly type?: string;
  readonly headers?: Record<string, string>;
}

/**
 * One exchange without the error mapping of `request` (any status is an answer; a socket error is thrown as
 * it is): for callers with their own messages, such as the node agent. `timeoutMs` bounds the wait for an answer.
 */
export async function exchange(conn: Connection, method: string, path: string, body?: RequestBody, timeoutMs?: number): Promise<Response> {
  const headers: Record<string, string> = { ...(conn.token ? { authorization: `Bearer ${conn.token}` } : {}), ...body?.headers };
  let payload: string | Buffer | undefined;
  if (body?.json !== undefined) {
    payload = JSON.stringify(body.json);
    headers["content-type"] = "application/json";
  } else if (body?.raw !== undefined) {
    payload = body.raw;
    headers["content-type"] = body.type ?? "application/octet-stream";
  }
  return send(`${conn.url}${path}`, method, headers, payload, conn, timeoutMs);
}

/**
 * The TLS reasons a request failed, as errors that say what to do: an untrusted server certificate
 * (SERVER_CERTIFICATE_UNTRUSTED, naming the expected host and CA and the fingerprint seen), or an https://
 * URL pointing at a server that speaks plain HTTP. Undefined for any other failure.
 */
export async function tlsRefusal(conn: Connection, err: unknown): Promise<AidcError | undefined> {
  if (isUntrusted(err)) return untrustedServer(conn.url, conn.caFile, err, conn.context);
  if (isPlainServer(err))
    return new AidcError(
      "UNREACHABLE",
      `The server at ${conn.url} does not speak TLS (it was started without --tls-cert or --tls-self-signed); use an http:// URL for it`,
      { cause: err },
    );
  return undefined;
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
  tls: { readonly ca?: string; readonly cert?: string; readonly key?: string },
  timeoutMs?: number,
): Promise<Response> {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`unsupported protocol ${target.protocol}`);
  const [http, { Readable }] = await Promise.all([
    target.protocol === "https:" ? import("node:https") : import("node:http"),
    import("node:stream"),
  ]);
  const sized = payload !== undefined ? { "content-length": String(Buffer.byteLength(payload)) } : {};
  return new Promise<Response>((resolve, reject) => {
    const secure = {
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls.cert !== undefined && tls.key !== undefined ? { cert: tls.cert, key: tls.key } : {}),
    };
    const req = http.request(target, { method, headers: { ...headers, ...sized }, ...secure }, (res) => {
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
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.end(payload);
  });
}

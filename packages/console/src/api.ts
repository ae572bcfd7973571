/** The REST client: bearer token from localStorage, typed errors, 401 -> back to login. */
export interface ApiIssue {
  readonly code?: string;
  readonly path: string;
  readonly message: string;
  readonly line?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: readonly ApiIssue[] = [],
  ) {
    super(message);
  }
}

const KEY = "aidc.token";

export function getToken(): string | undefined {
  return localStorage.getItem(KEY) ?? undefined;
}

export function setToken(token: string | undefined): void {
  if (token === undefined) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, token);
}

let onUnauthorized: () => void = () => undefined;

/** What to do when the server rejects the token (the app sends the user to the login page). */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export interface RequestOptions {
  readonly method?: string;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Use this token instead of the stored one (login checks a token before storing it). */
  readonly token?: string;
}

function headers(opts: RequestOptions): Record<string, string> {
  const out: Record<string, string> = {};
  const token = opts.token ?? getToken();
  if (token) out.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) out["content-type"] = opts.contentType ?? "application/json";
  return out;
}

async function raw(path: string, opts: RequestOptions = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? "GET",
      headers: headers(opts),
      ...(opts.body !== undefined ? { body: typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "The server cannot be reached; retrying…");
  }
  if (res.ok) return res;
  let message = `${res.status} ${res.statusText}`;
  let issues: ApiIssue[] = [];
  try {
    // every error answer of the API is {error: {code, message, issues?}}
    const body = (await res.json()) as { error?: { message?: string; issues?: ApiIssue[] } };
    message = body.error?.message ?? message;
    issues = body.error?.issues ?? [];
  } catch {
    // not JSON; keep the status line
  }
  if (res.status === 401 && opts.token === undefined) onUnauthorized();
  throw new ApiError(res.status, message, issues);
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await raw(path, opts);
  return (await res.json()) as T;
}

/** Read a text stream (e.g. `logs?follow=1`) chunk by chunk until it ends or the signal aborts. */
export async function stream(path: string, onChunk: (text: string) => void, signal: AbortSignal): Promise<void> {
  const res = await raw(path, { signal });
  if (!res.body) {
    onChunk(await res.text());
    return;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onChunk(decoder.decode(value, { stream: true }));
  }
}

export function issueLine(i: ApiIssue): string {
  return `${i.path}${i.line !== undefined ? ` (line ${i.line})` : ""}: ${i.message}`;
}

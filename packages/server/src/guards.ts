import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { z } from "zod";
import { accessFor, accessOf, allows, type AccessOptions } from "./access.js";
import { bearerToken } from "./auth.js";
import type { ErrorBody } from "./errors.js";
import { RateLimiter } from "./rate-limit.js";
import type { TokenStore } from "./store/port.js";

const OIP_PATH = /^\/v2(\/|$|\?)/;

export interface GuardOptions extends AccessOptions {
  /** Requests per second per caller (burst: twice that); 0 turns limiting off. */
  readonly rateLimitPerS: number;
  readonly now: () => number;
}

/** The one error shape; the Open Inference Protocol's routes (/v2) answer `{error: "<message>"}` as that protocol says. */
function send(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  if (OIP_PATH.test(reply.request.url)) return reply.status(status).send({ error: message });
  return reply.status(status).send({ error: { code, message } } satisfies ErrorBody);
}

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/**
 * Authentication before anything else: one onRequest hook (it runs before the body is read or
 * validated, so a caller without a token learns nothing from a 400) looks up the route's access
 * in the table, verifies the bearer token, attaches the principal to the request, and applies
 * the rate limits: per principal when the token is good, per client address when it is not (so
 * rotating made-up tokens cannot escape the limit).
 */
export function authenticateRequests(app: FastifyInstance, tokens: TokenStore, options: GuardOptions): void {
  const perS = options.rateLimitPerS;
  const limiter = perS > 0 ? new RateLimiter(perS, perS * 2, options.now) : undefined;
  const limited = (reply: FastifyReply, key: string): FastifyReply | undefined => {
    const wait = limiter?.take(key) ?? 0;
    if (wait === 0) return undefined;
    void reply.header("retry-after", String(wait));
    return send(reply, 429, "RATE_LIMITED", `Too many requests; retry after ${wait} s`);
  };
  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    const access = await accessOf(req.method, req.routeOptions.url, pathOf(req.url), options);
    if (access === "public") {
      // a route a setting opened (a public model, --public-metrics) still spends compute: limited per client address
      if (accessFor(req.method, req.routeOptions.url, pathOf(req.url)) === "public") return;
      const given = bearerToken(req);
      if (given === undefined) return limited(reply, `address:${req.ip}`);
      // a caller with a token may still need to be known there (a public model's explanations): resolve it now
      const known = await tokens.verify(given);
      if (known !== undefined) req.principal = known;
      return;
    }
    const token = bearerToken(req);
    const principal = token === undefined ? undefined : await tokens.verify(token);
    if (principal === undefined) {
      const stop = limited(reply, `address:${req.ip}`);
      if (stop) return stop;
      void reply.header("www-authenticate", 'Bearer realm="aidc"');
      return send(
        reply,
        401,
        "UNAUTHORIZED",
        token === undefined ? "Missing bearer token (Authorization: Bearer <token>)" : "Unknown or revoked token",
      );
    }
    req.principal = principal;
    const stop = limited(reply, `user:${principal.user}`);
    if (stop) return stop;
    if (!allows(principal.role, access)) {
      return send(reply, 403, "FORBIDDEN", `This needs the ${access} role; ${principal.user} is ${principal.role}`);
    }
  });
}

/**
 * The router's own refusals (a malformed %-escape, a path parameter over the length limit) in the
 * one error shape; on API paths only to a caller with a valid token (401 first, as everywhere).
 */
export function frameworkErrors(tokens: TokenStore): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    const token = bearerToken(req);
    const status = err.code === "FST_ERR_MAX_PARAM_LENGTH" ? 414 : 400;
    const answer = (): void => {
      const message = status === 414 ? "A path parameter is too long" : "Malformed URL";
      void send(reply, status, status === 414 ? "URI_TOO_LONG" : "BAD_URL", message);
    };
    if (accessFor(req.method, undefined, pathOf(req.url)) === "public") return answer();
    const refuse = (): void => void send(reply, 401, "UNAUTHORIZED", "Missing, unknown or revoked bearer token");
    if (token === undefined) return refuse();
    // the token lookup is asynchronous: answer when it is known (the router does not wait for this handler)
    tokens.verify(token).then(
      (principal) => (principal === undefined ? refuse() : answer()),
      () => refuse(),
    );
  };
}

interface KnownRoute {
  readonly pattern: RegExp;
  readonly methods: readonly string[];
}

function patternOf(url: string): RegExp {
  const parts = url.split("/").map((seg) => (seg.startsWith(":") ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${parts.join("/")}$`);
}

/**
 * The document's rules for every route: unknown query parameters are refused (every querystring
 * schema becomes strict; a route without one accepts none), and a wrong method on an existing
 * path is 405 with an Allow header instead of 404. The console's catch-all keeps its query
 * (`?token=` logs in) and is no path for 405 purposes.
 */
export function enforceDocument(app: FastifyInstance): void {
  const routes: KnownRoute[] = [];
  app.addHook("onRoute", (route: RouteOptions) => {
    if (route.url.includes("*")) return;
    const methods = ([] as string[]).concat(route.method);
    routes.push({ pattern: patternOf(route.url), methods });
    const schema = route.schema ?? {};
    const query = schema.querystring;
    if (query === undefined) route.schema = { ...schema, querystring: z.strictObject({}) };
    else if (query instanceof z.ZodObject) route.schema = { ...schema, querystring: query.strict() };
  });
  app.setNotFoundHandler((req, reply) => {
    const path = pathOf(req.url);
    const allowed = new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods));
    // the method is there but the router did not match (e.g. an escaped slash inside a parameter): not found, not 405
    if (allowed.size > 0 && !allowed.has(req.method)) {
      if (allowed.has("GET")) allowed.add("HEAD");
      void reply.header("allow", [...allowed].sort().join(", "));
      return send(reply, 405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${path}; use ${[...allowed].sort().join(", ")}`);
    }
    return send(reply, 404, "NOT_FOUND", `No route ${req.method} ${path}`);
  });
}

/** Error answers never show where the server keeps its files. */
export function hideInternalPaths(app: FastifyInstance, paths: readonly string[]): void {
  const hidden = [...new Set(paths.filter((p) => p.length > 1))].sort((a, b) => b.length - a.length);
  if (hidden.length === 0) return;
  app.addHook("onSend", async (_req, reply, payload) => {
    if (reply.statusCode < 400 || typeof payload !== "string") return payload;
    let out = payload;
    for (const p of hidden) out = out.split(p).join("<server path>");
    return out;
  });
}

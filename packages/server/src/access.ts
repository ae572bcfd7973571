import { atLeast, type Role } from "./store/tokens.js";

/** Who may call a route: anybody, or a token holding at least this role (viewer < user < operator < admin). */
export type Access = "public" | Role;

/**
 * The minimum role of every route, `"METHOD /route/pattern"` → access; the one place that says
 * who may call what. Handlers keep their finer rules on top (a user sees only their own jobs,
 * cancels only their own jobs, submits only as themselves). Reads need a viewer token,
 * computations without side effects (validate, plan) too, and so do predictions (any role may
 * predict; a model marked public needs no token); changing state or spending the cluster's
 * compute (submit, upload, simulate) needs a user; node and alert operations
 * an operator; tokens an admin. Public: health checks load balancers probe, the OpenAPI
 * document (it describes the API, not its data) and the console's static files.
 */
export const ROUTE_ACCESS: Readonly<Record<string, Access>> = {
  "GET /healthz": "public",
  "GET /readyz": "public",
  "GET /openapi.json": "public",
  "GET /*": "public", // the console's files and its page for client-side routes; API paths under it are not (see accessFor)
  "GET /v2/health/live": "public",
  "GET /v2/health/ready": "public",
  "GET /metrics": "viewer", // public only with --public-metrics

  "GET /api/v1/version": "viewer",
  "GET /api/v1/status": "viewer",
  "GET /api/v1/whoami": "viewer",
  "POST /api/v1/tokens": "admin",

  "GET /api/v1/catalog": "viewer",
  "GET /api/v1/catalog/:section": "viewer",
  "GET /api/v1/catalog/:section/:name": "viewer",
  "GET /api/v1/cluster": "viewer",
  "GET /api/v1/nodes": "viewer",
  "POST /api/v1/nodes/:name/cordon": "operator",
  "DELETE /api/v1/nodes/:name/cordon": "operator",
  "POST /api/v1/nodes/:name/drain": "operator",
  "GET /api/v1/queues": "viewer",
  "GET /api/v1/events": "viewer",
  "POST /api/v1/validate": "viewer",

  "POST /api/v1/jobs": "user",
  "GET /api/v1/jobs": "viewer",
  "GET /api/v1/jobs/:id": "viewer",
  "DELETE /api/v1/jobs/:id": "user",
  "GET /api/v1/jobs/:id/explain": "viewer",
  "GET /api/v1/jobs/:id/logs": "viewer",
  "GET /api/v1/jobs/:id/events": "viewer",
  "POST /api/v1/jobs/forecast": "user", // the twin forecasts for the caller (spends compute, stores nothing)
  "POST /api/v1/whatif": "user",

  "POST /api/v1/uploads": "user",
  "GET /api/v1/uploads/:id": "user",
  "PATCH /api/v1/uploads/:id": "user",
  "DELETE /api/v1/uploads/:id": "user",
  "POST /api/v1/artifacts": "user",
  "GET /api/v1/artifacts": "viewer",
  "GET /api/v1/artifacts/:project/:name/:version": "viewer",
  "PATCH /api/v1/artifacts/:project/:name/:version": "user",
  "DELETE /api/v1/artifacts/:project/:name/:version": "user",
  "GET /api/v1/artifacts/:project/:name/:version/content": "viewer",
  "GET /api/v1/projects": "viewer",
  "POST /api/v1/projects": "user",
  "GET /api/v1/projects/:project": "viewer",
  "POST /api/v1/projects/:project/members": "user", // the handler checks that the caller owns the project
  "DELETE /api/v1/projects/:project/members/:user": "user",
  "PUT /api/v1/projects/:project/quota": "operator",
  "POST /api/v1/artifacts/tiering": "operator",
  // data governance: the handlers narrow further (audit: owners see their projects; rules: owners set them)
  "GET /api/v1/audit": "viewer",
  "GET /api/v1/audit/verify": "admin",
  // federated runs: the handlers show a caller its own runs (operators: all)
  "POST /api/v1/federated/runs": "user",
  "GET /api/v1/federated/runs": "viewer",
  "GET /api/v1/federated/runs/:id": "viewer",
  "GET /api/v1/projects/:project/permissions": "viewer",
  "PUT /api/v1/projects/:project/permissions": "user",
  "GET /api/v1/projects/:project/retention": "viewer",
  "PUT /api/v1/projects/:project/retention": "user",
  "DELETE /api/v1/projects/:project/retention": "user",
  "POST /api/v1/projects/:project/retention/apply": "user",
  "POST /api/v1/artifacts/:project/:name/:version/pii-scan": "user",

  "POST /api/v1/plans/train": "viewer",
  "POST /api/v1/plans/infer": "viewer",
  "POST /api/v1/plans/datacenter": "viewer",
  "POST /api/v1/plans/check": "viewer",
  "POST /api/v1/simulations": "user",

  "GET /api/v1/models": "viewer",
  "GET /api/v1/models/:name": "viewer",
  "POST /api/v1/models/:target": "viewer", // predict: any role (a model marked public: anybody, see MODEL_ROUTES)
  "DELETE /api/v1/models/:name": "user",
  "POST /api/v1/models/:name/promote": "user",
  "GET /v2": "viewer",
  "GET /v2/models/:name": "viewer",
  "GET /v2/models/:name/ready": "viewer",
  "POST /v2/models/:name/infer": "viewer",
  "GET /v2/models/:name/versions/:version": "viewer",
  "GET /v2/models/:name/versions/:version/ready": "viewer",
  "POST /v2/models/:name/versions/:version/infer": "viewer",

  "GET /api/v1/metrics/series": "viewer",
  "GET /api/v1/metrics/status": "viewer",
  "POST /api/v1/metrics/samples": "operator",
  "GET /api/v1/alerts": "viewer",
  "POST /api/v1/alerts/:id/ack": "operator",
  "GET /api/v1/silences": "viewer",
  "POST /api/v1/silences": "operator",
  "DELETE /api/v1/silences/:id": "operator",
  "GET /api/v1/recommendations": "viewer",
};

/** Paths that are always the API: never public, even when only the console's catch-all (or nothing) matches them. */
const API_PATH = /^\/(api|v2)(\/|$)/;

export interface AccessOptions {
  /** Serve /metrics without a token (for a Prometheus that cannot send one). */
  readonly publicMetrics?: boolean;
  /**
   * Whether a served model is marked public in its registration (its predictions need no token).
   * Asked (asynchronously, from the store) by the authentication hook only for the routes a public
   * model opens (see `modelOpenedBy`); `accessFor` itself never asks.
   */
  readonly publicModel?: (name: string) => boolean | Promise<boolean>;
}

/**
 * The routes a public model opens, each with how to read the model's name from the request path:
 * its predictions and its Open Inference Protocol metadata and readiness. Nothing else.
 */
const MODEL_ROUTES: Readonly<Record<string, (path: string) => string | undefined>> = {
  "POST /api/v1/models/:target": (path) => /^(.+):predict$/.exec(segment(path, 4) ?? "")?.[1],
  "POST /v2/models/:name/infer": (path) => segment(path, 3),
  "POST /v2/models/:name/versions/:version/infer": (path) => segment(path, 3),
  "GET /v2/models/:name": (path) => segment(path, 3),
  "GET /v2/models/:name/ready": (path) => segment(path, 3),
  "GET /v2/models/:name/versions/:version": (path) => segment(path, 3),
  "GET /v2/models/:name/versions/:version/ready": (path) => segment(path, 3),
};

/** The i-th segment of a path ("/a/b" → 1: "a"), %-decoded as the router decodes parameters; undefined when malformed. */
function segment(path: string, i: number): string | undefined {
  const raw = path.split("/")[i];
  if (raw === undefined || raw === "") return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * The access a request needs. `route` is the matched route pattern (undefined when no route
 * matches: API paths still need a token, so probing cannot tell which routes exist). A route
 * missing from the table needs a viewer to read and a user for anything else.
 */
export function accessFor(method: string, route: string | undefined, path: string, options: AccessOptions = {}): Access {
  if (route === undefined || route === "/*") return API_PATH.test(path) ? "viewer" : "public";
  const m = method === "HEAD" ? "GET" : method;
  if (route === "/metrics" && m === "GET" && options.publicMetrics === true) return "public";
  return ROUTE_ACCESS[`${m} ${route}`] ?? (m === "GET" ? "viewer" : "user");
}

/** The served model whose public mark would open this request (its predictions, OIP metadata, readiness), if any. */
export function modelOpenedBy(method: string, route: string | undefined, path: string): string | undefined {
  if (route === undefined) return undefined;
  return MODEL_ROUTES[`${method === "HEAD" ? "GET" : method} ${route}`]?.(path);
}

/** accessFor, plus a public model's routes opened when `publicModel` says the model is public (one store read at most). */
export async function accessOf(method: string, route: string | undefined, path: string, options: AccessOptions = {}): Promise<Access> {
  const access = accessFor(method, route, path, options);
  if (access === "public" || options.publicModel === undefined) return access;
  const model = modelOpenedBy(method, route, path);
  return model !== undefined && (await options.publicModel(model)) ? "public" : access;
}

/** True when a caller with `role` may use a route needing `access`. */
export function allows(role: Role | undefined, access: Access): boolean {
  if (access === "public") return true;
  return role !== undefined && atLeast(role, access);
}

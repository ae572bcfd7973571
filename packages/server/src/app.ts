import type { Server as HttpsServer, ServerOptions as HttpsServerOptions } from "node:https";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import { serializerCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { LoggerOptions } from "pino";
import { AIDC_VERSION } from "@aidc/core";
import type { ServerContext } from "./context.js";
import { handleError } from "./errors.js";
import { artifactRoutes } from "./routes/artifacts.js";
import { auditRoutes } from "./routes/audit.js";
import { federatedRoutes } from "./routes/federated.js";
import { governanceRoutes } from "./routes/governance.js";
import { catalogRoutes } from "./routes/catalog.js";
import { clusterRoutes } from "./routes/cluster.js";
import { healthRoutes } from "./routes/health.js";
import { statusRoutes } from "./routes/status.js";
import { consoleRoutes } from "./routes/console.js";
import { jobRoutes } from "./routes/jobs.js";
import { simulationRoutes } from "./routes/simulations.js";
import { tokenRoutes } from "./routes/tokens.js";
import { modelRoutes } from "./routes/models.js";
import { oipRoutes } from "./routes/oip-v2.js";
import { modelServing } from "./models/serving.js";
import { modelVisibility } from "./models/visibility.js";
import { planRoutes } from "./routes/plans.js";
import { observeRoutes } from "./observe/routes.js";
import { recommendationRoutes } from "./routes/recommendations.js";
import { whatIfRoutes } from "./routes/whatif.js";
import { twinFor } from "./twin/live.js";
import { authenticateRequests, enforceDocument, frameworkErrors, hideInternalPaths } from "./guards.js";
import { documentTransform } from "./openapi.js";
import { zodValidatorCompiler } from "./validation.js";
import { requireClientCertificates } from "./tls/client-certs.js";
import { answerPlainHttp } from "./tls/plain-http.js";

export interface AppOptions {
  readonly logger?: LoggerOptions | boolean;
  readonly bodyLimitBytes?: number;
  /** Requests per second per authenticated caller, and per client address for failed authentication (burst: twice that); 0 turns limiting off. */
  readonly rateLimitPerS?: number;
  /** Serve /metrics without a token (`aidc serve --public-metrics`). */
  readonly publicMetrics?: boolean;
  /** Absolute paths (data dir, cluster file) that must never appear in an error answer. */
  readonly internalPaths?: readonly string[];
  /** Serve HTTPS with these settings (see tls/setup.ts); with `requestCert`, agent routes require a verified client certificate. */
  readonly https?: HttpsServerOptions;
}

/** Build the HTTP application (not listening yet). */
export async function buildApp(ctx: ServerContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? 4 * 1024 * 1024,
    // per-request lines would drown the log; request counts and latency are in /metrics
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkErrors(ctx.store.tokens),
    // HTTPS changes only the server under the app: typed as the app every caller knows
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  if (options.https) answerPlainHttp(app.server as unknown as HttpsServer);
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  const visibility = modelVisibility(ctx);
  const access = { publicMetrics: options.publicMetrics === true, publicModel: (name: string) => visibility.isPublic(name) };
  authenticateRequests(app, ctx.store.tokens, { ...access, rateLimitPerS: options.rateLimitPerS ?? 500, now: ctx.now });
  if (options.https?.requestCert === true) requireClientCertificates(app);
  enforceDocument(app);
  hideInternalPaths(app, options.internalPaths ?? []);

  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    // the path only: a query string may carry a secret (a console link's ?token=, a signed URL)
    if (reply.statusCode >= 500) req.log.warn({ url: req.url.split("?")[0], status: reply.statusCode }, "request failed");
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "aidc API", version: AIDC_VERSION, description: "Plan, simulate, run and observe an AI data center" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    transform: documentTransform(access),
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  await typed.register(healthRoutes(ctx));
  await typed.register(statusRoutes(ctx));
  await typed.register(catalogRoutes(ctx));
  await typed.register(clusterRoutes(ctx));
  await typed.register(consoleRoutes());
  await typed.register(jobRoutes(ctx));
  await typed.register(artifactRoutes(ctx));
  await typed.register(auditRoutes(ctx));
  await typed.register(federatedRoutes(ctx));
  await typed.register(governanceRoutes(ctx));
  await typed.register(tokenRoutes(ctx));
  await typed.register(simulationRoutes(ctx));
  const serving = modelServing(ctx);
  app.addHook("onClose", async () => serving.close());
  await typed.register(modelRoutes(ctx, serving));
  await typed.register(oipRoutes(ctx, serving));
  await typed.register(planRoutes(ctx));
  await typed.register(observeRoutes(ctx));
  await typed.register(recommendationRoutes(ctx));
  // the live twin forecasts the queue in the background from now on (explain, submit --test-only, what-if)
  const twin = twinFor(ctx);
  app.addHook("onClose", async () => twin.close());
  await typed.register(whatIfRoutes(ctx));
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { AIDC_VERSION } from "@aidc/core";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aidc</title>
<style>body{font:16px system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#1d2430}a{color:#2457c5}code{background:#eef1f6;padding:0 .25rem}</style>
</head><body>
<h1>aidc ${AIDC_VERSION}</h1>
<p>The control plane is running. The web console arrives with its issue; until then, the API:</p>
<ul>
<li><a href="/api/v1/cluster">/api/v1/cluster</a>: the cluster this server runs</li>
<li><a href="/api/v1/catalog">/api/v1/catalog</a>: accelerators, systems, switches, NICs, models</li>
<li><a href="/openapi.json">/openapi.json</a>: OpenAPI 3 document</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a></li>
</ul>
</body></html>`;

export function homeRoutes(): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/", { schema: { hide: true } }, async (_req, reply) => reply.type("text/html; charset=utf-8").send(PAGE));
  };
}

import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { AIDC_VERSION } from "@aidc/core";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** packages/console/dist, beside this package (dist/routes/console.js -> ../../../console/dist). */
export const CONSOLE_DIST = fileURLToPath(new URL("../../../console/dist/", import.meta.url));

const MISSING = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>aidc</title></head>
<body style="font:16px system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem">
<h1>aidc ${AIDC_VERSION}</h1><p>The control plane is running, but the web console is not built.
Run <code>npm run build</code> (or <code>npm run build -w @aidc/console</code>) and reload.</p>
<p>API: <a href="/openapi.json">/openapi.json</a> · <a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a></p></body></html>`;

/** Paths the console never owns: unknown ones there stay JSON 404s. */
const NOT_CONSOLE = /^\/(api|v2|metrics|healthz|readyz|openapi\.json)(\/|$|\?)/;

/**
 * Serve the built web console at `/`: files under dist with their content types (hashed assets
 * cached for a year), and index.html for every other GET so client-side routes (/jobs/42) reload.
 */
export function consoleRoutes(distDir: string = CONSOLE_DIST): FastifyPluginAsyncZod {
  const root = resolve(distDir);
  const index = join(root, "index.html");
  return async (app) => {
    app.get("/*", { schema: { hide: true } }, async (req, reply) => {
      let path: string;
      try {
        path = decodeURIComponent(req.url.split("?")[0] ?? "/");
      } catch {
        return reply.status(400).send({ error: { code: "BAD_REQUEST", message: "Malformed URL" } });
      }
      // not the console's: the app's not-found handler answers (404, or 405 when the path has other methods)
      if (NOT_CONSOLE.test(path)) return reply.callNotFound();
      const file = normalize(join(root, path));
      if ((file === root || file.startsWith(root + sep)) && existsSync(file) && statSync(file).isFile()) {
        const immutable = file.startsWith(join(root, "assets") + sep);
        return reply
          .type(TYPES[extname(file)] ?? "application/octet-stream")
          .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
          .send(readFileSync(file));
      }
      if (extname(path) !== "" && path.startsWith("/assets/")) {
        return reply.status(404).type("text/plain; charset=utf-8").send(`No file ${path}`);
      }
      const page = existsSync(index) ? readFileSync(index) : MISSING;
      return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(page);
    });
  };
}

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { enforceDocument } from "../guards.js";
import { consoleRoutes } from "./console.js";

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), "aidc-console-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>console</title>");
  writeFileSync(join(dir, "assets", "app-123.js"), "console.log(1)");
  writeFileSync(join(dir, "assets", "app-123.css"), "body{}");
  writeFileSync(join(tmpdir(), "secret-outside.txt"), "secret");
  return dir;
}

describe("consoleRoutes", () => {
  it("serves files with their content types and index.html for client-side routes", async () => {
    const app = Fastify();
    await app.register(consoleRoutes(site()));
    const home = await app.inject({ url: "/" });
    expect(home.statusCode).toBe(200);
    expect(home.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(home.body).toContain("<title>console</title>");
    const js = await app.inject({ url: "/assets/app-123.js" });
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toContain("immutable");
    expect((await app.inject({ url: "/assets/app-123.css" })).headers["content-type"]).toBe("text/css; charset=utf-8");
    const deep = await app.inject({ url: "/jobs/42?x=1" });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain("<title>console</title>");
    expect((await app.inject({ url: "/assets/missing-999.js" })).statusCode).toBe(404);
    await app.close();
  });

  it("leaves API paths to the app's not-found handler and never serves files outside the dist folder", async () => {
    const app = Fastify();
    enforceDocument(app);
    await app.register(consoleRoutes(site()));
    const api = await app.inject({ url: "/api/v1/nope" });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    const escape = await app.inject({ url: "/..%2Fsecret-outside.txt" });
    expect(escape.body).not.toContain("secret");
    expect((await app.inject({ url: "/%E0%A4%A" })).statusCode).toBe(400);
    await app.close();
  });

  it("explains how to build the console when dist is missing", async () => {
    const app = Fastify();
    await app.register(consoleRoutes(join(tmpdir(), "aidc-no-such-console")));
    const r = await app.inject({ url: "/" });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain("npm run build");
    await app.close();
  });
});

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../main.js";
import { NO_PG_REASON, PgSchemas, pgRequired, pgTestUrl } from "../store/contract/harness.testing.js";
import { PgDb } from "../store/pg/db.js";
import { client } from "./http.testing.js";

// The same gate and log as governance-api.test.ts, on a server whose store is PostgreSQL.
const base = pgTestUrl();
const schemas = base === undefined ? undefined : new PgSchemas(base);

describe.skipIf(base === undefined && !pgRequired())(
  `dataset reads audited on PostgreSQL${base === undefined ? ` (skipped: ${NO_PG_REASON})` : ""}`,
  () => {
    let server: RunningServer;
    let url = "";
    const tok: Record<string, string> = {};
    const { call, publish } = client(() => server.url, tok);

    beforeAll(async () => {
      if (schemas === undefined) throw new Error(`${NO_PG_REASON}; CI=true or AIDC_REQUIRE_PG=1 requires this test`);
      url = (await schemas.fresh()).url;
      const dataDir = mkdtempSync(join(tmpdir(), "aidc-gov-pg-"));
      server = await startServer({ host: "127.0.0.1", port: 0, dataDir, store: url, logLevel: "silent", metricsIntervalS: 0 });
      tok["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
      for (const u of ["ann", "ben", "carol"]) tok[u] = await server.store.tokens.create(u, "user", Date.now());
      tok["vic"] = await server.store.tokens.create("vic", "viewer", Date.now());
    });
    afterAll(async () => {
      await server?.close();
      await schemas?.dropAll();
    });

    it("records allowed and denied reads, serves owners their log, refuses UPDATE/DELETE in the database, and verifies", async () => {
      expect((await publish("ann", "nlp", "reviews", Buffer.from('{"text":"a","label":1}\n'))).status).toBe(201);
      for (const [user, role] of [
        ["ben", "reader"],
        ["vic", "reader"],
      ] as const)
        expect((await call("ann", "POST", "/api/v1/projects/nlp/members", { user, role })).status).toBe(200);
      expect((await call("ben", "GET", "/api/v1/artifacts/nlp/reviews/1/content")).status).toBe(200);
      expect((await call("carol", "GET", "/api/v1/artifacts/nlp/reviews/1/content")).status).toBe(404);
      expect((await call("vic", "GET", "/api/v1/artifacts/nlp/reviews/1/content")).status).toBe(403);
      const entries = (await call("ann", "GET", "/api/v1/audit")).body["entries"] as { actor: string; outcome: string }[];
      expect(entries.map((e) => [e.actor, e.outcome])).toEqual([
        ["vic", "denied"],
        ["carol", "denied"],
        ["ben", "allowed"],
      ]);
      expect(((await call("carol", "GET", "/api/v1/audit")).body["entries"] as unknown[]).length).toBe(0);
      const db = new PgDb(url, { max: 1 });
      try {
        await expect(db.query("UPDATE audit_log SET outcome = 'allowed'")).rejects.toThrow(/append-only/);
        await expect(db.query("DELETE FROM audit_log")).rejects.toThrow(/append-only/);
      } finally {
        await db.close();
      }
      expect((await call("admin", "GET", "/api/v1/audit/verify")).body).toEqual({ ok: true, entries: 3 });
    });
  },
);

// The store contract suite's harness: runs a block of tests once per backend, each on stores of its
// own (SQLite: a file in a temp folder; PostgreSQL: a fresh schema of the test database), removed afterwards.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { PgDb } from "../pg/db.js";
import { openStore, type OpenStoreOptions } from "../open.js";
import type { Store } from "../port.js";

export type Backend = "sqlite" | "postgres";

/** What a contract test gets besides `open`. */
export interface StoreKit {
  readonly backend: Backend;
  /** A fresh, empty, migrated store; closed (and its file or schema removed) after the block. */
  open(): Promise<Store>;
  /** The URL of a fresh, empty location (nothing migrated yet): for `aidc serve --store`, migrations tests, copies. */
  freshUrl(): Promise<string>;
  /** One more Store on an existing URL (a second replica on the same database); closed after the block. */
  openUrl(url: string, o?: OpenStoreOptions): Promise<Store>;
}

/** The test database, or undefined when none is configured. */
export function pgTestUrl(): string | undefined {
  const url = process.env["AIDC_TEST_PG_URL"];
  return url === undefined || url.trim() === "" ? undefined : url.trim();
}

/** Why PostgreSQL tests do not run here, or undefined when they do. */
export const NO_PG_REASON = "no PostgreSQL: AIDC_TEST_PG_URL unset (CI starts one with ../shared/scripts/postgres-dev.sh)";

/** CI (and AIDC_REQUIRE_PG=1) must run the PostgreSQL tests: there a missing URL is a failure, not a skip. */
export function pgRequired(): boolean {
  return process.env["CI"] === "true" || process.env["AIDC_REQUIRE_PG"] === "1";
}

/** `url` with its connections confined to `schema` (PostgreSQL's startup option search_path). */
export function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

/** A test schema older than this was left by a run that was killed: the next run drops it. */
const STALE_MS = 6 * 3600_000;

/**
 * Fresh PostgreSQL schemas on the test database, each dropped by `dropAll` — for tests outside
 * describeStores (e.g. end-to-end tests that start `aidc serve --store <url>` processes).
 */
export class PgSchemas {
  private readonly admin: PgDb;
  private readonly created: string[] = [];

  constructor(readonly baseUrl: string) {
    this.admin = new PgDb(baseUrl, { max: 2, applicationName: "aidc-test-admin" });
  }

  private swept = false;

  /** A new empty schema; the URL's connections see only it. */
  async fresh(): Promise<{ schema: string; url: string }> {
    if (!this.swept) {
      this.swept = true;
      await this.sweep();
    }
    // t_<creation time, base 36>_<random>: the time lets a later run drop what a killed run left behind
    const schema = `t_${Date.now().toString(36)}_${randomBytes(5).toString("hex")}`;
    await this.admin.query(`CREATE SCHEMA ${schema}`);
    this.created.push(schema);
    return { schema, url: withSchema(this.baseUrl, schema) };
  }

  /** Drop the schemas of test runs that ended without cleaning up (killed), older than STALE_MS. */
  private async sweep(): Promise<void> {
    const rows = await this.admin.query<{ s: string }>(
      "SELECT nspname AS s FROM pg_namespace WHERE nspname ~ '^t_[0-9a-z]+_[0-9a-f]{10}$'",
    );
    for (const { s } of rows) {
      const born = parseInt(s.split("_")[1] ?? "", 36);
      if (Number.isFinite(born) && Date.now() - born > STALE_MS)
        await this.admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
    }
  }

  async dropAll(): Promise<void> {
    for (const schema of this.created.splice(0)) await this.admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await this.admin.close();
  }
}

/**
 * Register `body` once per backend as `<title> [sqlite]` and `<title> [postgres]`. PostgreSQL runs when
 * AIDC_TEST_PG_URL is set; otherwise its block is skipped with NO_PG_REASON — or, under CI=true or
 * AIDC_REQUIRE_PG=1, reported as a failed test.
 */
export function describeStores(title: string, body: (open: () => Promise<Store>, kit: StoreKit) => void): void {
  describeSqlite(title, body);
  describePostgres(title, body);
}

function describeSqlite(title: string, body: (open: () => Promise<Store>, kit: StoreKit) => void): void {
  describe(`${title} [sqlite]`, () => {
    let dir: string | undefined;
    let n = 0;
    const stores: Store[] = [];
    const freshUrl = (): Promise<string> => {
      dir ??= mkdtempSync(join(tmpdir(), "aidc-store-"));
      return Promise.resolve(`sqlite:${join(dir, `store-${++n}.db`)}`);
    };
    const openUrl = async (url: string, o?: OpenStoreOptions): Promise<Store> => {
      const s = await openStore(url, o);
      stores.push(s);
      return s;
    };
    const kit: StoreKit = { backend: "sqlite", open: async () => openUrl(await freshUrl()), freshUrl, openUrl };
    afterAll(async () => {
      for (const s of stores.splice(0)) await s.close().catch(() => undefined);
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });
    body(kit.open, kit);
  });
}

function describePostgres(title: string, body: (open: () => Promise<Store>, kit: StoreKit) => void): void {
  const base = pgTestUrl();
  if (base === undefined && pgRequired()) {
    describe(`${title} [postgres]`, () => {
      it("has a PostgreSQL to run on", () => {
        throw new Error(`${NO_PG_REASON}; CI=true or AIDC_REQUIRE_PG=1 requires the PostgreSQL contract tests`);
      });
    });
    return;
  }
  describe(`${title} [postgres]`, { skip: base === undefined, meta: base === undefined ? { skipReason: NO_PG_REASON } : {} }, () => {
    let schemas: PgSchemas | undefined;
    const stores: Store[] = [];
    const freshUrl = async (): Promise<string> => {
      schemas ??= new PgSchemas(base ?? "");
      return (await schemas.fresh()).url;
    };
    const openUrl = async (url: string, o?: OpenStoreOptions): Promise<Store> => {
      const s = await openStore(url, { maxConnections: 5, ...o });
      stores.push(s);
      return s;
    };
    const kit: StoreKit = { backend: "postgres", open: async () => openUrl(await freshUrl()), freshUrl, openUrl };
    afterAll(async () => {
      for (const s of stores.splice(0)) await s.close().catch(() => undefined);
      await schemas?.dropAll();
    });
    body(kit.open, kit);
  });
}

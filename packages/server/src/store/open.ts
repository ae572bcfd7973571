import { join, resolve } from "node:path";
import { InvalidInputError } from "@aidc/core";
import { redactUrl } from "./pg/db.js";
import { PgStore } from "./pg/store.js";
import type { Store } from "./port.js";
import { SqliteStore } from "./sqlite.js";

/** Where a store lives, parsed from its URL. */
export type StoreLocation = { readonly backend: "sqlite"; readonly path: string } | { readonly backend: "postgres"; readonly url: string };

export interface OpenStoreOptions {
  /** The server's data directory: a relative SQLite path is NOT resolved against it (paths are relative to the working directory). */
  readonly dataDir?: string;
  /** This replica's id (PostgreSQL: shown as application_name, so pg_stat_activity tells replicas apart). */
  readonly replicaId?: string;
  /** PostgreSQL pool size (default 10). */
  readonly maxConnections?: number;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** The store a server uses when given no `--store`: the SQLite file in its data directory. */
export function defaultStoreUrl(dataDir: string): string {
  return `sqlite:${join(dataDir, "aidc.db")}`;
}

/**
 * Parse a store URL: `sqlite:<path>` (also `sqlite://<absolute path>`, `sqlite::memory:`) or a bare
 * file path → SQLite; `postgres://…` or `postgresql://…` → PostgreSQL. Anything else is bad input
 * for `flag` (default `--store`), reported as an InvalidInputError whose issue names the flag.
 */
export function parseStoreUrl(url: string, flag = "--store"): StoreLocation {
  const text = url.trim();
  const bad = (message: string): never => {
    throw new InvalidInputError(`Invalid ${flag} "${redactIfUrl(text)}"`, [{ code: "INVALID_STORE_URL", path: flag, message }]);
  };
  if (text === "") bad(`${flag} is empty; give sqlite:<path> or postgres://user:password@host:port/database`);
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  // a bare path (no scheme, or a one-letter "scheme" that is a Windows drive letter)
  if (scheme === undefined || scheme.length === 1) return { backend: "sqlite", path: resolve(text) };
  if (scheme === "sqlite") {
    let path = text.slice("sqlite:".length);
    if (path.startsWith("//")) path = path.slice(2); // sqlite:///abs/path → /abs/path
    if (path === "") bad("sqlite: needs a file path, e.g. sqlite:./.aidc/aidc.db");
    return { backend: "sqlite", path: path === ":memory:" ? path : resolve(path) };
  }
  if (scheme === "postgres" || scheme === "postgresql") {
    let u: URL | undefined;
    try {
      u = new URL(text);
    } catch {
      u = undefined;
    }
    if (u === undefined) return bad("not a valid URL; expected postgres://user:password@host:port/database");
    if (u.hostname === "" && !u.searchParams.has("host")) bad("the PostgreSQL URL names no host");
    return { backend: "postgres", url: text };
  }
  return bad(`unknown store scheme "${scheme}:"; ${flag} takes sqlite:<path>, a file path, or postgres://user:password@host:port/database`);
}

function redactIfUrl(text: string): string {
  return /^postgres(ql)?:/i.test(text) ? redactUrl(text) : text;
}

/**
 * Open (and migrate) the store at `url`. SQLite creates the file and its folder when missing;
 * PostgreSQL needs an existing database and migrates it under an advisory lock, so several
 * replicas may start at once.
 */
export async function openStore(url: string, o: OpenStoreOptions = {}): Promise<Store> {
  const where = parseStoreUrl(url);
  if (where.backend === "sqlite") return SqliteStore.open(where.path);
  return PgStore.open(where.url, {
    ...(o.replicaId === undefined ? {} : { replicaId: o.replicaId }),
    ...(o.maxConnections === undefined ? {} : { maxConnections: o.maxConnections }),
  });
}

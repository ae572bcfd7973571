import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { AidcError, type Cluster } from "@aidc/core";
import { MIGRATIONS, type Migration } from "./migrations.js";

export interface StoredEvent {
  readonly id: number;
  readonly atMs: number;
  readonly type: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
}

/**
 * The embedded store: one SQLite file in WAL mode. Every state change runs in a transaction
 * together with the event row that records it.
 */
export class SqliteStore {
  readonly db: Database.Database;
  readonly path: string;

  private constructor(db: Database.Database, path: string) {
    this.db = db;
    this.path = path;
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, compiled once per SQL text (preparing is a large part of a small query). */
  prepare(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (st === undefined) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  static open(path: string, migrations: readonly Migration[] = MIGRATIONS): SqliteStore {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma("journal_mode = WAL");
      // WAL + NORMAL: a commit survives a crash of the process (kill -9) at any instant; only a
      // power loss or kernel crash can drop the last transactions. FULL halves submission rate.
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
    } catch (cause) {
      throw new AidcError("STORE_OPEN_FAILED", `Cannot open the store at ${path}: ${(cause as Error).message}`, { cause });
    }
    const store = new SqliteStore(db, path);
    store.migrate(migrations);
    return store;
  }

  /** Applied migration versions, oldest first. */
  appliedVersions(): number[] {
    return (this.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[]).map((r) => r.version);
  }

  private migrate(migrations: readonly Migration[]): void {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)",
    );
    const applied = new Set(this.appliedVersions());
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new AidcError(
        "STORE_TOO_NEW",
        `The store at ${this.path} has migrations ${unknown.join(", ")} that this aidc does not know; upgrade aidc`,
      );
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.prepare("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
      })();
    }
  }

  /** Record the cluster the server runs on, with an event, in one transaction. */
  saveCluster(cluster: Cluster, source: string, atMs: number): void {
    this.db.transaction(() => {
      this.prepare(
        "INSERT INTO clusters (name, spec, source, loaded_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, source = excluded.source, loaded_at_ms = excluded.loaded_at_ms",
      ).run(cluster.name, JSON.stringify(cluster), source, atMs);
      this.insertEvent(atMs, "cluster.loaded", `cluster/${cluster.name}`, { source });
    })();
  }

  insertEvent(atMs: number, type: string, subject: string, data: Record<string, unknown> = {}): number {
    const r = this.prepare("INSERT INTO events (at_ms, type, subject, data) VALUES (?, ?, ?, ?)").run(
      atMs,
      type,
      subject,
      JSON.stringify(data),
    );
    return Number(r.lastInsertRowid);
  }

  events(limit = 100, subject?: string): StoredEvent[] {
    const rows = (
      subject === undefined
        ? this.prepare("SELECT * FROM events ORDER BY id DESC LIMIT ?").all(limit)
        : this.prepare("SELECT * FROM events WHERE subject = ? ORDER BY id DESC LIMIT ?").all(subject, limit)
    ) as { id: number; at_ms: number; type: string; subject: string; data: string }[];
    return rows.map((r) => ({
      id: r.id,
      atMs: r.at_ms,
      type: r.type,
      subject: r.subject,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  /** Nodes taken out of scheduling, with why. */
  cordons(): Map<string, string> {
    const rows = this.prepare("SELECT node, reason FROM node_cordons").all() as { node: string; reason: string }[];
    return new Map(rows.map((r) => [r.node, r.reason]));
  }

  setCordon(node: string, reason: string | undefined, atMs: number): void {
    this.db.transaction(() => {
      if (reason === undefined) this.prepare("DELETE FROM node_cordons WHERE node = ?").run(node);
      else
        this.prepare(
          "INSERT INTO node_cordons (node, reason, at_ms) VALUES (?, ?, ?) ON CONFLICT(node) DO UPDATE SET reason = excluded.reason",
        ).run(node, reason, atMs);
      this.insertEvent(
        atMs,
        reason === undefined ? "node.uncordoned" : "node.cordoned",
        `node/${node}`,
        reason === undefined ? {} : { reason },
      );
    })();
  }

  /** True when the database answers a trivial query (for /readyz). */
  ping(): boolean {
    try {
      return (this.prepare("SELECT 1 AS one").get() as { one: number }).one === 1;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { AidcError } from "@aidc/core";
import { MIGRATIONS, type Migration } from "../migrations.js";

/**
 * One SQLite file in WAL mode, migrated, with a prepared-statement cache: what every SQLite repository
 * of the store works on. Its methods are synchronous; a repository wraps a whole operation in
 * `db.transaction(...)` and returns the result as a resolved promise (no transaction spans an await).
 */
export class SqliteDb {
  readonly db: Database.Database;
  readonly path: string;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, path: string) {
    this.db = db;
    this.path = path;
  }

  static open(path: string, migrations: readonly Migration[] = MIGRATIONS): SqliteDb {
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
    const out = new SqliteDb(db, path);
    try {
      out.migrate(migrations);
    } catch (err) {
      db.close();
      throw err;
    }
    return out;
  }

  /** A prepared statement, compiled once per SQL text (preparing is a large part of a small query). */
  prepare(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (st === undefined) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Run `fn` in one (immediate) write transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Add an event row (call inside the transaction of the change it records). */
  insertEvent(atMs: number, type: string, subject: string, data: Record<string, unknown> = {}): number {
    const r = this.prepare("INSERT INTO events (at_ms, type, subject, data) VALUES (?, ?, ?, ?)").run(
      atMs,
      type,
      subject,
      JSON.stringify(data),
    );
    return Number(r.lastInsertRowid);
  }

  /** Applied migration versions, oldest first. */
  appliedVersions(): number[] {
    return (this.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[]).map((r) => r.version);
  }

  close(): void {
    if (this.db.open) this.db.close();
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
}

import type { Migration } from "../migrations.js";

/**
 * PostgreSQL's schema: the same version numbers, tables and columns as the SQLite list
 * (store/migrations.ts), in PostgreSQL's dialect. Append only, like the SQLite list.
 * Differences, all deliberate:
 * - times, sizes and ids are BIGINT (SQLite's INTEGER is 64-bit; PostgreSQL's is 32-bit);
 * - events.id is BIGSERIAL, and jobs get `seq BIGSERIAL`: the submission order SQLite takes from rowid;
 * - the column `user` is a reserved word here, so it is quoted;
 * - version 8's backfill breaks ties by id instead of rowid.
 */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events",
    sql: `
      CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        type TEXT NOT NULL,
        subject TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX events_subject ON events(subject, id);`,
  },
  {
    version: 2,
    name: "clusters",
    sql: `
      CREATE TABLE clusters (
        name TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        source TEXT NOT NULL,
        loaded_at_ms BIGINT NOT NULL
      );`,
  },
  {
    version: 3,
    name: "jobs",
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        "user" TEXT NOT NULL,
        queue TEXT NOT NULL,
        priority INTEGER NOT NULL,
        spec TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        submitted_at_ms BIGINT NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        idempotency_key TEXT,
        exit_code INTEGER,
        message TEXT,
        seq BIGSERIAL NOT NULL
      );
      CREATE UNIQUE INDEX jobs_seq ON jobs(seq);
      CREATE UNIQUE INDEX jobs_idempotency ON jobs("user", idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX jobs_state ON jobs(state, submitted_at_ms);
      CREATE INDEX jobs_user ON jobs("user", submitted_at_ms);`,
  },
  {
    version: 4,
    name: "tokens",
    sql: `
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        "user" TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        revoked_at_ms BIGINT
      );`,
  },
  {
    version: 5,
    name: "artifacts",
    sql: `
      CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        kind TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size_bytes BIGINT NOT NULL,
        tier TEXT NOT NULL DEFAULT 'hot',
        metadata TEXT NOT NULL DEFAULT '{}',
        parents TEXT NOT NULL DEFAULT '[]',
        job_id TEXT,
        created_by TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        UNIQUE (project, name, version)
      );
      CREATE INDEX artifacts_sha ON artifacts(sha256);
      CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        "user" TEXT NOT NULL,
        size_bytes BIGINT NOT NULL DEFAULT 0,
        created_at_ms BIGINT NOT NULL
      );
      CREATE TABLE project_quotas (
        project TEXT PRIMARY KEY,
        max_bytes BIGINT NOT NULL
      );`,
  },
  {
    version: 6,
    name: "job runs",
    sql: `
      ALTER TABLE jobs ADD COLUMN run_id TEXT;
      ALTER TABLE jobs ADD COLUMN placement TEXT;
      ALTER TABLE jobs ADD COLUMN started_at_ms BIGINT;
      ALTER TABLE jobs ADD COLUMN finished_at_ms BIGINT;`,
  },
  {
    version: 7,
    name: "node cordons",
    sql: `
      CREATE TABLE node_cordons (
        node TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at_ms BIGINT NOT NULL
      );`,
  },
  {
    version: 8,
    name: "project ownership, artifact tombstones, served models, upload sessions",
    sql: `
      CREATE TABLE projects (
        name TEXT PRIMARY KEY,
        created_by TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL
      );
      CREATE TABLE project_members (
        project TEXT NOT NULL REFERENCES projects(name),
        "user" TEXT NOT NULL,
        role TEXT NOT NULL,
        added_by TEXT NOT NULL,
        added_at_ms BIGINT NOT NULL,
        PRIMARY KEY (project, "user")
      );
      INSERT INTO projects (name, created_by, created_at_ms)
        SELECT DISTINCT ON (project) project, created_by, created_at_ms FROM artifacts ORDER BY project, created_at_ms, id
        ON CONFLICT DO NOTHING;
      INSERT INTO project_members (project, "user", role, added_by, added_at_ms)
        SELECT name, created_by, 'owner', created_by, created_at_ms FROM projects
        ON CONFLICT DO NOTHING;
      ALTER TABLE artifacts ADD COLUMN deleted_at_ms BIGINT;
      ALTER TABLE artifacts ADD COLUMN deleted_by TEXT;
      CREATE TABLE served_models (
        name TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        artifact_id TEXT NOT NULL REFERENCES artifacts(id),
        promoted_by TEXT NOT NULL,
        promoted_at_ms BIGINT NOT NULL
      );
      ALTER TABLE uploads ADD COLUMN updated_at_ms BIGINT NOT NULL DEFAULT 0;`,
  },
  {
    version: 9,
    name: "job indexes for limits and pages",
    // as on SQLite, plus the submission-order page (SQLite's rowid is the table's own order)
    sql: `
      CREATE INDEX jobs_user_state ON jobs("user", state, queue);
      CREATE INDEX jobs_submitted ON jobs(submitted_at_ms, id);
      CREATE INDEX jobs_submitted_seq ON jobs(submitted_at_ms, seq);`,
  },
  {
    version: 10,
    name: "public models",
    sql: `
      CREATE TABLE IF NOT EXISTS public_models (
        name TEXT PRIMARY KEY,
        set_by TEXT NOT NULL,
        set_at_ms BIGINT NOT NULL
      );`,
  },
  {
    version: 11,
    name: "leases",
    sql: `
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        token BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL
      );`,
  },
];

import { DATA_KEYS_MIGRATION_NAME, DATA_KEYS_PG } from "../port-keys.js";
import { GOVERNANCE_MIGRATION_NAME, GOVERNANCE_PG } from "../governance-migration.js";
import type { Migration } from "../migrations.js";

/**
 * PostgreSQL's schema: the same version numbers, tables and columns as the SQLite list
 * (store/migrations.ts), in PostgreSQL's dialect. Append only, like the SQLite list.
 * Differences, all deliberate:
 * - times, sizes and ids are BIGINT (SQLite's INTEGER is 64-bit; PostgreSQL's is 32-bit);
 * - events.id is BIGSERIAL, and jobs get `seq BIGSERIAL`: the submission order SQLite takes from rowid;
 * - the column `user` is a reserved word here, so it is quoted;
 * - version 8's backfill breaks ties by id instead of rowid;
 * - every TEXT column has COLLATE "C": it orders and compares bytewise like SQLite, whatever the
 *   database's default collation (page cursors and listings then agree with SQLite's order).
 */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events",
    sql: `
      CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        type TEXT COLLATE "C" NOT NULL,
        subject TEXT COLLATE "C" NOT NULL,
        data TEXT COLLATE "C" NOT NULL DEFAULT '{}'
      );
      CREATE INDEX events_subject ON events(subject, id);`,
  },
  {
    version: 2,
    name: "clusters",
    sql: `
      CREATE TABLE clusters (
        name TEXT COLLATE "C" PRIMARY KEY,
        spec TEXT COLLATE "C" NOT NULL,
        source TEXT COLLATE "C" NOT NULL,
        loaded_at_ms BIGINT NOT NULL
      );`,
  },
  {
    version: 3,
    name: "jobs",
    sql: `
      CREATE TABLE jobs (
        id TEXT COLLATE "C" PRIMARY KEY,
        name TEXT COLLATE "C" NOT NULL,
        "user" TEXT COLLATE "C" NOT NULL,
        queue TEXT COLLATE "C" NOT NULL,
        priority INTEGER NOT NULL,
        spec TEXT COLLATE "C" NOT NULL,
        state TEXT COLLATE "C" NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        submitted_at_ms BIGINT NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        idempotency_key TEXT COLLATE "C",
        exit_code INTEGER,
        message TEXT COLLATE "C",
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
        hash TEXT COLLATE "C" PRIMARY KEY,
        "user" TEXT COLLATE "C" NOT NULL,
        role TEXT COLLATE "C" NOT NULL,
        created_at_ms BIGINT NOT NULL,
        revoked_at_ms BIGINT
      );`,
  },
  {
    version: 5,
    name: "artifacts",
    sql: `
      CREATE TABLE artifacts (
        id TEXT COLLATE "C" PRIMARY KEY,
        project TEXT COLLATE "C" NOT NULL,
        name TEXT COLLATE "C" NOT NULL,
        version INTEGER NOT NULL,
        kind TEXT COLLATE "C" NOT NULL,
        sha256 TEXT COLLATE "C" NOT NULL,
        size_bytes BIGINT NOT NULL,
        tier TEXT COLLATE "C" NOT NULL DEFAULT 'hot',
        metadata TEXT COLLATE "C" NOT NULL DEFAULT '{}',
        parents TEXT COLLATE "C" NOT NULL DEFAULT '[]',
        job_id TEXT COLLATE "C",
        created_by TEXT COLLATE "C" NOT NULL,
        created_at_ms BIGINT NOT NULL,
        UNIQUE (project, name, version)
      );
      CREATE INDEX artifacts_sha ON artifacts(sha256);
      CREATE TABLE uploads (
        id TEXT COLLATE "C" PRIMARY KEY,
        "user" TEXT COLLATE "C" NOT NULL,
        size_bytes BIGINT NOT NULL DEFAULT 0,
        created_at_ms BIGINT NOT NULL
      );
      CREATE TABLE project_quotas (
        project TEXT COLLATE "C" PRIMARY KEY,
        max_bytes BIGINT NOT NULL
      );`,
  },
  {
    version: 6,
    name: "job runs",
    sql: `
      ALTER TABLE jobs ADD COLUMN run_id TEXT COLLATE "C";
      ALTER TABLE jobs ADD COLUMN placement TEXT COLLATE "C";
      ALTER TABLE jobs ADD COLUMN started_at_ms BIGINT;
      ALTER TABLE jobs ADD COLUMN finished_at_ms BIGINT;`,
  },
  {
    version: 7,
    name: "node cordons",
    sql: `
      CREATE TABLE node_cordons (
        node TEXT COLLATE "C" PRIMARY KEY,
        reason TEXT COLLATE "C" NOT NULL,
        at_ms BIGINT NOT NULL
      );`,
  },
  {
    version: 8,
    name: "project ownership, artifact tombstones, served models, upload sessions",
    sql: `
      CREATE TABLE projects (
        name TEXT COLLATE "C" PRIMARY KEY,
        created_by TEXT COLLATE "C" NOT NULL,
        created_at_ms BIGINT NOT NULL
      );
      CREATE TABLE project_members (
        project TEXT COLLATE "C" NOT NULL REFERENCES projects(name),
        "user" TEXT COLLATE "C" NOT NULL,
        role TEXT COLLATE "C" NOT NULL,
        added_by TEXT COLLATE "C" NOT NULL,
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
      ALTER TABLE artifacts ADD COLUMN deleted_by TEXT COLLATE "C";
      CREATE TABLE served_models (
        name TEXT COLLATE "C" PRIMARY KEY,
        project TEXT COLLATE "C" NOT NULL,
        artifact_id TEXT COLLATE "C" NOT NULL REFERENCES artifacts(id),
        promoted_by TEXT COLLATE "C" NOT NULL,
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
        name TEXT COLLATE "C" PRIMARY KEY,
        set_by TEXT COLLATE "C" NOT NULL,
        set_at_ms BIGINT NOT NULL
      );`,
  },
  {
    version: 11,
    name: "leases",
    sql: `
      CREATE TABLE leases (
        name TEXT COLLATE "C" PRIMARY KEY,
        holder TEXT COLLATE "C" NOT NULL,
        token BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL
      );`,
  },
  {
    version: 12,
    name: DATA_KEYS_MIGRATION_NAME,
    // encryption at rest: each encrypted blob's data key, wrapped by a master key (store/port-keys.ts)
    sql: DATA_KEYS_PG,
  },
  {
    version: 13,
    name: GOVERNANCE_MIGRATION_NAME,
    // the append-only audit log (UPDATE/DELETE refused by triggers), project permissions, retention rules
    sql: GOVERNANCE_PG,
  },
];

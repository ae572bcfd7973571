import { DATA_KEYS_MIGRATION_NAME, DATA_KEYS_SQLITE } from "./port-keys.js";
import { GOVERNANCE_MIGRATION_NAME, GOVERNANCE_SQLITE } from "./governance-migration.js";
/**
 * Numbered schema migrations. Append only: a released migration never changes; a new
 * change is a new number. Each runs in its own transaction together with its bookkeeping row.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events",
    sql: `
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
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
        loaded_at_ms INTEGER NOT NULL
      );`,
  },
  {
    version: 3,
    name: "jobs",
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        user TEXT NOT NULL,
        queue TEXT NOT NULL,
        priority INTEGER NOT NULL,
        spec TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        submitted_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        idempotency_key TEXT,
        exit_code INTEGER,
        message TEXT
      );
      CREATE UNIQUE INDEX jobs_idempotency ON jobs(user, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX jobs_state ON jobs(state, submitted_at_ms);
      CREATE INDEX jobs_user ON jobs(user, submitted_at_ms);`,
  },
  {
    version: 4,
    name: "tokens",
    sql: `
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        revoked_at_ms INTEGER
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
        size_bytes INTEGER NOT NULL,
        tier TEXT NOT NULL DEFAULT 'hot',
        metadata TEXT NOT NULL DEFAULT '{}',
        parents TEXT NOT NULL DEFAULT '[]',
        job_id TEXT,
        created_by TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        UNIQUE (project, name, version)
      );
      CREATE INDEX artifacts_sha ON artifacts(sha256);
      CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        size_bytes INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL
      );
      CREATE TABLE project_quotas (
        project TEXT PRIMARY KEY,
        max_bytes INTEGER NOT NULL
      );`,
  },
  {
    version: 6,
    name: "job runs",
    sql: `
      ALTER TABLE jobs ADD COLUMN run_id TEXT;
      ALTER TABLE jobs ADD COLUMN placement TEXT;
      ALTER TABLE jobs ADD COLUMN started_at_ms INTEGER;
      ALTER TABLE jobs ADD COLUMN finished_at_ms INTEGER;`,
  },
  {
    version: 7,
    name: "node cordons",
    sql: `
      CREATE TABLE node_cordons (
        node TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      );`,
  },
  {
    version: 8,
    name: "project ownership, artifact tombstones, served models, upload sessions",
    sql: `
      CREATE TABLE projects (
        name TEXT PRIMARY KEY,
        created_by TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      );
      CREATE TABLE project_members (
        project TEXT NOT NULL REFERENCES projects(name),
        user TEXT NOT NULL,
        role TEXT NOT NULL,
        added_by TEXT NOT NULL,
        added_at_ms INTEGER NOT NULL,
        PRIMARY KEY (project, user)
      );
      -- projects that already hold artifacts belong to their first publisher
      INSERT OR IGNORE INTO projects (name, created_by, created_at_ms)
        SELECT project, created_by, created_at_ms FROM artifacts ORDER BY created_at_ms, rowid;
      INSERT OR IGNORE INTO project_members (project, user, role, added_by, added_at_ms)
        SELECT name, created_by, 'owner', created_by, created_at_ms FROM projects;
      ALTER TABLE artifacts ADD COLUMN deleted_at_ms INTEGER;
      ALTER TABLE artifacts ADD COLUMN deleted_by TEXT;
      CREATE TABLE served_models (
        name TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        artifact_id TEXT NOT NULL REFERENCES artifacts(id),
        promoted_by TEXT NOT NULL,
        promoted_at_ms INTEGER NOT NULL
      );
      ALTER TABLE uploads ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 9,
    name: "job indexes for limits and pages",
    // the pending-jobs cap counts a user's waiting jobs at every submission, and an unfiltered
    // page of /api/v1/jobs walks submissions in order; without these both scan the whole table
    sql: `
      CREATE INDEX jobs_user_state ON jobs(user, state, queue);
      CREATE INDEX jobs_submitted ON jobs(submitted_at_ms, id);`,
  },
  {
    version: 10,
    name: "public models",
    // a served name whose predictions need no token (models promoted with public: true)
    sql: `
      CREATE TABLE IF NOT EXISTS public_models (
        name TEXT PRIMARY KEY,
        set_by TEXT NOT NULL,
        set_at_ms INTEGER NOT NULL
      );`,
  },
  {
    version: 11,
    name: "leases",
    // leader election: one row per named lease; the token grows with every new holder (fencing)
    sql: `
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        token INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL
      );`,
  },
  {
    version: 12,
    name: DATA_KEYS_MIGRATION_NAME,
    // encryption at rest: each encrypted blob's data key, wrapped by a master key (store/port-keys.ts)
    sql: DATA_KEYS_SQLITE,
  },
  {
    version: 13,
    name: GOVERNANCE_MIGRATION_NAME,
    // the append-only audit log (UPDATE/DELETE refused by triggers), project permissions, retention rules
    sql: GOVERNANCE_SQLITE,
  },
];

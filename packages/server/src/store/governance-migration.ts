/*
 * Migration 13 (data governance) in both dialects: the append-only audit log, per-project permission
 * rules and retention rules. The audit log refuses UPDATE and DELETE with triggers in both databases,
 * so no code path (and no SQL typed by hand through the store's connection) can rewrite history; the
 * hash chain of its rows (store/port-governance.ts) shows an edit made after dropping the triggers.
 * Listed in store/migrations.ts and store/pg/migrations.ts as version 13.
 */

export const GOVERNANCE_MIGRATION_NAME = "data governance: audit log, project permissions, retention rules";

export const GOVERNANCE_SQLITE = `
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    project TEXT NOT NULL,
    resource TEXT NOT NULL,
    job_id TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX audit_log_project ON audit_log(project, id);
  CREATE INDEX audit_log_actor ON audit_log(actor, id);
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;
  CREATE TABLE project_permissions (
    project TEXT NOT NULL,
    permission TEXT NOT NULL,
    min_role TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL,
    PRIMARY KEY (project, permission)
  );
  CREATE TABLE retention_rules (
    project TEXT PRIMARY KEY,
    keep_versions INTEGER,
    max_age_days REAL,
    kinds TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL
  );`;

export const GOVERNANCE_PG = `
  CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor TEXT COLLATE "C" NOT NULL,
    actor_role TEXT COLLATE "C",
    action TEXT COLLATE "C" NOT NULL,
    outcome TEXT COLLATE "C" NOT NULL,
    project TEXT COLLATE "C" NOT NULL,
    resource TEXT COLLATE "C" NOT NULL,
    job_id TEXT COLLATE "C",
    detail TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    prev_hash TEXT COLLATE "C" NOT NULL,
    hash TEXT COLLATE "C" NOT NULL
  );
  CREATE INDEX audit_log_project ON audit_log(project, id);
  CREATE INDEX audit_log_actor ON audit_log(actor, id);
  CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$;
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
  -- TRUNCATE skips row triggers: refuse it too while the log holds entries (an empty log may be truncated, as
  -- aidc store copy --force does to every table of a target it replaces)
  CREATE FUNCTION audit_log_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM audit_log) THEN
        RAISE EXCEPTION 'audit_log is append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NULL;
    END $$;
  CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_truncate();
  CREATE TABLE project_permissions (
    project TEXT COLLATE "C" NOT NULL,
    permission TEXT COLLATE "C" NOT NULL,
    min_role TEXT COLLATE "C" NOT NULL,
    set_by TEXT COLLATE "C" NOT NULL,
    set_at_ms BIGINT NOT NULL,
    PRIMARY KEY (project, permission)
  );
  CREATE TABLE retention_rules (
    project TEXT COLLATE "C" PRIMARY KEY,
    keep_versions INTEGER,
    max_age_days DOUBLE PRECISION,
    kinds TEXT COLLATE "C" NOT NULL,
    set_by TEXT COLLATE "C" NOT NULL,
    set_at_ms BIGINT NOT NULL
  );`;

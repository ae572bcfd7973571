import type { ProjectRole } from "../port-artifacts.js";
import {
  AUDIT_GENESIS,
  auditHash,
  type AuditEntry,
  type AuditFilter,
  type AuditStore,
  type GovernanceStores,
  type NewAuditEntry,
  type PermissionRule,
  type PermissionStore,
  type ProjectPermission,
  type RetentionRule,
  type RetentionStore,
} from "../port-governance.js";
import { auditFromRow, auditWhere, retentionAudit, retentionFromRow, type AuditRow, type RetentionRow } from "../governance-rows.js";
import type { SqliteDb } from "./db.js";

/** Append one audit row chained to the last (inside a write transaction: SQLite has one writer, so the chain is serial). */
export function appendAudit(db: SqliteDb, e: NewAuditEntry, nowMs: number): AuditEntry {
  const last = db.prepare("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").get() as { id: number; hash: string } | undefined;
  // AUTOINCREMENT never reuses an id, and no row is ever deleted: the next id is max + 1
  const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").get() as { seq: number } | undefined;
  const id = Math.max(last?.id ?? 0, seq?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? AUDIT_GENESIS;
  const entry = {
    id,
    atMs: nowMs,
    actor: e.actor,
    ...(e.actorRole !== undefined ? { actorRole: e.actorRole } : {}),
    action: e.action,
    outcome: e.outcome,
    project: e.project,
    resource: e.resource,
    ...(e.jobId !== undefined ? { jobId: e.jobId } : {}),
    detail: e.detail ?? {},
  };
  const hash = auditHash(prevHash, entry);
  db.prepare(
    `INSERT INTO audit_log (id, at_ms, actor, actor_role, action, outcome, project, resource, job_id, detail, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    nowMs,
    e.actor,
    e.actorRole ?? null,
    e.action,
    e.outcome,
    e.project,
    e.resource,
    e.jobId ?? null,
    JSON.stringify(entry.detail),
    prevHash,
    hash,
  );
  return { ...entry, prevHash, hash };
}

const AUDIT_COLUMNS = "id, at_ms, actor, actor_role, action, outcome, project, resource, job_id, detail, prev_hash, hash";

class SqliteAuditStore implements AuditStore {
  constructor(private readonly db: SqliteDb) {}

  async append(e: NewAuditEntry, nowMs: number): Promise<AuditEntry> {
    return this.db.transaction(() => appendAudit(this.db, e, nowMs));
  }

  async list(f: AuditFilter): Promise<AuditEntry[]> {
    const { where, args } = auditWhere(f, () => "?");
    const rows = this.db.db
      .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log ${where} ORDER BY id DESC LIMIT ?`)
      .all(...args, f.limit) as AuditRow[];
    return rows.map(auditFromRow);
  }

  async scan(afterId: number, limit: number): Promise<AuditEntry[]> {
    const rows = this.db
      .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`)
      .all(afterId, limit) as AuditRow[];
    return rows.map(auditFromRow);
  }
}

class SqlitePermissionStore implements PermissionStore {
  constructor(private readonly db: SqliteDb) {}

  async list(project: string): Promise<PermissionRule[]> {
    const rows = this.db
      .prepare("SELECT project, permission, min_role, set_by, set_at_ms FROM project_permissions WHERE project = ? ORDER BY permission")
      .all(project) as { project: string; permission: ProjectPermission; min_role: ProjectRole; set_by: string; set_at_ms: number }[];
    return rows.map((r) => ({ project: r.project, permission: r.permission, minRole: r.min_role, setBy: r.set_by, setAtMs: r.set_at_ms }));
  }

  async set(rule: PermissionRule): Promise<PermissionRule> {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO project_permissions (project, permission, min_role, set_by, set_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(project, permission) DO UPDATE SET min_role = excluded.min_role, set_by = excluded.set_by, set_at_ms = excluded.set_at_ms`,
        )
        .run(rule.project, rule.permission, rule.minRole, rule.setBy, rule.setAtMs);
      appendAudit(
        this.db,
        {
          actor: rule.setBy,
          action: "permission.set",
          outcome: "allowed",
          project: rule.project,
          resource: `project/${rule.project}`,
          detail: { permission: rule.permission, minRole: rule.minRole },
        },
        rule.setAtMs,
      );
      return rule;
    });
  }
}

class SqliteRetentionStore implements RetentionStore {
  constructor(private readonly db: SqliteDb) {}

  private static readonly COLUMNS = "project, keep_versions, max_age_days, kinds, set_by, set_at_ms";

  async get(project: string): Promise<RetentionRule | undefined> {
    const row = this.db.prepare(`SELECT ${SqliteRetentionStore.COLUMNS} FROM retention_rules WHERE project = ?`).get(project) as
      RetentionRow | undefined;
    return row === undefined ? undefined : retentionFromRow(row);
  }

  async list(): Promise<RetentionRule[]> {
    const rows = this.db.prepare(`SELECT ${SqliteRetentionStore.COLUMNS} FROM retention_rules ORDER BY project`).all() as RetentionRow[];
    return rows.map(retentionFromRow);
  }

  async set(rule: RetentionRule): Promise<RetentionRule> {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO retention_rules (project, keep_versions, max_age_days, kinds, set_by, set_at_ms) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(project) DO UPDATE SET keep_versions = excluded.keep_versions, max_age_days = excluded.max_age_days,
             kinds = excluded.kinds, set_by = excluded.set_by, set_at_ms = excluded.set_at_ms`,
        )
        .run(rule.project, rule.keepVersions ?? null, rule.maxAgeDays ?? null, JSON.stringify(rule.kinds), rule.setBy, rule.setAtMs);
      appendAudit(this.db, retentionAudit(rule), rule.setAtMs);
      return rule;
    });
  }

  async clear(project: string, by: string, nowMs: number): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.db.prepare("DELETE FROM retention_rules WHERE project = ?").run(project).changes === 0) return false;
      appendAudit(
        this.db,
        { actor: by, action: "retention.set", outcome: "allowed", project, resource: `project/${project}`, detail: { cleared: true } },
        nowMs,
      );
      return true;
    });
  }
}

export function sqliteGovernanceStores(db: SqliteDb): GovernanceStores {
  return { audit: new SqliteAuditStore(db), permissions: new SqlitePermissionStore(db), retention: new SqliteRetentionStore(db) };
}

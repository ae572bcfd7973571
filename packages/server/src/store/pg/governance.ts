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
import type { PgDb, Sql } from "./db.js";

/** Advisory-lock class of the audit chain: appends take it so each row links to the one committed before it. */
export const AUDIT_LOCK = 14_010;

/** Append one audit row chained to the last, inside a transaction (takes the chain's lock until commit). */
export async function appendAuditPg(sql: Sql, e: NewAuditEntry, nowMs: number): Promise<AuditEntry> {
  await sql.query("SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", [AUDIT_LOCK], "gov_audit_lock");
  const last = (await sql.query<{ hash: string }>("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", [], "gov_audit_last"))[0];
  // under the lock ids are drawn in commit order, so the chain follows the id order
  const id = Number(
    (await sql.query<{ id: number }>("SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) AS id", [], "gov_audit_id"))[0]?.id,
  );
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
  await sql.query(
    `INSERT INTO audit_log (id, at_ms, actor, actor_role, action, outcome, project, resource, job_id, detail, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
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
    ],
    "gov_audit_insert",
  );
  return { ...entry, prevHash, hash };
}

const AUDIT_COLUMNS = "id, at_ms, actor, actor_role, action, outcome, project, resource, job_id, detail, prev_hash, hash";

class PgAuditStore implements AuditStore {
  constructor(private readonly db: PgDb) {}

  append(e: NewAuditEntry, nowMs: number): Promise<AuditEntry> {
    return this.db.tx((sql) => appendAuditPg(sql, e, nowMs));
  }

  async list(f: AuditFilter): Promise<AuditEntry[]> {
    const { where, args } = auditWhere(f, (i) => `$${i}`);
    args.push(f.limit);
    const rows = await this.db.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log ${where} ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
    return rows.map(auditFromRow);
  }

  async scan(afterId: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
      "gov_audit_scan",
    );
    return rows.map(auditFromRow);
  }
}

class PgPermissionStore implements PermissionStore {
  constructor(private readonly db: PgDb) {}

  async list(project: string): Promise<PermissionRule[]> {
    const rows = await this.db.query<{
      project: string;
      permission: ProjectPermission;
      min_role: ProjectRole;
      set_by: string;
      set_at_ms: number;
    }>(
      `SELECT project, permission, min_role, set_by, set_at_ms FROM project_permissions WHERE project = $1 ORDER BY permission`,
      [project],
      "gov_perm_list",
    );
    return rows.map((r) => ({
      project: r.project,
      permission: r.permission,
      minRole: r.min_role,
      setBy: r.set_by,
      setAtMs: Number(r.set_at_ms),
    }));
  }

  set(rule: PermissionRule): Promise<PermissionRule> {
    return this.db.tx(async (sql) => {
      await sql.query(
        `INSERT INTO project_permissions (project, permission, min_role, set_by, set_at_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project, permission) DO UPDATE SET min_role = excluded.min_role, set_by = excluded.set_by, set_at_ms = excluded.set_at_ms`,
        [rule.project, rule.permission, rule.minRole, rule.setBy, rule.setAtMs],
      );
      await appendAuditPg(
        sql,
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

const RETENTION_COLUMNS = "project, keep_versions, max_age_days, kinds, set_by, set_at_ms";

class PgRetentionStore implements RetentionStore {
  constructor(private readonly db: PgDb) {}

  async get(project: string): Promise<RetentionRule | undefined> {
    const row = (await this.db.query<RetentionRow>(`SELECT ${RETENTION_COLUMNS} FROM retention_rules WHERE project = $1`, [project]))[0];
    return row === undefined ? undefined : retentionFromRow(row);
  }

  async list(): Promise<RetentionRule[]> {
    return (await this.db.query<RetentionRow>(`SELECT ${RETENTION_COLUMNS} FROM retention_rules ORDER BY project`)).map(retentionFromRow);
  }

  set(rule: RetentionRule): Promise<RetentionRule> {
    return this.db.tx(async (sql) => {
      await sql.query(
        `INSERT INTO retention_rules (project, keep_versions, max_age_days, kinds, set_by, set_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (project) DO UPDATE SET keep_versions = excluded.keep_versions, max_age_days = excluded.max_age_days,
           kinds = excluded.kinds, set_by = excluded.set_by, set_at_ms = excluded.set_at_ms`,
        [rule.project, rule.keepVersions ?? null, rule.maxAgeDays ?? null, JSON.stringify(rule.kinds), rule.setBy, rule.setAtMs],
      );
      await appendAuditPg(sql, retentionAudit(rule), rule.setAtMs);
      return rule;
    });
  }

  clear(project: string, by: string, nowMs: number): Promise<boolean> {
    return this.db.tx(async (sql) => {
      const gone = await sql.query("DELETE FROM retention_rules WHERE project = $1 RETURNING project", [project]);
      if (gone.length === 0) return false;
      await appendAuditPg(
        sql,
        { actor: by, action: "retention.set", outcome: "allowed", project, resource: `project/${project}`, detail: { cleared: true } },
        nowMs,
      );
      return true;
    });
  }
}

export function pgGovernanceStores(db: PgDb): GovernanceStores {
  return { audit: new PgAuditStore(db), permissions: new PgPermissionStore(db), retention: new PgRetentionStore(db) };
}

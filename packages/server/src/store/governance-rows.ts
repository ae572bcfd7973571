import type { ArtifactKind } from "./port-artifacts.js";
import type { AuditEntry, AuditFilter, NewAuditEntry, RetentionRule } from "./port-governance.js";

/*
 * Row shapes of the governance tables and their conversions, shared by the SQLite and PostgreSQL
 * backends (same columns in both dialects, migration 13).
 */

export interface AuditRow {
  id: number;
  at_ms: number;
  actor: string;
  actor_role: string | null;
  action: string;
  outcome: string;
  project: string;
  resource: string;
  job_id: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export function auditFromRow(r: AuditRow): AuditEntry {
  return {
    id: Number(r.id),
    atMs: Number(r.at_ms),
    actor: r.actor,
    ...(r.actor_role !== null ? { actorRole: r.actor_role } : {}),
    action: r.action as AuditEntry["action"],
    outcome: r.outcome as AuditEntry["outcome"],
    project: r.project,
    resource: r.resource,
    ...(r.job_id !== null ? { jobId: r.job_id } : {}),
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** The WHERE clause of an audit query; `param(i)` spells the i-th placeholder (1-based) of the dialect. */
export function auditWhere(f: AuditFilter, param: (i: number) => string): { where: string; args: (string | number)[] } {
  const clauses: string[] = [];
  const args: (string | number)[] = [];
  const add = (sql: (p: string) => string, v: string | number): void => {
    args.push(v);
    clauses.push(sql(param(args.length)));
  };
  if (f.project !== undefined) add((p) => `project = ${p}`, f.project);
  if (f.projects !== undefined) {
    if (f.projects.length === 0) clauses.push("1 = 0");
    else {
      const ps = f.projects.map((p) => {
        args.push(p);
        return param(args.length);
      });
      clauses.push(`project IN (${ps.join(", ")})`);
    }
  }
  if (f.actor !== undefined) add((p) => `actor = ${p}`, f.actor);
  if (f.action !== undefined) add((p) => `action = ${p}`, f.action);
  if (f.outcome !== undefined) add((p) => `outcome = ${p}`, f.outcome);
  if (f.jobId !== undefined) add((p) => `job_id = ${p}`, f.jobId);
  if (f.sinceMs !== undefined) add((p) => `at_ms >= ${p}`, f.sinceMs);
  if (f.beforeId !== undefined) add((p) => `id < ${p}`, f.beforeId);
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "", args };
}

export interface RetentionRow {
  project: string;
  keep_versions: number | null;
  max_age_days: number | null;
  kinds: string;
  set_by: string;
  set_at_ms: number;
}

export function retentionFromRow(r: RetentionRow): RetentionRule {
  return {
    project: r.project,
    ...(r.keep_versions !== null ? { keepVersions: Number(r.keep_versions) } : {}),
    ...(r.max_age_days !== null ? { maxAgeDays: Number(r.max_age_days) } : {}),
    kinds: JSON.parse(r.kinds) as ArtifactKind[],
    setBy: r.set_by,
    setAtMs: Number(r.set_at_ms),
  };
}

/** The audit entry that records a retention rule being set. */
export function retentionAudit(rule: RetentionRule): NewAuditEntry {
  return {
    actor: rule.setBy,
    action: "retention.set",
    outcome: "allowed",
    project: rule.project,
    resource: `project/${rule.project}`,
    detail: {
      ...(rule.keepVersions !== undefined ? { keepVersions: rule.keepVersions } : {}),
      ...(rule.maxAgeDays !== undefined ? { maxAgeDays: rule.maxAgeDays } : {}),
      kinds: [...rule.kinds],
    },
  };
}

import { createHash } from "node:crypto";
import type { ArtifactKind, ProjectRole } from "./port-artifacts.js";

/*
 * The governance area of the store port: the append-only audit log, per-project permissions and
 * per-project retention rules. Only data lives here; who may do what and when a rule deletes what
 * stay in governance/. Backends: store/sqlite/governance.ts, store/pg/governance.ts (migration 13).
 */

/** What was attempted: a dataset read by a user (download) or a job (input), or a governance change. */
export const AUDIT_ACTIONS = [
  "dataset.read",
  "dataset.job-read",
  "permission.set",
  "retention.set",
  "retention.delete",
  "pii.scan",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const AUDIT_OUTCOMES = ["allowed", "denied"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface NewAuditEntry {
  /** The user who acted (for a job: the job's user). */
  readonly actor: string;
  /** The actor's server role when known (a job acts with its user's rights: "user"). */
  readonly actorRole?: string;
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  readonly project: string;
  /** What was touched, e.g. `nlp/imdb:3` (the version asked for). */
  readonly resource: string;
  readonly jobId?: string;
  /** Small facts: artifact id, sha256, byte range, why it was denied. Never secrets or data. */
  readonly detail?: Record<string, unknown>;
}

/**
 * One row of the audit log. `hash` chains the rows: sha256 of the previous row's hash and this row's
 * fields (auditHash), so an edit or a removal made behind the store's back (the triggers dropped, the
 * file edited) shows as a broken link when the chain is verified.
 */
export interface AuditEntry extends Required<Omit<NewAuditEntry, "jobId" | "actorRole">> {
  readonly id: number;
  readonly atMs: number;
  readonly actorRole?: string;
  readonly jobId?: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditFilter {
  readonly project?: string;
  /** Only these projects (the projects a caller may audit); an empty list matches nothing. */
  readonly projects?: readonly string[];
  readonly actor?: string;
  readonly action?: AuditAction;
  readonly outcome?: AuditOutcome;
  readonly jobId?: string;
  readonly sinceMs?: number;
  /** Paging: entries older than this id (entries come newest first). */
  readonly beforeId?: number;
  readonly limit: number;
}

/** The hash of the first row's predecessor. */
export const AUDIT_GENESIS = "0".repeat(64);

/** The chain hash of one row: sha256(prevHash, canonical JSON of its fields). Same in both backends. */
export function auditHash(prevHash: string, e: Omit<AuditEntry, "hash" | "prevHash">): string {
  const fields = [
    e.id,
    e.atMs,
    e.actor,
    e.actorRole ?? null,
    e.action,
    e.outcome,
    e.project,
    e.resource,
    e.jobId ?? null,
    canonical(e.detail),
  ];
  return createHash("sha256").update(prevHash).update("\n").update(JSON.stringify(fields)).digest("hex");
}

/** JSON with object keys sorted (so the hash does not depend on key order after a round trip). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

/** Result of walking the chain: ok, or the first row whose link or hash does not match. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly entries: number;
  readonly firstBadId?: number;
  readonly reason?: string;
}

/** Check a run of rows in id order, starting from `prevHash` (the genesis for the first row). */
export function verifyChain(rows: readonly AuditEntry[], prevHash: string = AUDIT_GENESIS): AuditVerification {
  let prev = prevHash;
  for (const r of rows) {
    if (r.prevHash !== prev) return { ok: false, entries: rows.length, firstBadId: r.id, reason: "link to the previous entry broken" };
    if (auditHash(prev, r) !== r.hash) return { ok: false, entries: rows.length, firstBadId: r.id, reason: "entry altered" };
    prev = r.hash;
  }
  return { ok: true, entries: rows.length };
}

export interface AuditStore {
  /** Append one entry (chained to the last one, in one transaction that serialises appends). */
  append(e: NewAuditEntry, nowMs: number): Promise<AuditEntry>;
  /** Entries newest first. */
  list(f: AuditFilter): Promise<AuditEntry[]>;
  /** Every entry with id > afterId, oldest first, at most `limit` (for verifying the chain in pages). */
  scan(afterId: number, limit: number): Promise<AuditEntry[]>;
}

/** Permissions a project grants to its roles. */
export const PROJECT_PERMISSIONS = ["dataset:read"] as const;
export type ProjectPermission = (typeof PROJECT_PERMISSIONS)[number];
/** The least project role holding each permission when the project sets nothing. */
export const DEFAULT_PERMISSION_ROLE: Readonly<Record<ProjectPermission, ProjectRole>> = { "dataset:read": "reader" };

export interface PermissionRule {
  readonly project: string;
  readonly permission: ProjectPermission;
  /** The least project role that holds it. */
  readonly minRole: ProjectRole;
  readonly setBy: string;
  readonly setAtMs: number;
}

export interface PermissionStore {
  /** The project's rules (permissions it does not list take the default). */
  list(project: string): Promise<PermissionRule[]>;
  /** Set a rule, with its audit entry, in one transaction. */
  set(rule: PermissionRule): Promise<PermissionRule>;
}

export interface RetentionRule {
  readonly project: string;
  /** Keep the newest N live versions of each name (undefined: no count limit). */
  readonly keepVersions?: number;
  /** Delete versions older than this many days (undefined: no age limit); the newest version is always kept. */
  readonly maxAgeDays?: number;
  /** The kinds the rule applies to. */
  readonly kinds: readonly ArtifactKind[];
  readonly setBy: string;
  readonly setAtMs: number;
}

export interface RetentionStore {
  get(project: string): Promise<RetentionRule | undefined>;
  list(): Promise<RetentionRule[]>;
  /** Set (replace) the project's rule, with its audit entry, in one transaction. */
  set(rule: RetentionRule): Promise<RetentionRule>;
  /** Remove the project's rule (with its audit entry); false when there was none. */
  clear(project: string, by: string, nowMs: number): Promise<boolean>;
}

export interface GovernanceStores {
  readonly audit: AuditStore;
  readonly permissions: PermissionStore;
  readonly retention: RetentionStore;
}

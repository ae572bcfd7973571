import { randomBytes } from "node:crypto";
import { AidcError, NotFoundError } from "@aidc/core";
import type { SqliteStore } from "../store/sqlite.js";

export const ARTIFACT_KINDS = ["dataset", "checkpoint", "model", "other"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];
export const TIERS = ["hot", "warm", "cold"] as const;
export type Tier = (typeof TIERS)[number];

export interface Artifact {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly kind: ArtifactKind;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly tier: Tier;
  readonly metadata: Record<string, unknown>;
  /** Lineage: artifact ids this one was made from. */
  readonly parents: readonly string[];
  /** Lineage: the job that produced it. */
  readonly jobId?: string;
  readonly createdBy: string;
  readonly createdAtMs: number;
  /** Set on a deleted version: its row stays as a tombstone so lineage still names it. */
  readonly deletedAtMs?: number;
  readonly deletedBy?: string;
}

interface Row {
  id: string;
  project: string;
  name: string;
  version: number;
  kind: ArtifactKind;
  sha256: string;
  size_bytes: number;
  tier: Tier;
  metadata: string;
  parents: string;
  job_id: string | null;
  created_by: string;
  created_at_ms: number;
  deleted_at_ms: number | null;
  deleted_by: string | null;
}

function fromRow(r: Row): Artifact {
  return {
    id: r.id,
    project: r.project,
    name: r.name,
    version: r.version,
    kind: r.kind,
    sha256: r.sha256,
    sizeBytes: r.size_bytes,
    tier: r.tier,
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
    parents: JSON.parse(r.parents) as string[],
    ...(r.job_id === null ? {} : { jobId: r.job_id }),
    createdBy: r.created_by,
    createdAtMs: r.created_at_ms,
    ...(r.deleted_at_ms === null ? {} : { deletedAtMs: r.deleted_at_ms }),
    ...(r.deleted_by === null ? {} : { deletedBy: r.deleted_by }),
  };
}

const LIVE = "deleted_at_ms IS NULL";

export class QuotaExceededError extends AidcError {
  constructor(message: string) {
    super("QUOTA_EXCEEDED", message);
  }
}

export interface NewArtifact {
  readonly project: string;
  readonly name: string;
  readonly kind: ArtifactKind;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly metadata: Record<string, unknown>;
  readonly parents: readonly string[];
  readonly jobId?: string;
  readonly createdBy: string;
}

/** Names, versions, metadata, lineage, quotas and tiers of artifacts (the bytes live in BlobStore). */
export class ArtifactRepo {
  constructor(private readonly store: SqliteStore) {}

  /** Register a new version (1, 2, …) of project/name, checking the project quota and the parents. */
  add(a: NewArtifact, nowMs: number): Artifact {
    const db = this.store.db;
    return db.transaction(() => {
      const quota = this.store.prepare("SELECT max_bytes FROM project_quotas WHERE project = ?").get(a.project) as
        { max_bytes: number } | undefined;
      if (quota !== undefined) {
        const used = this.usedBytes(a.project);
        if (used + a.sizeBytes > quota.max_bytes) {
          throw new QuotaExceededError(
            `Project "${a.project}" would use ${used + a.sizeBytes} bytes, over its quota of ${quota.max_bytes}`,
          );
        }
      }
      for (const p of a.parents) if (this.get(p) === undefined) throw new NotFoundError(`Parent artifact "${p}" does not exist`);
      const last = this.store.prepare("SELECT MAX(version) AS v FROM artifacts WHERE project = ? AND name = ?").get(a.project, a.name) as {
        v: number | null;
      };
      const version = (last.v ?? 0) + 1;
      const id = `a-${randomBytes(8).toString("hex")}`;
      this.store
        .prepare(
          `INSERT INTO artifacts (id, project, name, version, kind, sha256, size_bytes, tier, metadata, parents, job_id, created_by, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'hot', ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          a.project,
          a.name,
          version,
          a.kind,
          a.sha256,
          a.sizeBytes,
          JSON.stringify(a.metadata),
          JSON.stringify(a.parents),
          a.jobId ?? null,
          a.createdBy,
          nowMs,
        );
      this.store.insertEvent(nowMs, "artifact.created", `artifact/${a.project}/${a.name}`, {
        id,
        version,
        sha256: a.sha256,
        jobId: a.jobId,
      });
      return this.get(id) as Artifact;
    })();
  }

  get(id: string): Artifact | undefined {
    const r = this.store.prepare("SELECT * FROM artifacts WHERE id = ?").get(id) as Row | undefined;
    return r === undefined ? undefined : fromRow(r);
  }

  /** A live version of project/name; the latest live one when version is undefined. Deleted versions are not found. */
  find(project: string, name: string, version?: number): Artifact | undefined {
    const r = (
      version === undefined
        ? this.store
            .prepare(`SELECT * FROM artifacts WHERE project = ? AND name = ? AND ${LIVE} ORDER BY version DESC LIMIT 1`)
            .get(project, name)
        : this.store
            .prepare(`SELECT * FROM artifacts WHERE project = ? AND name = ? AND version = ? AND ${LIVE}`)
            .get(project, name, version)
    ) as Row | undefined;
    return r === undefined ? undefined : fromRow(r);
  }

  /** Live versions (tombstones too with includeDeleted), ordered by project, name, version. */
  list(filter: { project?: string; name?: string; kind?: ArtifactKind; includeDeleted?: boolean } = {}): Artifact[] {
    const where: string[] = filter.includeDeleted === true ? [] : [LIVE];
    const args: string[] = [];
    for (const [col, v] of [
      ["project", filter.project],
      ["name", filter.name],
      ["kind", filter.kind],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    }
    const sql = `SELECT * FROM artifacts ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY project, name, version`;
    return (this.store.prepare(sql).all(...args) as Row[]).map(fromRow);
  }

  usedBytes(project: string): number {
    return (
      this.store.prepare(`SELECT COALESCE(SUM(size_bytes), 0) AS n FROM artifacts WHERE project = ? AND ${LIVE}`).get(project) as {
        n: number;
      }
    ).n;
  }

  /**
   * Delete a version: the row stays as a tombstone (lineage keeps naming it) and `latest` moves to
   * the newest remaining version. Returns whether any live version still uses the same bytes.
   */
  remove(id: string, by: string, nowMs: number): { blobStillUsed: boolean } {
    return this.store.db.transaction(() => {
      const a = this.get(id);
      if (a === undefined || a.deletedAtMs !== undefined) throw new NotFoundError(`No artifact "${id}"`);
      this.store.prepare("UPDATE artifacts SET deleted_at_ms = ?, deleted_by = ? WHERE id = ?").run(nowMs, by, id);
      this.store.insertEvent(nowMs, "artifact.deleted", `artifact/${a.project}/${a.name}`, { id, version: a.version, by });
      return { blobStillUsed: this.isBlobUsed(a.sha256) };
    })();
  }

  /** Whether a live version references these bytes (a blob nobody references may be removed). */
  isBlobUsed(sha256: string): boolean {
    return this.store.prepare(`SELECT 1 FROM artifacts WHERE sha256 = ? AND ${LIVE} LIMIT 1`).get(sha256) !== undefined;
  }

  /** Change a live version's tier and/or metadata (metadata keys are merged; null removes a key). */
  update(id: string, change: { tier?: Tier; metadata?: Record<string, unknown> }, by: string, nowMs: number): Artifact {
    return this.store.db.transaction(() => {
      const a = this.get(id);
      if (a === undefined || a.deletedAtMs !== undefined) throw new NotFoundError(`No artifact "${id}"`);
      const metadata = { ...a.metadata };
      for (const [k, v] of Object.entries(change.metadata ?? {})) {
        if (v === null) delete metadata[k];
        else metadata[k] = v;
      }
      this.store
        .prepare("UPDATE artifacts SET tier = ?, metadata = ? WHERE id = ?")
        .run(change.tier ?? a.tier, JSON.stringify(metadata), id);
      this.store.insertEvent(nowMs, "artifact.updated", `artifact/${a.project}/${a.name}`, {
        id,
        by,
        ...(change.tier ? { tier: change.tier } : {}),
        ...(change.metadata ? { metadataKeys: Object.keys(change.metadata) } : {}),
      });
      return this.get(id) as Artifact;
    })();
  }

  /** Every project's artifact quota in bytes (projects without one are absent). */
  quotas(): Map<string, number> {
    const rows = this.store.prepare("SELECT project, max_bytes FROM project_quotas").all() as { project: string; max_bytes: number }[];
    return new Map(rows.map((r) => [r.project, r.max_bytes]));
  }

  setQuota(project: string, maxBytes: number): void {
    this.store
      .prepare(
        "INSERT INTO project_quotas (project, max_bytes) VALUES (?, ?) ON CONFLICT(project) DO UPDATE SET max_bytes = excluded.max_bytes",
      )
      .run(project, maxBytes);
  }

  /**
   * The tiering policy: the newest `hotVersions` versions of each name stay hot; older ones go
   * warm, and to cold once older than `coldAfterDays`. Returns the artifacts that moved.
   */
  applyTierPolicy(policy: { hotVersions: number; coldAfterDays: number }, nowMs: number): { id: string; from: Tier; to: Tier }[] {
    const moved: { id: string; from: Tier; to: Tier }[] = [];
    const byName = new Map<string, Artifact[]>();
    for (const a of this.list()) byName.set(`${a.project}/${a.name}`, [...(byName.get(`${a.project}/${a.name}`) ?? []), a]);
    this.store.db.transaction(() => {
      for (const versions of byName.values()) {
        const newestFirst = [...versions].sort((x, y) => y.version - x.version);
        newestFirst.forEach((a, i) => {
          const old = nowMs - a.createdAtMs > policy.coldAfterDays * 86_400_000;
          const to: Tier = i < policy.hotVersions ? "hot" : old ? "cold" : "warm";
          // tiers only move down
          if (TIERS.indexOf(to) <= TIERS.indexOf(a.tier)) return;
          this.store.prepare("UPDATE artifacts SET tier = ? WHERE id = ?").run(to, a.id);
          this.store.insertEvent(nowMs, "artifact.tiered", `artifact/${a.project}/${a.name}`, { id: a.id, from: a.tier, to });
          moved.push({ id: a.id, from: a.tier, to });
        });
      }
    })();
    return moved;
  }
}

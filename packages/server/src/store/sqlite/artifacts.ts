import { randomBytes } from "node:crypto";
import {
  artifactFromRow,
  artifactWhere,
  checkQuota,
  mergeMetadata,
  noArtifact,
  parentMissing,
  servedConflict,
  type ArtifactRow,
} from "../artifacts-rows.js";
import type { Artifact, ArtifactFilter, ArtifactStore, NewArtifact, PublishDecision, Tier, TierMove } from "../port-artifacts.js";
import type { SqliteDb } from "./db.js";
import { claimProject } from "./projects.js";

const LIVE = "deleted_at_ms IS NULL";

/** Artifact versions on SQLite: every change is one (immediate) transaction with its event. */
export class SqliteArtifactStore implements ArtifactStore {
  constructor(private readonly db: SqliteDb) {}

  private read(id: string): Artifact | undefined {
    const r = this.db.prepare("SELECT * FROM artifacts WHERE id = ?").get(id) as ArtifactRow | undefined;
    return r === undefined ? undefined : artifactFromRow(r);
  }

  private used(project: string): number {
    return (
      this.db.prepare(`SELECT COALESCE(SUM(size_bytes), 0) AS n FROM artifacts WHERE project = ? AND ${LIVE}`).get(project) as { n: number }
    ).n;
  }

  private blobUsed(sha256: string): boolean {
    return this.db.prepare(`SELECT 1 FROM artifacts WHERE sha256 = ? AND ${LIVE} LIMIT 1`).get(sha256) !== undefined;
  }

  async add(a: NewArtifact, nowMs: number, publish?: { user: string; decide: PublishDecision }): Promise<Artifact> {
    return this.db.transaction(() => {
      if (publish !== undefined) claimProject(this.db, a.project, publish.user, nowMs, publish.decide);
      const quota = this.db.prepare("SELECT max_bytes FROM project_quotas WHERE project = ?").get(a.project) as
        { max_bytes: number } | undefined;
      if (quota !== undefined) checkQuota(a.project, this.used(a.project), a.sizeBytes, quota.max_bytes);
      for (const p of a.parents) if (this.read(p) === undefined) throw parentMissing(p);
      const last = this.db.prepare("SELECT MAX(version) AS v FROM artifacts WHERE project = ? AND name = ?").get(a.project, a.name) as {
        v: number | null;
      };
      const version = (last.v ?? 0) + 1;
      const id = `a-${randomBytes(8).toString("hex")}`;
      this.db
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
      this.db.insertEvent(nowMs, "artifact.created", `artifact/${a.project}/${a.name}`, { id, version, sha256: a.sha256, jobId: a.jobId });
      return this.read(id) as Artifact;
    });
  }

  async get(id: string): Promise<Artifact | undefined> {
    return this.read(id);
  }

  async find(project: string, name: string, version?: number): Promise<Artifact | undefined> {
    const r = (
      version === undefined
        ? this.db
            .prepare(`SELECT * FROM artifacts WHERE project = ? AND name = ? AND ${LIVE} ORDER BY version DESC LIMIT 1`)
            .get(project, name)
        : this.db.prepare(`SELECT * FROM artifacts WHERE project = ? AND name = ? AND version = ? AND ${LIVE}`).get(project, name, version)
    ) as ArtifactRow | undefined;
    return r === undefined ? undefined : artifactFromRow(r);
  }

  async list(filter: ArtifactFilter = {}): Promise<Artifact[]> {
    const { where, values } = artifactWhere(filter);
    const sql = `SELECT * FROM artifacts ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY project, name, version`;
    return (this.db.prepare(sql).all(...values) as ArtifactRow[]).map(artifactFromRow);
  }

  async usedBytes(project: string): Promise<number> {
    return this.used(project);
  }

  async remove(id: string, by: string, nowMs: number): Promise<{ artifact: Artifact; blobStillUsed: boolean }> {
    return this.db.transaction(() => {
      const a = this.read(id);
      if (a === undefined || a.deletedAtMs !== undefined) throw noArtifact(id);
      const serving = (
        this.db.prepare("SELECT name FROM served_models WHERE artifact_id = ? ORDER BY name").all(id) as { name: string }[]
      ).map((r) => r.name);
      if (serving.length > 0) throw servedConflict(a, serving);
      this.db.prepare("UPDATE artifacts SET deleted_at_ms = ?, deleted_by = ? WHERE id = ?").run(nowMs, by, id);
      this.db.insertEvent(nowMs, "artifact.deleted", `artifact/${a.project}/${a.name}`, { id, version: a.version, by });
      return { artifact: this.read(id) as Artifact, blobStillUsed: this.blobUsed(a.sha256) };
    });
  }

  async isBlobUsed(sha256: string): Promise<boolean> {
    return this.blobUsed(sha256);
  }

  async update(id: string, change: { tier?: Tier; metadata?: Record<string, unknown> }, by: string, nowMs: number): Promise<Artifact> {
    return this.db.transaction(() => {
      const a = this.read(id);
      if (a === undefined || a.deletedAtMs !== undefined) throw noArtifact(id);
      const metadata = mergeMetadata(a.metadata, change.metadata);
      this.db.prepare("UPDATE artifacts SET tier = ?, metadata = ? WHERE id = ?").run(change.tier ?? a.tier, JSON.stringify(metadata), id);
      this.db.insertEvent(nowMs, "artifact.updated", `artifact/${a.project}/${a.name}`, {
        id,
        by,
        ...(change.tier ? { tier: change.tier } : {}),
        ...(change.metadata ? { metadataKeys: Object.keys(change.metadata) } : {}),
      });
      return this.read(id) as Artifact;
    });
  }

  async quotas(): Promise<Map<string, number>> {
    const rows = this.db.prepare("SELECT project, max_bytes FROM project_quotas").all() as { project: string; max_bytes: number }[];
    return new Map(rows.map((r) => [r.project, r.max_bytes]));
  }

  async setQuota(project: string, maxBytes: number): Promise<void> {
    this.db
      .prepare(
        "INSERT INTO project_quotas (project, max_bytes) VALUES (?, ?) ON CONFLICT(project) DO UPDATE SET max_bytes = excluded.max_bytes",
      )
      .run(project, maxBytes);
  }

  async moveTiers(moves: readonly TierMove[], nowMs: number): Promise<TierMove[]> {
    return this.db.transaction(() => {
      const applied: TierMove[] = [];
      for (const m of moves) {
        const r = this.db
          .prepare(`UPDATE artifacts SET tier = ? WHERE id = ? AND tier = ? AND ${LIVE} RETURNING project, name`)
          .get(m.to, m.id, m.from) as { project: string; name: string } | undefined;
        if (r === undefined) continue;
        this.db.insertEvent(nowMs, "artifact.tiered", `artifact/${r.project}/${r.name}`, { id: m.id, from: m.from, to: m.to });
        applied.push({ id: m.id, from: m.from, to: m.to });
      }
      return applied;
    });
  }
}

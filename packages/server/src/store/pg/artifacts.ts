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
import type { PgDb, Sql } from "./db.js";
import { claimProjectPg, insertEventPg, lockProject } from "./projects.js";

const LIVE = "deleted_at_ms IS NULL";

/** `?` placeholders as PostgreSQL's `$1, $2, …`. */
const numbered = (text: string): string => {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
};

async function read(sql: Sql, id: string, lock = ""): Promise<Artifact | undefined> {
  const r = (await sql.query<ArtifactRow>(`SELECT * FROM artifacts WHERE id = $1 ${lock}`, [id]))[0];
  return r === undefined ? undefined : artifactFromRow(r);
}

async function used(sql: Sql, project: string): Promise<number> {
  return (
    (
      await sql.query<{ n: number }>(
        `SELECT COALESCE(SUM(size_bytes), 0) AS n FROM artifacts WHERE project = $1 AND ${LIVE}`,
        [project],
        "art_used",
      )
    )[0]?.n ?? 0
  );
}

async function blobUsed(sql: Sql, sha256: string): Promise<boolean> {
  return (await sql.query(`SELECT 1 FROM artifacts WHERE sha256 = $1 AND ${LIVE} LIMIT 1`, [sha256], "art_blob_used")).length > 0;
}

/**
 * Artifact versions on PostgreSQL. A change to a project's artifacts (a new version, the quota check)
 * holds the project's advisory lock for its transaction, so concurrent adds number versions without gaps
 * or duplicates and cannot together overrun the quota. Deleting and promoting lock the version's row.
 */
export class PgArtifactStore implements ArtifactStore {
  constructor(private readonly db: PgDb) {}

  add(a: NewArtifact, nowMs: number, publish?: { user: string; decide: PublishDecision }): Promise<Artifact> {
    return this.db.tx(async (sql) => {
      await lockProject(sql, a.project);
      if (publish !== undefined) await claimProjectPg(sql, a.project, publish.user, nowMs, publish.decide);
      const quota = (await sql.query<{ max_bytes: number }>("SELECT max_bytes FROM project_quotas WHERE project = $1", [a.project]))[0];
      if (quota !== undefined) checkQuota(a.project, await used(sql, a.project), a.sizeBytes, quota.max_bytes);
      if (a.parents.length > 0) {
        const found = new Set(
          (await sql.query<{ id: string }>("SELECT id FROM artifacts WHERE id = ANY($1::text[])", [[...a.parents]])).map((r) => r.id),
        );
        for (const p of a.parents) if (!found.has(p)) throw parentMissing(p);
      }
      const last = (
        await sql.query<{ v: number | null }>(
          "SELECT MAX(version) AS v FROM artifacts WHERE project = $1 AND name = $2",
          [a.project, a.name],
          "art_last_version",
        )
      )[0];
      const version = (last?.v ?? 0) + 1;
      const id = `a-${randomBytes(8).toString("hex")}`;
      const rows = await sql.query<ArtifactRow>(
        `INSERT INTO artifacts (id, project, name, version, kind, sha256, size_bytes, tier, metadata, parents, job_id, created_by, created_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'hot', $8, $9, $10, $11, $12) RETURNING *`,
        [
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
        ],
        "art_insert",
      );
      await insertEventPg(sql, nowMs, "artifact.created", `artifact/${a.project}/${a.name}`, {
        id,
        version,
        sha256: a.sha256,
        jobId: a.jobId,
      });
      return artifactFromRow(rows[0] as ArtifactRow);
    });
  }

  get(id: string): Promise<Artifact | undefined> {
    return read(this.db, id);
  }

  async find(project: string, name: string, version?: number): Promise<Artifact | undefined> {
    const rows =
      version === undefined
        ? await this.db.query<ArtifactRow>(
            `SELECT * FROM artifacts WHERE project = $1 AND name = $2 AND ${LIVE} ORDER BY version DESC LIMIT 1`,
            [project, name],
            "art_find_latest",
          )
        : await this.db.query<ArtifactRow>(
            `SELECT * FROM artifacts WHERE project = $1 AND name = $2 AND version = $3 AND ${LIVE}`,
            [project, name, version],
            "art_find_version",
          );
    return rows[0] === undefined ? undefined : artifactFromRow(rows[0]);
  }

  async list(filter: ArtifactFilter = {}): Promise<Artifact[]> {
    const { where, values } = artifactWhere(filter);
    const text = numbered(
      `SELECT * FROM artifacts ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY project COLLATE "C", name COLLATE "C", version`,
    );
    return (await this.db.query<ArtifactRow>(text, values)).map(artifactFromRow);
  }

  usedBytes(project: string): Promise<number> {
    return used(this.db, project);
  }

  remove(id: string, by: string, nowMs: number): Promise<{ artifact: Artifact; blobStillUsed: boolean }> {
    return this.db.tx(async (sql) => {
      const a = await read(sql, id, "FOR UPDATE");
      if (a === undefined || a.deletedAtMs !== undefined) throw noArtifact(id);
      const serving = (
        await sql.query<{ name: string }>(`SELECT name FROM served_models WHERE artifact_id = $1 ORDER BY name COLLATE "C"`, [id])
      ).map((r) => r.name);
      if (serving.length > 0) throw servedConflict(a, serving);
      const rows = await sql.query<ArtifactRow>("UPDATE artifacts SET deleted_at_ms = $1, deleted_by = $2 WHERE id = $3 RETURNING *", [
        nowMs,
        by,
        id,
      ]);
      await insertEventPg(sql, nowMs, "artifact.deleted", `artifact/${a.project}/${a.name}`, { id, version: a.version, by });
      return { artifact: artifactFromRow(rows[0] as ArtifactRow), blobStillUsed: await blobUsed(sql, a.sha256) };
    });
  }

  isBlobUsed(sha256: string): Promise<boolean> {
    return blobUsed(this.db, sha256);
  }

  update(id: string, change: { tier?: Tier; metadata?: Record<string, unknown> }, by: string, nowMs: number): Promise<Artifact> {
    return this.db.tx(async (sql) => {
      const a = await read(sql, id, "FOR UPDATE");
      if (a === undefined || a.deletedAtMs !== undefined) throw noArtifact(id);
      const metadata = mergeMetadata(a.metadata, change.metadata);
      const rows = await sql.query<ArtifactRow>("UPDATE artifacts SET tier = $1, metadata = $2 WHERE id = $3 RETURNING *", [
        change.tier ?? a.tier,
        JSON.stringify(metadata),
        id,
      ]);
      await insertEventPg(sql, nowMs, "artifact.updated", `artifact/${a.project}/${a.name}`, {
        id,
        by,
        ...(change.tier ? { tier: change.tier } : {}),
        ...(change.metadata ? { metadataKeys: Object.keys(change.metadata) } : {}),
      });
      return artifactFromRow(rows[0] as ArtifactRow);
    });
  }

  async quotas(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ project: string; max_bytes: number }>("SELECT project, max_bytes FROM project_quotas");
    return new Map(rows.map((r) => [r.project, r.max_bytes]));
  }

  async setQuota(project: string, maxBytes: number): Promise<void> {
    await this.db.query(
      "INSERT INTO project_quotas (project, max_bytes) VALUES ($1, $2) ON CONFLICT (project) DO UPDATE SET max_bytes = excluded.max_bytes",
      [project, maxBytes],
    );
  }

  moveTiers(moves: readonly TierMove[], nowMs: number): Promise<TierMove[]> {
    return this.db.tx(async (sql) => {
      const applied: TierMove[] = [];
      for (const m of moves) {
        const r = (
          await sql.query<{ project: string; name: string }>(
            `UPDATE artifacts SET tier = $1 WHERE id = $2 AND tier = $3 AND ${LIVE} RETURNING project, name`,
            [m.to, m.id, m.from],
            "art_move_tier",
          )
        )[0];
        if (r === undefined) continue;
        await insertEventPg(sql, nowMs, "artifact.tiered", `artifact/${r.project}/${r.name}`, { id: m.id, from: m.from, to: m.to });
        applied.push({ id: m.id, from: m.from, to: m.to });
      }
      return applied;
    });
  }
}

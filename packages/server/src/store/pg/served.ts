import { bindingFromRow, noArtifact, type BindingRow } from "../artifacts-rows.js";
import type { PromoteFacts, PublicModelStore, ServedBinding, ServedStore } from "../port-artifacts.js";
import type { PgDb, Sql } from "./db.js";
import { SERVED_NAME_LOCK, insertEventPg, projectFactsPg } from "./projects.js";

async function read(sql: Sql, name: string): Promise<ServedBinding | undefined> {
  const r = (await sql.query<BindingRow>("SELECT * FROM served_models WHERE name = $1", [name], "art_binding"))[0];
  return r === undefined ? undefined : bindingFromRow(r);
}

/** Serialise this transaction with every other change to the same served name (two claims of a free name). */
async function lockName(sql: Sql, name: string): Promise<void> {
  await sql.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [SERVED_NAME_LOCK, name], "art_lock_name");
}

async function setPublic(sql: Sql, name: string, open: boolean, by: string, atMs: number): Promise<void> {
  if (open)
    await sql.query("INSERT INTO public_models (name, set_by, set_at_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", [
      name,
      by,
      atMs,
    ]);
  else await sql.query("DELETE FROM public_models WHERE name = $1", [name]);
  await insertEventPg(sql, atMs, open ? "model.public" : "model.private", `model/${name}`, { by });
}

/**
 * Served-model bindings on PostgreSQL. A promotion holds the name's advisory lock (two users claiming a
 * free name: the second sees the first's binding) and a share lock on the version's row (a concurrent
 * delete of that version waits, then sees the binding and is refused).
 */
export class PgServedStore implements ServedStore {
  constructor(private readonly db: PgDb) {}

  binding(name: string): Promise<ServedBinding | undefined> {
    return read(this.db, name);
  }

  async bindings(): Promise<ServedBinding[]> {
    return (await this.db.query<BindingRow>(`SELECT * FROM served_models ORDER BY name COLLATE "C"`)).map(bindingFromRow);
  }

  async servingArtifact(artifactId: string): Promise<string[]> {
    return (
      await this.db.query<{ name: string }>(`SELECT name FROM served_models WHERE artifact_id = $1 ORDER BY name COLLATE "C"`, [artifactId])
    ).map((r) => r.name);
  }

  promote(o: {
    name: string;
    artifactId: string;
    by: string;
    nowMs: number;
    public?: boolean;
    check: (facts: PromoteFacts) => void;
  }): Promise<{ binding: ServedBinding; previous: ServedBinding | undefined }> {
    return this.db.tx(async (sql) => {
      await lockName(sql, o.name);
      const a = (
        await sql.query<{ project: string; name: string; version: number; deleted_at_ms: number | null }>(
          "SELECT project, name, version, deleted_at_ms FROM artifacts WHERE id = $1 FOR SHARE",
          [o.artifactId],
        )
      )[0];
      if (a === undefined || a.deleted_at_ms !== null) throw noArtifact(o.artifactId);
      const before = await read(sql, o.name);
      const project = before?.project ?? a.project;
      o.check({ before, project: await projectFactsPg(sql, project, o.by) });
      const rows = await sql.query<BindingRow>(
        `INSERT INTO served_models (name, project, artifact_id, promoted_by, promoted_at_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO UPDATE SET artifact_id = excluded.artifact_id, promoted_by = excluded.promoted_by,
         promoted_at_ms = excluded.promoted_at_ms RETURNING *`,
        [o.name, project, o.artifactId, o.by, o.nowMs],
      );
      await insertEventPg(sql, o.nowMs, "model.promoted", `model/${o.name}`, {
        project,
        artifactId: o.artifactId,
        artifact: `${a.project}/${a.name}:${a.version}`,
        by: o.by,
        ...(before ? { previousArtifactId: before.artifactId } : {}),
      });
      if (o.public !== undefined) await setPublic(sql, o.name, o.public, o.by, o.nowMs);
      return { binding: bindingFromRow(rows[0] as BindingRow), previous: before };
    });
  }

  release(name: string, by: string, nowMs: number, check: (facts: PromoteFacts) => void): Promise<ServedBinding | undefined> {
    return this.db.tx(async (sql) => {
      await lockName(sql, name);
      const b = await read(sql, name);
      if (b === undefined) return undefined;
      check({ before: b, project: await projectFactsPg(sql, b.project, by) });
      await sql.query("DELETE FROM served_models WHERE name = $1", [name]);
      await sql.query("DELETE FROM public_models WHERE name = $1", [name]);
      await insertEventPg(sql, nowMs, "model.released", `model/${name}`, { project: b.project, artifactId: b.artifactId, by });
      return b;
    });
  }
}

/** The public flag of promoted names on PostgreSQL. */
export class PgPublicModelStore implements PublicModelStore {
  constructor(private readonly db: PgDb) {}

  async isPublic(name: string): Promise<boolean> {
    return (await this.db.query("SELECT 1 FROM public_models WHERE name = $1", [name], "art_is_public")).length > 0;
  }

  async set(name: string, open: boolean, by: string, atMs: number): Promise<void> {
    await this.db.tx(async (sql) => {
      await lockName(sql, name);
      await setPublic(sql, name, open, by, atMs);
    });
  }
}

import { bindingFromRow, noArtifact, type BindingRow } from "../artifacts-rows.js";
import type { PromoteFacts, PublicModelStore, ServedBinding, ServedStore } from "../port-artifacts.js";
import type { SqliteDb } from "./db.js";
import { projectFacts } from "./projects.js";

/** Served-model bindings on SQLite. */
export class SqliteServedStore implements ServedStore {
  constructor(private readonly db: SqliteDb) {}

  private read(name: string): ServedBinding | undefined {
    const r = this.db.prepare("SELECT * FROM served_models WHERE name = ?").get(name) as BindingRow | undefined;
    return r === undefined ? undefined : bindingFromRow(r);
  }

  async binding(name: string): Promise<ServedBinding | undefined> {
    return this.read(name);
  }

  async bindings(): Promise<ServedBinding[]> {
    return (this.db.prepare("SELECT * FROM served_models ORDER BY name").all() as BindingRow[]).map(bindingFromRow);
  }

  async servingArtifact(artifactId: string): Promise<string[]> {
    return (
      this.db.prepare("SELECT name FROM served_models WHERE artifact_id = ? ORDER BY name").all(artifactId) as { name: string }[]
    ).map((r) => r.name);
  }

  async promote(o: {
    name: string;
    artifactId: string;
    by: string;
    nowMs: number;
    public?: boolean;
    check: (facts: PromoteFacts) => void;
  }): Promise<{ binding: ServedBinding; previous: ServedBinding | undefined }> {
    return this.db.transaction(() => {
      const a = this.db.prepare("SELECT project, name, version FROM artifacts WHERE id = ? AND deleted_at_ms IS NULL").get(o.artifactId) as
        { project: string; name: string; version: number } | undefined;
      if (a === undefined) throw noArtifact(o.artifactId);
      const before = this.read(o.name);
      const project = before?.project ?? a.project;
      o.check({ before, project: projectFacts(this.db, project, o.by) });
      this.db
        .prepare(
          `INSERT INTO served_models (name, project, artifact_id, promoted_by, promoted_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET artifact_id = excluded.artifact_id, promoted_by = excluded.promoted_by,
           promoted_at_ms = excluded.promoted_at_ms`,
        )
        .run(o.name, project, o.artifactId, o.by, o.nowMs);
      this.db.insertEvent(o.nowMs, "model.promoted", `model/${o.name}`, {
        project,
        artifactId: o.artifactId,
        artifact: `${a.project}/${a.name}:${a.version}`,
        by: o.by,
        ...(before ? { previousArtifactId: before.artifactId } : {}),
      });
      if (o.public !== undefined) setPublic(this.db, o.name, o.public, o.by, o.nowMs);
      return { binding: this.read(o.name) as ServedBinding, previous: before };
    });
  }

  async release(name: string, by: string, nowMs: number, check: (facts: PromoteFacts) => void): Promise<ServedBinding | undefined> {
    return this.db.transaction(() => {
      const b = this.read(name);
      if (b === undefined) return undefined;
      check({ before: b, project: projectFacts(this.db, b.project, by) });
      this.db.prepare("DELETE FROM served_models WHERE name = ?").run(name);
      this.db.prepare("DELETE FROM public_models WHERE name = ?").run(name);
      this.db.insertEvent(nowMs, "model.released", `model/${name}`, { project: b.project, artifactId: b.artifactId, by });
      return b;
    });
  }
}

function setPublic(db: SqliteDb, name: string, open: boolean, by: string, atMs: number): void {
  if (open)
    db.prepare("INSERT INTO public_models (name, set_by, set_at_ms) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING").run(name, by, atMs);
  else db.prepare("DELETE FROM public_models WHERE name = ?").run(name);
  db.insertEvent(atMs, open ? "model.public" : "model.private", `model/${name}`, { by });
}

/** The public flag of promoted names on SQLite. */
export class SqlitePublicModelStore implements PublicModelStore {
  constructor(private readonly db: SqliteDb) {}

  async isPublic(name: string): Promise<boolean> {
    return this.db.prepare("SELECT 1 FROM public_models WHERE name = ?").get(name) !== undefined;
  }

  async set(name: string, open: boolean, by: string, atMs: number): Promise<void> {
    this.db.transaction(() => setPublic(this.db, name, open, by, atMs));
  }
}

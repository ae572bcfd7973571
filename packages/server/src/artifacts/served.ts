import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "@aidc/core";
import { ForbiddenError } from "../auth.js";
import type { SqliteStore } from "../store/sqlite.js";
import { atLeast, type Principal } from "../store/tokens.js";
import type { BlobStore } from "./blobs.js";
import type { ProjectRepo } from "./projects.js";
import type { Artifact } from "./repo.js";
import { untarFiles } from "./untar.js";

export const MODEL_PACKAGE_FORMAT = "aidc-model-package+tar";
const MANIFEST = "manifest.json";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const INSTALLED = ".served";

/** A served name bound to one artifact version of the project that owns the name. */
export interface ServedBinding {
  readonly name: string;
  readonly project: string;
  readonly artifactId: string;
  readonly promotedBy: string;
  readonly promotedAtMs: number;
}

interface Row {
  name: string;
  project: string;
  artifact_id: string;
  promoted_by: string;
  promoted_at_ms: number;
}

const fromRow = (r: Row): ServedBinding => ({
  name: r.name,
  project: r.project,
  artifactId: r.artifact_id,
  promotedBy: r.promoted_by,
  promotedAtMs: r.promoted_at_ms,
});

/**
 * Served models: a name is bound to an artifact version only by an explicit promotion (or the
 * first training job that makes a model under a free name). The first promotion of a name claims
 * it for the artifact's project; later promotions need the publisher role in that project.
 *
 * A promoted package is unpacked into `<models>/.staging-<random>/` and then renamed to
 * `<models>/.served/<name>@<artifact-id>/<name>/` in one step, so a reader sees the whole package
 * or none of it; the binding row is written after the package is in place. Packages dropped
 * into `<models>/<name>/` by the server's operator (e.g. `aidc train --out`) are served too, as
 * long as no promotion binds the name; replacing one by a promotion needs the operator role.
 */
export class ServedModels {
  constructor(
    private readonly store: SqliteStore,
    readonly root: string,
  ) {}

  binding(name: string): ServedBinding | undefined {
    const r = this.store.prepare("SELECT * FROM served_models WHERE name = ?").get(name) as Row | undefined;
    return r === undefined ? undefined : fromRow(r);
  }

  bindings(): ServedBinding[] {
    return (this.store.prepare("SELECT * FROM served_models ORDER BY name").all() as Row[]).map(fromRow);
  }

  /** Names bound to this artifact (a served version cannot be deleted). */
  servingArtifact(artifactId: string): string[] {
    return (this.store.prepare("SELECT name FROM served_models WHERE artifact_id = ?").all(artifactId) as { name: string }[]).map(
      (r) => r.name,
    );
  }

  /** Packages an operator put directly under `<models>/<name>/`. */
  folderNames(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && NAME.test(d.name) && existsSync(join(this.root, d.name, MANIFEST)))
      .map((d) => d.name)
      .sort();
  }

  /** The folder a ModelRegistry serving this binding is rooted at (the package is `<that>/<name>/`). */
  installRoot(b: { name: string; artifactId: string }): string {
    return join(this.root, INSTALLED, `${b.name}@${b.artifactId}`);
  }

  /** Whether nothing serves this name yet (no binding and no operator package). */
  isFree(name: string): boolean {
    return this.binding(name) === undefined && !this.folderNames().includes(name);
  }

  /**
   * Bind `name` to `artifact` for the principal. Permission: the name's owning project (or, for a
   * free name, the artifact's project) must grant the principal the publisher role; an operator
   * package under the same name can only be replaced by an operator.
   */
  async promote(
    o: { projects: ProjectRepo; blobs: BlobStore },
    p: Principal,
    name: string,
    artifact: Artifact,
    nowMs: number,
  ): Promise<ServedBinding> {
    if (!NAME.test(name)) {
      throw new InvalidInputError(`Invalid model name "${name}"`, [
        { code: "invalid_string", path: "name", message: "letters, digits, '.', '_' or '-', starting with a letter or digit" },
      ]);
    }
    if (artifact.kind !== "model" || artifact.metadata["format"] !== MODEL_PACKAGE_FORMAT) {
      throw new InvalidInputError(`Cannot promote ${artifact.project}/${artifact.name}:${artifact.version}`, [
        {
          code: "invalid_value",
          path: "artifact",
          message: `is a ${artifact.kind} artifact, not a model package (${MODEL_PACKAGE_FORMAT})`,
        },
      ]);
    }
    this.checkPromote(o.projects, p, name, artifact);
    const installRoot = this.installRoot({ name, artifactId: artifact.id });
    if (!existsSync(join(installRoot, name, MANIFEST))) {
      await o.blobs.verify(artifact.sha256);
      const files = untarFiles(readFileSync(o.blobs.blobPath(artifact.sha256)));
      if (!files.some((f) => f.name === MANIFEST)) {
        throw new InvalidInputError(`Cannot promote ${artifact.project}/${artifact.name}:${artifact.version}`, [
          { code: "invalid_value", path: "artifact", message: `its archive has no ${MANIFEST}` },
        ]);
      }
      const staging = join(this.root, `.staging-${randomBytes(6).toString("hex")}`);
      try {
        mkdirSync(join(staging, name), { recursive: true });
        for (const f of files) writeFileSync(join(staging, name, f.name), f.data);
        mkdirSync(join(this.root, INSTALLED), { recursive: true });
        rmSync(installRoot, { recursive: true, force: true }); // an incomplete earlier attempt
        renameSync(staging, installRoot);
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    }
    const previous = this.store.db.transaction(() => {
      this.checkPromote(o.projects, p, name, artifact); // again, inside the transaction: two claims may race
      const before = this.binding(name);
      this.store
        .prepare(
          `INSERT INTO served_models (name, project, artifact_id, promoted_by, promoted_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET artifact_id = excluded.artifact_id, promoted_by = excluded.promoted_by,
           promoted_at_ms = excluded.promoted_at_ms`,
        )
        .run(name, before?.project ?? artifact.project, artifact.id, p.user, nowMs);
      this.store.insertEvent(nowMs, "model.promoted", `model/${name}`, {
        project: before?.project ?? artifact.project,
        artifactId: artifact.id,
        artifact: `${artifact.project}/${artifact.name}:${artifact.version}`,
        by: p.user,
        ...(before ? { previousArtifactId: before.artifactId } : {}),
      });
      return before;
    })();
    this.pruneInstalls(name, [artifact.id, ...(previous ? [previous.artifactId] : [])]);
    return this.binding(name) as ServedBinding;
  }

  /** Stop serving a name and release it (publisher in the owning project). */
  unbind(projects: ProjectRepo, p: Principal, name: string, nowMs: number): ServedBinding {
    const b = this.binding(name);
    if (b === undefined)
      throw new InvalidInputError(`Model "${name}" is not bound to an artifact`, [
        { code: "not_bound", path: "name", message: "only promoted models can be released" },
      ]);
    this.requirePublisher(projects, p, b.project, name);
    this.store.db.transaction(() => {
      this.store.prepare("DELETE FROM served_models WHERE name = ?").run(name);
      this.store.insertEvent(nowMs, "model.released", `model/${name}`, { project: b.project, artifactId: b.artifactId, by: p.user });
    })();
    return b;
  }

  /** Leftover staging folders of promotions a crash interrupted. */
  sweepStaging(): number {
    if (!existsSync(this.root)) return 0;
    const left = readdirSync(this.root).filter((f) => f.startsWith(".staging-"));
    for (const f of left) rmSync(join(this.root, f), { recursive: true, force: true });
    return left.length;
  }

  private checkPromote(projects: ProjectRepo, p: Principal, name: string, artifact: Artifact): void {
    const b = this.binding(name);
    if (b !== undefined) {
      this.requirePublisher(projects, p, b.project, name);
      if (artifact.project !== b.project) {
        throw new ForbiddenError(
          `Model "${name}" is served for project "${b.project}"; promote a version of an artifact of that project, ` +
            `not ${artifact.project}/${artifact.name}`,
        );
      }
      return;
    }
    if (this.folderNames().includes(name) && !atLeast(p.role, "operator")) {
      throw new ForbiddenError(`Model "${name}" is served from a package the server's operator installed; only an operator may replace it`);
    }
    this.requirePublisher(projects, p, artifact.project, name);
  }

  private requirePublisher(projects: ProjectRepo, p: Principal, project: string, name: string): void {
    const role = projects.roleOf(p, project);
    if (role !== "publisher" && role !== "owner") {
      throw new ForbiddenError(
        `${p.user} cannot change model "${name}": it belongs to project "${project}", where that needs the publisher role`,
      );
    }
  }

  /** Keep the installs still in use (the new one and the previous one, which may be answering a request). */
  private pruneInstalls(name: string, keep: readonly string[]): void {
    const dir = join(this.root, INSTALLED);
    const keepDirs = new Set(keep.map((artifactId) => `${name}@${artifactId}`));
    for (const f of readdirSync(dir)) {
      if (f.startsWith(`${name}@`) && !keepDirs.has(f)) rmSync(join(dir, f), { recursive: true, force: true });
    }
  }
}

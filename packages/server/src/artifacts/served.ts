import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "@aidc/core";
import { ForbiddenError } from "../auth.js";
import type { Artifact, ProjectFacts, ProjectStore, PromoteFacts, ServedBinding, ServedStore } from "../store/port-artifacts.js";
import { atLeast, type Principal } from "../store/tokens.js";
import type { BlobStore } from "./blobs.js";
import { roleIn } from "./projects.js";
import { untarFiles } from "./untar.js";
import { ORPHAN_GRACE_MS } from "./uploads.js";

export type { ServedBinding } from "../store/port-artifacts.js";

export const MODEL_PACKAGE_FORMAT = "aidc-model-package+tar";
const MANIFEST = "manifest.json";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const INSTALLED = ".served";

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
  private readonly served: ServedStore;
  private readonly projects: ProjectStore;
  /** Installs under way in this process, by install folder (two requests for a new version unpack it once). */
  private readonly installing = new Map<string, Promise<void>>();

  constructor(
    store: { readonly served: ServedStore; readonly projects: ProjectStore },
    readonly root: string,
  ) {
    this.served = store.served;
    this.projects = store.projects;
  }

  binding(name: string): Promise<ServedBinding | undefined> {
    return this.served.binding(name);
  }

  bindings(): Promise<ServedBinding[]> {
    return this.served.bindings();
  }

  /** Names bound to this artifact (a served version cannot be deleted). */
  servingArtifact(artifactId: string): Promise<string[]> {
    return this.served.servingArtifact(artifactId);
  }

  /** Packages an operator put directly under `<models>/<name>/`. */
  folderNames(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && NAME.test(d.name) && existsSync(join(this.root, d.name, MANIFEST)))
      .map((d) => d.name)
      .sort();
  }

  /** Every served name: operator packages and promoted names, sorted. */
  async names(): Promise<string[]> {
    return [...new Set([...this.folderNames(), ...(await this.bindings()).map((b) => b.name)])].sort();
  }

  /** The folder a ModelRegistry serving this binding is rooted at (the package is `<that>/<name>/`). */
  installRoot(b: { name: string; artifactId: string }): string {
    return join(this.root, INSTALLED, `${b.name}@${b.artifactId}`);
  }

  /** Whether nothing serves this name yet (no binding and no operator package). */
  async isFree(name: string): Promise<boolean> {
    return !this.folderNames().includes(name) && (await this.binding(name)) === undefined;
  }

  /**
   * Bind `name` to `artifact` for the principal. Permission: the name's owning project (or, for a
   * free name, the artifact's project) must grant the principal the publisher role; an operator
   * package under the same name can only be replaced by an operator. The check runs once before
   * the package is unpacked and again inside the store's transaction that binds (two claims may race).
   * With `public`, the name's public flag is set or cleared in the same transaction.
   */
  async promote(
    blobs: BlobStore,
    p: Principal,
    name: string,
    artifact: Artifact,
    nowMs: number,
    o: { public?: boolean | undefined } = {},
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
    const check = promoteCheck(p, name, artifact, this.folderNames().includes(name));
    const before = await this.binding(name);
    check({ before, project: await this.projects.facts(before?.project ?? artifact.project, p.user) });
    await this.install(blobs, name, artifact);
    const { binding, previous } = await this.served.promote({
      name,
      artifactId: artifact.id,
      by: p.user,
      nowMs,
      ...(o.public === undefined ? {} : { public: o.public }),
      check,
    });
    this.pruneInstalls(name, [artifact.id, ...(previous ? [previous.artifactId] : [])]);
    return binding;
  }

  /**
   * Unpack a model artifact's package to `installRoot` (a no-op when it is there): into a staging
   * folder first, then one rename, so a reader sees all of it or nothing. A replica that did not
   * run the promotion installs a bound version this way on its first request for it.
   */
  install(blobs: BlobStore, name: string, artifact: Artifact): Promise<void> {
    const installRoot = this.installRoot({ name, artifactId: artifact.id });
    if (existsSync(join(installRoot, name, MANIFEST))) return Promise.resolve();
    let running = this.installing.get(installRoot);
    if (running === undefined) {
      running = this.unpack(blobs, name, artifact, installRoot).finally(() => this.installing.delete(installRoot));
      this.installing.set(installRoot, running);
    }
    return running;
  }

  private async unpack(blobs: BlobStore, name: string, artifact: Artifact, installRoot: string): Promise<void> {
    const files = untarFiles(await blobs.readAll(artifact.sha256));
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

  /** Stop serving a name and release it (publisher in the owning project); its public flag goes too. */
  async unbind(p: Principal, name: string, nowMs: number): Promise<ServedBinding> {
    const b = await this.served.release(name, p.user, nowMs, (f) => requirePublisher(p, f.project, name));
    if (b === undefined)
      throw new InvalidInputError(`Model "${name}" is not bound to an artifact`, [
        { code: "not_bound", path: "name", message: "only promoted models can be released" },
      ]);
    return b;
  }

  /**
   * Leftover staging folders of promotions a crash interrupted (older than `graceMs`, so a
   * promotion another replica is unpacking into a shared folder right now is left alone).
   */
  sweepStaging(nowMs: number = Date.now(), graceMs: number = ORPHAN_GRACE_MS): number {
    if (!existsSync(this.root)) return 0;
    let removed = 0;
    for (const f of readdirSync(this.root)) {
      if (!f.startsWith(".staging-")) continue;
      try {
        if (nowMs - statSync(join(this.root, f)).mtimeMs < graceMs) continue;
      } catch {
        continue; // gone meanwhile
      }
      rmSync(join(this.root, f), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /** Keep the installs still in use (the new one and the previous one, which may be answering a request). */
  pruneInstalls(name: string, keep: readonly string[]): void {
    const dir = join(this.root, INSTALLED);
    if (!existsSync(dir)) return;
    const keepDirs = new Set(keep.map((artifactId) => `${name}@${artifactId}`));
    for (const f of readdirSync(dir)) {
      if (f.startsWith(`${name}@`) && !keepDirs.has(f)) rmSync(join(dir, f), { recursive: true, force: true });
    }
  }
}

/**
 * Who may bind `name` to `artifact`, from the facts read in the binding's transaction: a bound name
 * stays with its project (publisher there, and a version of that project's artifact); a free name
 * needs the publisher role in the artifact's project, and an operator to replace an operator package.
 */
export function promoteCheck(p: Principal, name: string, artifact: Artifact, operatorPackage: boolean): (f: PromoteFacts) => void {
  return (f) => {
    if (f.before !== undefined) {
      requirePublisher(p, f.project, name);
      if (artifact.project !== f.before.project) {
        throw new ForbiddenError(
          `Model "${name}" is served for project "${f.before.project}"; promote a version of an artifact of that project, ` +
            `not ${artifact.project}/${artifact.name}`,
        );
      }
      return;
    }
    if (operatorPackage && !atLeast(p.role, "operator")) {
      throw new ForbiddenError(`Model "${name}" is served from a package the server's operator installed; only an operator may replace it`);
    }
    requirePublisher(p, f.project, name);
  };
}

function requirePublisher(p: Principal, f: ProjectFacts, name: string): void {
  const role = roleIn(p, f);
  if (role !== "publisher" && role !== "owner") {
    throw new ForbiddenError(
      `${p.user} cannot change model "${name}": it belongs to project "${f.project}", where that needs the publisher role`,
    );
  }
}

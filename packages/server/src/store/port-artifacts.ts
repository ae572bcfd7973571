import { AidcError } from "@aidc/core";

/*
 * The artifact area of the store port: artifacts (names, versions, lineage, quotas, tiers), projects
 * and their members, resumable upload sessions, served-model bindings and the public flag of served
 * models. Only data lives here; who may do what (artifacts/projects.ts, artifacts/served.ts) and the
 * bytes (artifacts/blobs.ts) stay outside. A composite change that must see a consistent state (publish
 * into a project that may have to be created, promote a name two users may claim at once) is ONE method:
 * the backend reads the facts inside its transaction and hands them to the caller's `decide`/`check`
 * function, a pure function that throws to refuse. Backends: store/sqlite/artifacts*.ts, store/pg/artifacts*.ts.
 */

export const ARTIFACT_KINDS = ["dataset", "checkpoint", "model", "other"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];
export const TIERS = ["hot", "warm", "cold"] as const;
export type Tier = (typeof TIERS)[number];
/** A member's rights in one project: reader < publisher < owner. */
export const PROJECT_ROLES = ["reader", "publisher", "owner"] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

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

export interface ArtifactFilter {
  readonly project?: string;
  readonly name?: string;
  readonly kind?: ArtifactKind;
  readonly includeDeleted?: boolean;
}

export interface TierMove {
  readonly id: string;
  readonly from: Tier;
  readonly to: Tier;
}

export interface Member {
  readonly user: string;
  readonly role: ProjectRole;
  readonly addedBy: string;
  readonly addedAtMs: number;
}

export interface Project {
  readonly name: string;
  readonly createdBy: string;
  readonly createdAtMs: number;
  readonly members: readonly Member[];
}

/** What a permission decision about one user in one project needs, read in one transaction. */
export interface ProjectFacts {
  readonly project: string;
  readonly user: string;
  readonly exists: boolean;
  /** The user's membership role (undefined: not a member, or no such project). */
  readonly memberRole: ProjectRole | undefined;
  /** Some token was issued for a user of the project's name (that project belongs to that user). */
  readonly nameIsUser: boolean;
}

/** Decides, from the facts, whether `user` may publish: "create" the project first, or "publish" into it; throws to refuse. */
export type PublishDecision = (facts: ProjectFacts) => "create" | "publish";

export interface UploadSession {
  readonly id: string;
  readonly user: string;
  readonly sizeBytes: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** A served name bound to one artifact version of the project that owns the name. */
export interface ServedBinding {
  readonly name: string;
  readonly project: string;
  readonly artifactId: string;
  readonly promotedBy: string;
  readonly promotedAtMs: number;
}

export class QuotaExceededError extends AidcError {
  constructor(message: string) {
    super("QUOTA_EXCEEDED", message);
  }
}

export class ConflictError extends AidcError {
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

export interface ArtifactStore {
  /**
   * Register the next version (1, 2, …; no gaps, also under concurrent adds) of project/name, in one
   * transaction: with `publish`, first ask it whether `publish.user` may publish (creating the project
   * with that user as owner when it answers "create"); then the project quota (QuotaExceededError), the
   * parents (NotFoundError), the row and an "artifact.created" event.
   */
  add(a: NewArtifact, nowMs: number, publish?: { user: string; decide: PublishDecision }): Promise<Artifact>;
  get(id: string): Promise<Artifact | undefined>;
  /** A live version of project/name; the latest live one when version is undefined. */
  find(project: string, name: string, version?: number): Promise<Artifact | undefined>;
  /** Live versions (tombstones too with includeDeleted), ordered by project, name, version. */
  list(filter?: ArtifactFilter): Promise<Artifact[]>;
  /** Bytes of the project's live versions. */
  usedBytes(project: string): Promise<number>;
  /**
   * Delete a live version (NotFoundError otherwise): the row stays as a tombstone. Refused with
   * ConflictError while a served name is bound to it. Returns whether a live version still uses its bytes.
   */
  remove(id: string, by: string, nowMs: number): Promise<{ artifact: Artifact; blobStillUsed: boolean }>;
  /** Whether a live version references these bytes. */
  isBlobUsed(sha256: string): Promise<boolean>;
  /** Change a live version's tier and/or metadata (keys merged; a null value removes the key). */
  update(id: string, change: { tier?: Tier; metadata?: Record<string, unknown> }, by: string, nowMs: number): Promise<Artifact>;
  /** Every project's quota in bytes (projects without one are absent). */
  quotas(): Promise<Map<string, number>>;
  setQuota(project: string, maxBytes: number): Promise<void>;
  /** Apply tier moves in one transaction; a move applies only while the version is live and still in `from`. Returns the applied ones. */
  moveTiers(moves: readonly TierMove[], nowMs: number): Promise<TierMove[]>;
}

export interface ProjectStore {
  get(name: string): Promise<Project | undefined>;
  /** All project names, sorted. */
  names(): Promise<string[]>;
  /** The projects `user` is a member of, with the role, sorted by name. */
  memberships(user: string): Promise<{ name: string; role: ProjectRole }[]>;
  facts(project: string, user: string): Promise<ProjectFacts>;
  /** In one transaction: read the facts, ask `decide`, and create the project (owner: `user`) when it answers "create". */
  claim(project: string, user: string, nowMs: number, decide: PublishDecision): Promise<"created" | "existing">;
  /** Add a member or change a role; ConflictError when it would leave the project without an owner. */
  grant(project: string, user: string, role: ProjectRole, by: string, nowMs: number): Promise<Project>;
  /** Remove a member (NotFoundError when not one); ConflictError for the last owner. */
  revoke(project: string, user: string, by: string, nowMs: number): Promise<Project>;
}

export interface UploadStore {
  start(id: string, user: string, nowMs: number): Promise<UploadSession>;
  get(id: string): Promise<UploadSession | undefined>;
  touch(id: string, sizeBytes: number, nowMs: number): Promise<void>;
  /** Forget a session; false when there was none. */
  end(id: string): Promise<boolean>;
  /** Sessions untouched since before `beforeMs`. */
  staleIds(beforeMs: number): Promise<string[]>;
  ids(): Promise<Set<string>>;
}

/** What a promotion check sees: the name's binding before, and the facts of the project that decides. */
export interface PromoteFacts {
  readonly before: ServedBinding | undefined;
  /** Facts of `before.project`, or of the artifact's project for a free name. */
  readonly project: ProjectFacts;
}

export interface ServedStore {
  binding(name: string): Promise<ServedBinding | undefined>;
  bindings(): Promise<ServedBinding[]>;
  /** Names bound to this artifact. */
  servingArtifact(artifactId: string): Promise<string[]>;
  /**
   * Bind `name` to a live artifact version in one transaction: NotFoundError for a deleted or unknown
   * artifact; `check` sees the facts and throws to refuse; the binding keeps the project that first
   * claimed the name; with `public` given, the public flag is set or cleared; "model.promoted" event.
   */
  promote(o: {
    name: string;
    artifactId: string;
    by: string;
    nowMs: number;
    public?: boolean;
    check: (facts: PromoteFacts) => void;
  }): Promise<{ binding: ServedBinding; previous: ServedBinding | undefined }>;
  /** Remove the binding and its public flag in one transaction after `check` accepted; undefined when unbound. */
  release(name: string, by: string, nowMs: number, check: (facts: PromoteFacts) => void): Promise<ServedBinding | undefined>;
}

/** The public flag of promoted names (operator folder packages keep theirs in serving.json). */
export interface PublicModelStore {
  isPublic(name: string): Promise<boolean>;
  /** Mark public or private, with a "model.public"/"model.private" event. */
  set(name: string, open: boolean, by: string, atMs: number): Promise<void>;
}

export interface ArtifactStores {
  readonly artifacts: ArtifactStore;
  readonly projects: ProjectStore;
  readonly uploads: UploadStore;
  readonly served: ServedStore;
  readonly publicModels: PublicModelStore;
}

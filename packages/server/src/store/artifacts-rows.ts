import { NotFoundError } from "@aidc/core";
import {
  ConflictError,
  QuotaExceededError,
  type Artifact,
  type ArtifactFilter,
  type ArtifactKind,
  type Member,
  type ProjectRole,
  type ServedBinding,
  type Tier,
  type UploadSession,
} from "./port-artifacts.js";

/* Rows of the artifact area's tables as both backends read them, and the checks both run alike. */

export interface ArtifactRow {
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

export function artifactFromRow(r: ArtifactRow): Artifact {
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

export interface MemberRow {
  user: string;
  role: ProjectRole;
  added_by: string;
  added_at_ms: number;
}

export const memberFromRow = (m: MemberRow): Member => ({ user: m.user, role: m.role, addedBy: m.added_by, addedAtMs: m.added_at_ms });

export interface BindingRow {
  name: string;
  project: string;
  artifact_id: string;
  promoted_by: string;
  promoted_at_ms: number;
}

export const bindingFromRow = (r: BindingRow): ServedBinding => ({
  name: r.name,
  project: r.project,
  artifactId: r.artifact_id,
  promotedBy: r.promoted_by,
  promotedAtMs: r.promoted_at_ms,
});

export interface UploadRow {
  id: string;
  user: string;
  size_bytes: number;
  created_at_ms: number;
  updated_at_ms: number;
}

export const uploadFromRow = (r: UploadRow): UploadSession => ({
  id: r.id,
  user: r.user,
  sizeBytes: r.size_bytes,
  createdAtMs: r.created_at_ms,
  updatedAtMs: r.updated_at_ms,
});

/** WHERE conditions (with `?` placeholders) and their values for an artifact list. */
export function artifactWhere(filter: ArtifactFilter): { where: string[]; values: string[] } {
  const where: string[] = filter.includeDeleted === true ? [] : ["deleted_at_ms IS NULL"];
  const values: string[] = [];
  for (const [col, v] of [
    ["project", filter.project],
    ["name", filter.name],
    ["kind", filter.kind],
  ] as const) {
    if (v !== undefined) {
      where.push(`${col} = ?`);
      values.push(v);
    }
  }
  return { where, values };
}

export function checkQuota(project: string, usedBytes: number, addBytes: number, maxBytes: number | undefined): void {
  if (maxBytes !== undefined && usedBytes + addBytes > maxBytes) {
    throw new QuotaExceededError(`Project "${project}" would use ${usedBytes + addBytes} bytes, over its quota of ${maxBytes}`);
  }
}

export const parentMissing = (id: string): NotFoundError => new NotFoundError(`Parent artifact "${id}" does not exist`);
export const noArtifact = (id: string): NotFoundError => new NotFoundError(`No artifact "${id}"`);

export function servedConflict(a: Artifact, names: readonly string[]): ConflictError {
  return new ConflictError(
    `${a.project}/${a.name}:${a.version} is served as model ${names.map((n) => `"${n}"`).join(", ")}; ` +
      "promote another version or release the model first",
  );
}

/** Metadata after a change: keys merged, a null value removes its key. */
export function mergeMetadata(old: Record<string, unknown>, change: Record<string, unknown> | undefined): Record<string, unknown> {
  const out = { ...old };
  for (const [k, v] of Object.entries(change ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export function lastOwnerConflict(project: string, leaving: string): ConflictError {
  return new ConflictError(`${leaving} is the last owner of project "${project}"; make someone else owner first`);
}

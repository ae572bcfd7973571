import { NotFoundError } from "@aidc/core";
import { ForbiddenError } from "../auth.js";
import { PROJECT_ROLES, ProjectRepo, type ProjectRole } from "../artifacts/projects.js";
import type { Artifact } from "../artifacts/repo.js";
import { DEFAULT_PERMISSION_ROLE, type AuditAction, type ProjectPermission } from "../store/port-governance.js";
import type { Store } from "../store/port.js";
import { atLeast, type Principal } from "../store/tokens.js";

/**
 * Who may read a dataset's bytes: a permission of role × project. Each project says which of its
 * roles holds `dataset:read` (default: every member, reader and up; an owner may raise it to
 * publisher or owner). On top of the project role:
 *
 * - admins read every dataset;
 * - operators are owners of every project (artifacts/projects.ts), so they read as owners;
 * - a viewer token never reads dataset bytes (viewer tokens are for dashboards: they list and see
 *   metadata, not data), whatever its user's project role;
 * - a non-member gets 404, as for every private artifact (the project's existence does not leak);
 *   a member or viewer without the permission gets 403.
 *
 * Every decision, allowed or denied, is written to the audit log by `readDataset` before anything is
 * served, so a denied attempt is on record even when the caller sees a 404.
 */
export type DatasetDecision =
  | { readonly allowed: true; readonly role: ProjectRole | "admin" }
  | { readonly allowed: false; readonly status: 403 | 404; readonly reason: string };

const rank = (r: ProjectRole): number => PROJECT_ROLES.indexOf(r);

/** The least project role holding `permission` in `project` (the project's rule, else the default). */
export async function permissionRole(store: Store, project: string, permission: ProjectPermission): Promise<ProjectRole> {
  const rules = await store.governance.permissions.list(project);
  return rules.find((r) => r.permission === permission)?.minRole ?? DEFAULT_PERMISSION_ROLE[permission];
}

/** Decide (without recording) whether `p` may read datasets of `project`. */
export async function decideDatasetRead(store: Store, p: Principal, project: string): Promise<DatasetDecision> {
  if (atLeast(p.role, "admin")) return { allowed: true, role: "admin" };
  const role = await new ProjectRepo(store).roleOf(p, project);
  if (role === undefined) return { allowed: false, status: 404, reason: `${p.user} is not a member of project "${project}"` };
  if (p.role === "viewer") return { allowed: false, status: 403, reason: "viewer tokens do not read dataset contents" };
  const needed = await permissionRole(store, project, "dataset:read");
  if (rank(role) < rank(needed)) {
    return {
      allowed: false,
      status: 403,
      reason: `dataset:read in project "${project}" needs the ${needed} role there; ${p.user} is a ${role}`,
    };
  }
  return { allowed: true, role };
}

export interface DatasetReadRequest {
  readonly principal: Principal;
  readonly project: string;
  readonly name: string;
  /** The version as asked ("latest" or a number). */
  readonly version: string;
  readonly jobId?: string;
  /** Extra facts for the audit row (e.g. the byte range). */
  readonly detail?: Record<string, unknown>;
}

/**
 * The one gate of dataset reads (downloads and job inputs): decide, write the audit row (allowed or
 * denied), and return the live version — or throw 404/403 after the denial is recorded. A request
 * for a missing version of a readable project is not a read and is not recorded.
 */
export async function readDataset(store: Store, r: DatasetReadRequest, nowMs: number): Promise<Artifact> {
  const action: AuditAction = r.jobId === undefined ? "dataset.read" : "dataset.job-read";
  const resource = `${r.project}/${r.name}:${r.version}`;
  const base = {
    actor: r.principal.user,
    actorRole: r.principal.role,
    action,
    project: r.project,
    resource,
    ...(r.jobId !== undefined ? { jobId: r.jobId } : {}),
  };
  const what = `artifact ${r.project}/${r.name} version ${r.version}`;
  const decision = await decideDatasetRead(store, r.principal, r.project);
  if (!decision.allowed) {
    await store.governance.audit.append(
      { ...base, outcome: "denied", detail: { ...r.detail, status: decision.status, reason: decision.reason } },
      nowMs,
    );
    if (decision.status === 404) throw new NotFoundError(`No ${what}`);
    throw new ForbiddenError(`${r.principal.user} cannot read dataset ${r.project}/${r.name}: ${decision.reason}`);
  }
  const a = await store.artifacts.find(r.project, r.name, r.version === "latest" ? undefined : Number(r.version));
  if (a === undefined) throw new NotFoundError(`No ${what}`);
  await store.governance.audit.append(
    {
      ...base,
      outcome: "allowed",
      detail: { ...r.detail, artifactId: a.id, version: a.version, sha256: a.sha256, sizeBytes: a.sizeBytes },
    },
    nowMs,
  );
  return a;
}

/**
 * The artifact a download serves, through the dataset gate when it is a dataset (recorded, allowed or
 * denied) and through the project's read rule otherwise. 404 alike for a missing version and a
 * project the caller cannot see.
 */
export async function downloadable(
  store: Store,
  p: Principal,
  ref: { project: string; name: string; version: string },
  nowMs: number,
  detail?: Record<string, unknown>,
): Promise<Artifact> {
  const found = await store.artifacts.find(ref.project, ref.name, ref.version === "latest" ? undefined : Number(ref.version));
  if (found?.kind === "dataset") return readDataset(store, { principal: p, ...ref, ...(detail ? { detail } : {}) }, nowMs);
  const what = `artifact ${ref.project}/${ref.name} version ${ref.version}`;
  await new ProjectRepo(store).requireRead(p, ref.project, what);
  if (found === undefined) throw new NotFoundError(`No ${what}`);
  return found;
}

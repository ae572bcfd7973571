import { AidcError, NotFoundError } from "@aidc/core";
import { ForbiddenError } from "../auth.js";
import type { SqliteStore } from "../store/sqlite.js";
import { atLeast, type Principal } from "../store/tokens.js";

/** A member's rights in one project: reader < publisher < owner. */
export const PROJECT_ROLES = ["reader", "publisher", "owner"] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

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

export class ConflictError extends AidcError {
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

const rank = (r: ProjectRole | undefined): number => (r === undefined ? -1 : PROJECT_ROLES.indexOf(r));

/**
 * Who may do what with a project's artifacts and served models.
 *
 * - A project is created by its first publisher, who becomes its owner. The project named like a
 *   user belongs to that user: nobody else may create it, and that user is always its owner.
 * - Owners add and remove members (reader, publisher, owner). Readers list and download;
 *   publishers also publish versions, change tier/metadata, delete versions and promote models;
 *   owners also manage members.
 * - Operators and admins may do everything in every project. Other roles (viewer, user) see only
 *   the projects they are members of; anything else answers 404, so its existence does not leak.
 */
export class ProjectRepo {
  constructor(private readonly store: SqliteStore) {}

  get(name: string): Project | undefined {
    const row = this.store.prepare("SELECT name, created_by, created_at_ms FROM projects WHERE name = ?").get(name) as
      { name: string; created_by: string; created_at_ms: number } | undefined;
    if (row === undefined) return undefined;
    const members = (
      this.store.prepare("SELECT user, role, added_by, added_at_ms FROM project_members WHERE project = ? ORDER BY user").all(name) as {
        user: string;
        role: ProjectRole;
        added_by: string;
        added_at_ms: number;
      }[]
    ).map((m) => ({ user: m.user, role: m.role, addedBy: m.added_by, addedAtMs: m.added_at_ms }));
    return { name: row.name, createdBy: row.created_by, createdAtMs: row.created_at_ms, members };
  }

  /** Projects a principal can read, with its role in each (operators and admins: all, as owner). */
  visible(p: Principal): { name: string; role: ProjectRole }[] {
    if (atLeast(p.role, "operator")) {
      return (this.store.prepare("SELECT name FROM projects ORDER BY name").all() as { name: string }[]).map((r) => ({
        name: r.name,
        role: "owner" as const,
      }));
    }
    const rows = this.store.prepare("SELECT project AS name, role FROM project_members WHERE user = ? ORDER BY project").all(p.user) as {
      name: string;
      role: ProjectRole;
    }[];
    if (this.get(p.user) !== undefined && !rows.some((r) => r.name === p.user)) rows.push({ name: p.user, role: "owner" });
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The principal's role in a project, or undefined when it has none (or the project does not exist). */
  roleOf(p: Principal, project: string): ProjectRole | undefined {
    if (this.get(project) === undefined) return undefined;
    if (atLeast(p.role, "operator") || project === p.user) return "owner";
    const row = this.store.prepare("SELECT role FROM project_members WHERE project = ? AND user = ?").get(project, p.user) as
      { role: ProjectRole } | undefined;
    return row?.role;
  }

  canRead(p: Principal, project: string): boolean {
    return rank(this.roleOf(p, project)) >= rank("reader");
  }

  /** 404 unless the principal may read the project (so private projects do not reveal themselves). */
  requireRead(p: Principal, project: string, what: string): void {
    if (!this.canRead(p, project)) throw new NotFoundError(`No ${what}`);
  }

  /**
   * The principal needs `role` in an existing project: 404 when it cannot even read it, 403 when
   * it can read but not do this.
   */
  require(p: Principal, project: string, role: ProjectRole, action: string, what: string): void {
    const has = this.roleOf(p, project);
    if (has === undefined) throw new NotFoundError(`No ${what}`);
    if (rank(has) < rank(role)) {
      throw new ForbiddenError(
        `${p.user} cannot ${action} in project "${project}": that needs the ${role} role there, ${p.user} is a ${has}`,
      );
    }
  }

  /**
   * Before publishing into `project`: the principal must be a publisher there, or the project must
   * not exist yet and be claimable by it (then it is created with the principal as owner).
   */
  ensurePublishable(p: Principal, project: string, nowMs: number, o: { create: boolean } = { create: true }): void {
    if (this.get(project) === undefined) {
      if (project !== p.user && !atLeast(p.role, "operator") && this.isUser(project)) {
        throw new ForbiddenError(`${p.user} cannot publish into project "${project}": it belongs to user ${project}`);
      }
      if (o.create) this.create(project, p.user, nowMs);
      return;
    }
    const has = this.roleOf(p, project);
    if (rank(has) < rank("publisher")) {
      throw new ForbiddenError(
        `${p.user} cannot publish into project "${project}": that needs the publisher role there (ask an owner: ` +
          `POST /api/v1/projects/${project}/members)`,
      );
    }
  }

  create(name: string, owner: string, nowMs: number): Project {
    this.store.db.transaction(() => {
      this.store.prepare("INSERT INTO projects (name, created_by, created_at_ms) VALUES (?, ?, ?)").run(name, owner, nowMs);
      this.store
        .prepare("INSERT INTO project_members (project, user, role, added_by, added_at_ms) VALUES (?, ?, 'owner', ?, ?)")
        .run(name, owner, owner, nowMs);
      this.store.insertEvent(nowMs, "project.created", `project/${name}`, { owner });
    })();
    return this.get(name) as Project;
  }

  /** Add a member or change a member's role (owners only; checked by the caller). */
  grant(project: string, user: string, role: ProjectRole, by: string, nowMs: number): Project {
    this.store.db.transaction(() => {
      if (role !== "owner") this.keepAnOwner(project, user);
      this.store
        .prepare(
          `INSERT INTO project_members (project, user, role, added_by, added_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(project, user) DO UPDATE SET role = excluded.role, added_by = excluded.added_by, added_at_ms = excluded.added_at_ms`,
        )
        .run(project, user, role, by, nowMs);
      this.store.insertEvent(nowMs, "project.member.granted", `project/${project}`, { user, role, by });
    })();
    return this.get(project) as Project;
  }

  revoke(project: string, user: string, by: string, nowMs: number): Project {
    this.store.db.transaction(() => {
      this.keepAnOwner(project, user);
      const r = this.store.prepare("DELETE FROM project_members WHERE project = ? AND user = ?").run(project, user);
      if (r.changes === 0) throw new NotFoundError(`${user} is not a member of project "${project}"`);
      this.store.insertEvent(nowMs, "project.member.revoked", `project/${project}`, { user, by });
    })();
    return this.get(project) as Project;
  }

  /** Refuse to leave a project without an owner. */
  private keepAnOwner(project: string, leaving: string): void {
    const owners = this.store.prepare("SELECT user FROM project_members WHERE project = ? AND role = 'owner'").all(project) as {
      user: string;
    }[];
    if (owners.length === 1 && owners[0]?.user === leaving) {
      throw new ConflictError(`${leaving} is the last owner of project "${project}"; make someone else owner first`);
    }
  }

  /** A name some token was issued for. */
  private isUser(name: string): boolean {
    return this.store.prepare("SELECT 1 FROM tokens WHERE user = ? LIMIT 1").get(name) !== undefined;
  }
}

import { NotFoundError } from "@aidc/core";
import { ForbiddenError } from "../auth.js";
import {
  PROJECT_ROLES,
  type Project,
  type ProjectFacts,
  type ProjectRole,
  type ProjectStore,
  type PublishDecision,
} from "../store/port-artifacts.js";
import { atLeast, type Principal } from "../store/tokens.js";

export { ConflictError, PROJECT_ROLES, type Member, type Project, type ProjectRole } from "../store/port-artifacts.js";

const rank = (r: ProjectRole | undefined): number => (r === undefined ? -1 : PROJECT_ROLES.indexOf(r));

/** The principal's role in a project from the facts about it (undefined: none, or no such project). */
export function roleIn(p: Principal, f: ProjectFacts): ProjectRole | undefined {
  if (!f.exists) return undefined;
  if (atLeast(p.role, "operator") || f.project === p.user) return "owner";
  return f.memberRole;
}

/**
 * May the principal publish into the project? "publish" for a publisher of an existing project,
 * "create" for a project that does not exist yet and is the principal's to claim; throws otherwise.
 */
export function publishDecision(p: Principal): PublishDecision {
  return (f) => {
    if (!f.exists) {
      if (f.project !== p.user && !atLeast(p.role, "operator") && f.nameIsUser) {
        throw new ForbiddenError(`${p.user} cannot publish into project "${f.project}": it belongs to user ${f.project}`);
      }
      return "create";
    }
    if (rank(roleIn(p, f)) < rank("publisher")) {
      throw new ForbiddenError(
        `${p.user} cannot publish into project "${f.project}": that needs the publisher role there (ask an owner: ` +
          `POST /api/v1/projects/${f.project}/members)`,
      );
    }
    return "publish";
  };
}

/** What `ArtifactStore.add` takes to check (and maybe create) the project in its own transaction. */
export const publishAs = (p: Principal): { user: string; decide: PublishDecision } => ({ user: p.user, decide: publishDecision(p) });

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
  private readonly store: ProjectStore;

  constructor(store: { readonly projects: ProjectStore }) {
    this.store = store.projects;
  }

  get(name: string): Promise<Project | undefined> {
    return this.store.get(name);
  }

  /** Projects a principal can read, with its role in each (operators and admins: all, as owner). */
  async visible(p: Principal): Promise<{ name: string; role: ProjectRole }[]> {
    if (atLeast(p.role, "operator")) return (await this.store.names()).map((name) => ({ name, role: "owner" as const }));
    const rows = await this.store.memberships(p.user);
    if (!rows.some((r) => r.name === p.user) && (await this.store.facts(p.user, p.user)).exists) rows.push({ name: p.user, role: "owner" });
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The principal's role in a project, or undefined when it has none (or the project does not exist). */
  async roleOf(p: Principal, project: string): Promise<ProjectRole | undefined> {
    return roleIn(p, await this.store.facts(project, p.user));
  }

  async canRead(p: Principal, project: string): Promise<boolean> {
    return rank(await this.roleOf(p, project)) >= rank("reader");
  }

  /** 404 unless the principal may read the project (so private projects do not reveal themselves). */
  async requireRead(p: Principal, project: string, what: string): Promise<void> {
    if (!(await this.canRead(p, project))) throw new NotFoundError(`No ${what}`);
  }

  /**
   * The principal needs `role` in an existing project: 404 when it cannot even read it, 403 when
   * it can read but not do this.
   */
  async require(p: Principal, project: string, role: ProjectRole, action: string, what: string): Promise<void> {
    const has = await this.roleOf(p, project);
    if (has === undefined) throw new NotFoundError(`No ${what}`);
    if (rank(has) < rank(role)) {
      throw new ForbiddenError(
        `${p.user} cannot ${action} in project "${project}": that needs the ${role} role there, ${p.user} is a ${has}`,
      );
    }
  }

  /**
   * Before publishing into `project`: the principal must be a publisher there, or the project must
   * not exist yet and be claimable by it (then, with `create`, it is created with the principal as owner,
   * in one transaction with the check). Says whether the project was created here.
   */
  async ensurePublishable(
    p: Principal,
    project: string,
    nowMs: number,
    o: { create: boolean } = { create: true },
  ): Promise<"created" | "existing" | "claimable"> {
    if (o.create) return this.store.claim(project, p.user, nowMs, publishDecision(p));
    const facts = await this.store.facts(project, p.user);
    publishDecision(p)(facts);
    return facts.exists ? "existing" : "claimable";
  }

  /** Add a member or change a member's role (owners only; checked by the caller). */
  grant(project: string, user: string, role: ProjectRole, by: string, nowMs: number): Promise<Project> {
    return this.store.grant(project, user, role, by, nowMs);
  }

  revoke(project: string, user: string, by: string, nowMs: number): Promise<Project> {
    return this.store.revoke(project, user, by, nowMs);
  }
}

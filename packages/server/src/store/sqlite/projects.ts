import { NotFoundError } from "@aidc/core";
import { lastOwnerConflict, memberFromRow, type MemberRow } from "../artifacts-rows.js";
import type { Project, ProjectFacts, ProjectRole, ProjectStore, PublishDecision } from "../port-artifacts.js";
import type { SqliteDb } from "./db.js";

/** The facts about `user` in `project` (call inside the transaction that acts on them). */
export function projectFacts(db: SqliteDb, project: string, user: string): ProjectFacts {
  const exists = db.prepare("SELECT 1 FROM projects WHERE name = ?").get(project) !== undefined;
  const member = db.prepare("SELECT role FROM project_members WHERE project = ? AND user = ?").get(project, user) as
    { role: ProjectRole } | undefined;
  const nameIsUser = db.prepare("SELECT 1 FROM tokens WHERE user = ? LIMIT 1").get(project) !== undefined;
  return { project, user, exists, memberRole: member?.role, nameIsUser };
}

/** Create the project with `owner` as its owner, with its event (inside a transaction). */
export function createProject(db: SqliteDb, name: string, owner: string, nowMs: number): void {
  db.prepare("INSERT INTO projects (name, created_by, created_at_ms) VALUES (?, ?, ?)").run(name, owner, nowMs);
  db.prepare("INSERT INTO project_members (project, user, role, added_by, added_at_ms) VALUES (?, ?, 'owner', ?, ?)").run(
    name,
    owner,
    owner,
    nowMs,
  );
  db.insertEvent(nowMs, "project.created", `project/${name}`, { owner });
}

/** Decide on publishing into `project` and create it when decided so (inside a transaction). */
export function claimProject(db: SqliteDb, project: string, user: string, nowMs: number, decide: PublishDecision): "created" | "existing" {
  const facts = projectFacts(db, project, user);
  const decision = decide(facts);
  if (decision === "create" && !facts.exists) {
    createProject(db, project, user, nowMs);
    return "created";
  }
  return "existing";
}

export class SqliteProjectStore implements ProjectStore {
  constructor(private readonly db: SqliteDb) {}

  private read(name: string): Project | undefined {
    const row = this.db.prepare("SELECT name, created_by, created_at_ms FROM projects WHERE name = ?").get(name) as
      { name: string; created_by: string; created_at_ms: number } | undefined;
    if (row === undefined) return undefined;
    const members = (
      this.db
        .prepare("SELECT user, role, added_by, added_at_ms FROM project_members WHERE project = ? ORDER BY user")
        .all(name) as MemberRow[]
    ).map(memberFromRow);
    return { name: row.name, createdBy: row.created_by, createdAtMs: row.created_at_ms, members };
  }

  get(name: string): Promise<Project | undefined> {
    return Promise.resolve(this.read(name));
  }

  names(): Promise<string[]> {
    return Promise.resolve((this.db.prepare("SELECT name FROM projects ORDER BY name").all() as { name: string }[]).map((r) => r.name));
  }

  memberships(user: string): Promise<{ name: string; role: ProjectRole }[]> {
    return Promise.resolve(
      this.db.prepare("SELECT project AS name, role FROM project_members WHERE user = ? ORDER BY project").all(user) as {
        name: string;
        role: ProjectRole;
      }[],
    );
  }

  facts(project: string, user: string): Promise<ProjectFacts> {
    return Promise.resolve(projectFacts(this.db, project, user));
  }

  async claim(project: string, user: string, nowMs: number, decide: PublishDecision): Promise<"created" | "existing"> {
    return this.db.transaction(() => claimProject(this.db, project, user, nowMs, decide));
  }

  async grant(project: string, user: string, role: ProjectRole, by: string, nowMs: number): Promise<Project> {
    return this.db.transaction(() => {
      if (!this.exists(project)) throw new NotFoundError(`No project "${project}"`);
      if (role !== "owner") this.keepAnOwner(project, user);
      this.db
        .prepare(
          `INSERT INTO project_members (project, user, role, added_by, added_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(project, user) DO UPDATE SET role = excluded.role, added_by = excluded.added_by, added_at_ms = excluded.added_at_ms`,
        )
        .run(project, user, role, by, nowMs);
      this.db.insertEvent(nowMs, "project.member.granted", `project/${project}`, { user, role, by });
      return this.read(project) as Project;
    });
  }

  async revoke(project: string, user: string, by: string, nowMs: number): Promise<Project> {
    return this.db.transaction(() => {
      this.keepAnOwner(project, user);
      const r = this.db.prepare("DELETE FROM project_members WHERE project = ? AND user = ?").run(project, user);
      if (r.changes === 0) throw new NotFoundError(`${user} is not a member of project "${project}"`);
      this.db.insertEvent(nowMs, "project.member.revoked", `project/${project}`, { user, by });
      return this.read(project) as Project;
    });
  }

  private exists(project: string): boolean {
    return this.db.prepare("SELECT 1 FROM projects WHERE name = ?").get(project) !== undefined;
  }

  /** Refuse to leave a project without an owner. */
  private keepAnOwner(project: string, leaving: string): void {
    const owners = this.db.prepare("SELECT user FROM project_members WHERE project = ? AND role = 'owner'").all(project) as {
      user: string;
    }[];
    if (owners.length === 1 && owners[0]?.user === leaving) throw lastOwnerConflict(project, leaving);
  }
}

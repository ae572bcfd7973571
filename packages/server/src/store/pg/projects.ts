import { NotFoundError } from "@aidc/core";
import { lastOwnerConflict, memberFromRow, type MemberRow } from "../artifacts-rows.js";
import type { Project, ProjectFacts, ProjectRole, ProjectStore, PublishDecision } from "../port-artifacts.js";
import type { PgDb, Sql } from "./db.js";

/** Advisory-lock classes (two-key form) of the artifact area: one project's changes, one served name's. */
export const PROJECT_LOCK = 14_002;
export const SERVED_NAME_LOCK = 14_003;

/** Serialise this transaction with every other change to the same project (versions, quota, members). */
export async function lockProject(sql: Sql, project: string): Promise<void> {
  await sql.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [PROJECT_LOCK, project], "art_lock_project");
}

export async function insertEventPg(
  sql: Sql,
  atMs: number,
  type: string,
  subject: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  await sql.query(
    "INSERT INTO events (at_ms, type, subject, data) VALUES ($1, $2, $3, $4)",
    [atMs, type, subject, JSON.stringify(data)],
    "art_event_insert",
  );
}

export async function projectFactsPg(sql: Sql, project: string, user: string): Promise<ProjectFacts> {
  const rows = await sql.query<{ exists: boolean; role: ProjectRole | null; is_user: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM projects WHERE name = $1) AS exists,
            (SELECT role FROM project_members WHERE project = $1 AND "user" = $2) AS role,
            EXISTS (SELECT 1 FROM tokens WHERE "user" = $1) AS is_user`,
    [project, user],
    "art_project_facts",
  );
  const r = rows[0];
  return { project, user, exists: r?.exists === true, memberRole: r?.role ?? undefined, nameIsUser: r?.is_user === true };
}

/** Inside a transaction that holds the project's lock: decide, and create the project when decided so. */
export async function claimProjectPg(
  sql: Sql,
  project: string,
  user: string,
  nowMs: number,
  decide: PublishDecision,
): Promise<"created" | "existing"> {
  const facts = await projectFactsPg(sql, project, user);
  if (decide(facts) !== "create" || facts.exists) return "existing";
  await sql.query("INSERT INTO projects (name, created_by, created_at_ms) VALUES ($1, $2, $3)", [project, user, nowMs]);
  await sql.query(`INSERT INTO project_members (project, "user", role, added_by, added_at_ms) VALUES ($1, $2, 'owner', $2, $3)`, [
    project,
    user,
    nowMs,
  ]);
  await insertEventPg(sql, nowMs, "project.created", `project/${project}`, { owner: user });
  return "created";
}

async function readProject(sql: Sql, name: string): Promise<Project | undefined> {
  const row = (
    await sql.query<{ name: string; created_by: string; created_at_ms: number }>(
      "SELECT name, created_by, created_at_ms FROM projects WHERE name = $1",
      [name],
    )
  )[0];
  if (row === undefined) return undefined;
  const members = (
    await sql.query<MemberRow>(
      `SELECT "user", role, added_by, added_at_ms FROM project_members WHERE project = $1 ORDER BY "user" COLLATE "C"`,
      [name],
    )
  ).map(memberFromRow);
  return { name: row.name, createdBy: row.created_by, createdAtMs: row.created_at_ms, members };
}

/** Refuse to leave a project without an owner. */
async function keepAnOwner(sql: Sql, project: string, leaving: string): Promise<void> {
  const owners = await sql.query<{ user: string }>(`SELECT "user" FROM project_members WHERE project = $1 AND role = 'owner'`, [project]);
  if (owners.length === 1 && owners[0]?.user === leaving) throw lastOwnerConflict(project, leaving);
}

export class PgProjectStore implements ProjectStore {
  constructor(private readonly db: PgDb) {}

  get(name: string): Promise<Project | undefined> {
    return readProject(this.db, name);
  }

  async names(): Promise<string[]> {
    return (await this.db.query<{ name: string }>(`SELECT name FROM projects ORDER BY name COLLATE "C"`)).map((r) => r.name);
  }

  memberships(user: string): Promise<{ name: string; role: ProjectRole }[]> {
    return this.db.query<{ name: string; role: ProjectRole }>(
      `SELECT project AS name, role FROM project_members WHERE "user" = $1 ORDER BY project COLLATE "C"`,
      [user],
    );
  }

  facts(project: string, user: string): Promise<ProjectFacts> {
    return projectFactsPg(this.db, project, user);
  }

  claim(project: string, user: string, nowMs: number, decide: PublishDecision): Promise<"created" | "existing"> {
    return this.db.tx(async (sql) => {
      await lockProject(sql, project);
      return claimProjectPg(sql, project, user, nowMs, decide);
    });
  }

  grant(project: string, user: string, role: ProjectRole, by: string, nowMs: number): Promise<Project> {
    return this.db.tx(async (sql) => {
      await lockProject(sql, project);
      if ((await sql.query("SELECT 1 FROM projects WHERE name = $1", [project])).length === 0)
        throw new NotFoundError(`No project "${project}"`);
      if (role !== "owner") await keepAnOwner(sql, project, user);
      await sql.query(
        `INSERT INTO project_members (project, "user", role, added_by, added_at_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project, "user") DO UPDATE SET role = excluded.role, added_by = excluded.added_by, added_at_ms = excluded.added_at_ms`,
        [project, user, role, by, nowMs],
      );
      await insertEventPg(sql, nowMs, "project.member.granted", `project/${project}`, { user, role, by });
      return (await readProject(sql, project)) as Project;
    });
  }

  revoke(project: string, user: string, by: string, nowMs: number): Promise<Project> {
    return this.db.tx(async (sql) => {
      await lockProject(sql, project);
      await keepAnOwner(sql, project, user);
      const gone = await sql.query(`DELETE FROM project_members WHERE project = $1 AND "user" = $2 RETURNING 1`, [project, user]);
      if (gone.length === 0) throw new NotFoundError(`${user} is not a member of project "${project}"`);
      await insertEventPg(sql, nowMs, "project.member.revoked", `project/${project}`, { user, by });
      return (await readProject(sql, project)) as Project;
    });
  }
}

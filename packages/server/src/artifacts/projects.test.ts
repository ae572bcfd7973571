import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../store/migrations.js";
import { SqliteStore } from "../store/sqlite.js";
import type { ProjectFacts } from "../store/port-artifacts.js";
import { ProjectRepo, publishDecision, roleIn } from "./projects.js";

describe("project ownership in the store", () => {
  it("an existing store's projects go to their first publisher when the ownership migration runs", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "aidc-proj-")), "aidc.db");
    const before = SqliteStore.open(
      path,
      MIGRATIONS.filter((m) => m.version <= 7),
    );
    const insert = before.sqlite.db.prepare(
      `INSERT INTO artifacts (id, project, name, version, kind, sha256, size_bytes, created_by, created_at_ms)
       VALUES (?, ?, 'x', ?, 'other', 'aa', 1, ?, ?)`,
    );
    insert.run("a1", "shared", 1, "bob", 1000);
    insert.run("a2", "shared", 2, "alice", 2000);
    insert.run("a3", "alice", 1, "alice", 1500);
    await before.close();

    const after = SqliteStore.open(path);
    const projects = new ProjectRepo(after);
    expect(await projects.get("shared")).toMatchObject({
      createdBy: "bob",
      members: [expect.objectContaining({ user: "bob", role: "owner" })],
    });
    expect(await projects.roleOf({ user: "alice", role: "user" }, "shared")).toBeUndefined();
    expect(await projects.roleOf({ user: "alice", role: "user" }, "alice")).toBe("owner");
    expect(await projects.roleOf({ user: "ops", role: "operator" }, "shared")).toBe("owner");
    await after.close();
  });
});

describe("project rules", () => {
  const facts = (o: Partial<ProjectFacts> = {}): ProjectFacts => ({
    project: "vision",
    user: "ann",
    exists: true,
    memberRole: undefined,
    nameIsUser: false,
    ...o,
  });
  const ann = { user: "ann", role: "user" } as const;

  it("a role comes from membership; operators and the project named like the user own it; no project, no role", () => {
    expect(roleIn(ann, facts({ memberRole: "reader" }))).toBe("reader");
    expect(roleIn(ann, facts())).toBeUndefined();
    expect(roleIn({ user: "ops", role: "operator" }, facts({ user: "ops" }))).toBe("owner");
    expect(roleIn(ann, facts({ project: "ann" }))).toBe("owner");
    expect(roleIn(ann, facts({ exists: false, memberRole: "owner" }))).toBeUndefined();
  });

  it("publishing: a publisher publishes, a new project is created, another user's name and a reader are refused", () => {
    const decide = publishDecision(ann);
    expect(decide(facts({ memberRole: "publisher" }))).toBe("publish");
    expect(decide(facts({ exists: false }))).toBe("create");
    expect(decide(facts({ project: "ann", exists: false, nameIsUser: true }))).toBe("create");
    expect(() => decide(facts({ project: "bob", exists: false, nameIsUser: true }))).toThrow(/belongs to user bob/);
    expect(() => decide(facts({ memberRole: "reader" }))).toThrow(/needs the publisher role/);
    expect(publishDecision({ user: "ops", role: "operator" })(facts({ project: "bob", exists: false, nameIsUser: true }))).toBe("create");
  });
});

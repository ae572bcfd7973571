import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../store/migrations.js";
import { SqliteStore } from "../store/sqlite.js";
import { ProjectRepo } from "./projects.js";

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

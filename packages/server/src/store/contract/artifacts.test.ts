import { expect, it } from "vitest";
import type { Store } from "../port.js";
import type { NewArtifact, ProjectFacts } from "../port-artifacts.js";
import { describeStores } from "./harness.testing.js";

const SHA = (c: string) => c.repeat(64).slice(0, 64);
const art = (o: Partial<NewArtifact> = {}): NewArtifact => ({
  project: "vision",
  name: "weights",
  kind: "checkpoint",
  sha256: SHA("a"),
  sizeBytes: 100,
  metadata: {},
  parents: [],
  createdBy: "ann",
  ...o,
});
/** A publish decision that creates missing projects and records what it saw. */
const creating = (seen: ProjectFacts[] = []) => ({
  user: "ann",
  decide: (f: ProjectFacts) => {
    seen.push(f);
    return f.exists ? ("publish" as const) : ("create" as const);
  },
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return "no error";
}

describeStores("artifact store", (open, kit) => {
  it("numbers versions 1, 2, 3 per project/name; find gives the latest live one, list orders by project, name, version", async () => {
    const s = await open();
    const a1 = await s.artifacts.add(art(), 1_000, creating());
    const a2 = await s.artifacts.add(art({ sha256: SHA("b"), metadata: { step: 2 } }), 2_000);
    await s.artifacts.add(art({ name: "data", kind: "dataset" }), 3_000);
    expect([a1.version, a2.version]).toEqual([1, 2]);
    expect(a2).toMatchObject({ project: "vision", tier: "hot", metadata: { step: 2 }, createdAtMs: 2_000, createdBy: "ann" });
    expect((await s.artifacts.find("vision", "weights"))?.id).toBe(a2.id);
    expect((await s.artifacts.find("vision", "weights", 1))?.id).toBe(a1.id);
    expect(await s.artifacts.find("vision", "weights", 3)).toBeUndefined();
    expect((await s.artifacts.list()).map((a) => `${a.name}:${a.version}`)).toEqual(["data:1", "weights:1", "weights:2"]);
    expect((await s.artifacts.list({ kind: "dataset" })).map((a) => a.name)).toEqual(["data"]);
    expect(await s.artifacts.get(a1.id)).toEqual(a1);
    expect(await s.artifacts.usedBytes("vision")).toBe(300);
  });

  it("concurrent adds of one name, from two stores on one database, get versions 1..n without gaps or duplicates", async () => {
    const url = await kit.freshUrl();
    const one = await kit.openUrl(url);
    const two = await kit.openUrl(url);
    await one.projects.claim("vision", "ann", 1, creating().decide);
    const n = 24;
    const made = await Promise.all(
      Array.from({ length: n }, (_, i) => (i % 2 === 0 ? one : two).artifacts.add(art({ sha256: SHA(String(i % 10)) }), 10 + i)),
    );
    expect(made.map((a) => a.version).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect((await two.artifacts.list({ name: "weights" })).length).toBe(n);
  });

  it("refuses an add over the project's quota and adds nothing; concurrent adds cannot overrun it together", async () => {
    const s = await open();
    await s.projects.claim("vision", "ann", 1, creating().decide);
    await s.artifacts.setQuota("vision", 250);
    expect(await s.artifacts.quotas()).toEqual(new Map([["vision", 250]]));
    await s.artifacts.add(art(), 1);
    expect(await codeOf(s.artifacts.add(art({ sizeBytes: 200 }), 2))).toBe("QUOTA_EXCEEDED");
    expect((await s.artifacts.list()).length).toBe(1);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => s.artifacts.add(art({ name: `n${i}`, sizeBytes: 60 }), 3)),
    );
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(2);
    expect(await s.artifacts.usedBytes("vision")).toBe(220);
  });

  it("refuses unknown parents; a tombstoned parent still counts for lineage", async () => {
    const s = await open();
    const p = await s.artifacts.add(art(), 1, creating());
    expect(await codeOf(s.artifacts.add(art({ parents: ["a-nope"] }), 2))).toBe("NOT_FOUND");
    await s.artifacts.add(art({ name: "keep" }), 2);
    await s.artifacts.remove(p.id, "ann", 3);
    const child = await s.artifacts.add(art({ name: "child", parents: [p.id] }), 4);
    expect(child.parents).toEqual([p.id]);
  });

  it("a deleted version stays as a tombstone: latest moves back, list hides it unless asked, the bytes' use is reported", async () => {
    const s = await open();
    const v1 = await s.artifacts.add(art(), 1, creating());
    const v2 = await s.artifacts.add(art({ sha256: SHA("b") }), 2);
    const v3 = await s.artifacts.add(art(), 3);
    const r3 = await s.artifacts.remove(v3.id, "bob", 10);
    expect(r3.blobStillUsed).toBe(true); // v1 has the same bytes
    expect(r3.artifact).toMatchObject({ id: v3.id, deletedAtMs: 10, deletedBy: "bob" });
    const r2 = await s.artifacts.remove(v2.id, "bob", 11);
    expect(r2.blobStillUsed).toBe(false);
    expect(await s.artifacts.isBlobUsed(SHA("b"))).toBe(false);
    expect((await s.artifacts.find("vision", "weights"))?.id).toBe(v1.id);
    expect(await s.artifacts.find("vision", "weights", 2)).toBeUndefined();
    expect((await s.artifacts.list()).map((a) => a.version)).toEqual([1]);
    expect((await s.artifacts.list({ includeDeleted: true })).map((a) => a.version)).toEqual([1, 2, 3]);
    expect(await s.artifacts.usedBytes("vision")).toBe(100);
    expect(await codeOf(s.artifacts.remove(v2.id, "bob", 12))).toBe("NOT_FOUND");
    expect(await codeOf(s.artifacts.update(v2.id, { tier: "cold" }, "bob", 12))).toBe("NOT_FOUND");
    // a new version after deletions continues the numbering, it does not reuse 2 or 3
    expect((await s.artifacts.add(art(), 13)).version).toBe(4);
  });

  it("update merges metadata (null removes a key) and changes the tier, with an event", async () => {
    const s = await open();
    const a = await s.artifacts.add(art({ metadata: { a: 1, b: 2 } }), 1, creating());
    const u = await s.artifacts.update(a.id, { tier: "warm", metadata: { b: null, c: 3 } }, "ann", 5);
    expect(u).toMatchObject({ tier: "warm", metadata: { a: 1, c: 3 } });
    const events = await s.events.list(10, { subject: "artifact/vision/weights" });
    expect(events.map((e) => e.type)).toEqual(["artifact.updated", "artifact.created"]);
    expect(events[0]?.data).toMatchObject({ id: a.id, tier: "warm", metadataKeys: ["b", "c"] });
  });

  it("moveTiers applies a move only while the version is live and still in its from-tier", async () => {
    const s = await open();
    const a = await s.artifacts.add(art(), 1, creating());
    const b = await s.artifacts.add(art(), 2);
    const c = await s.artifacts.add(art(), 3);
    await s.artifacts.remove(c.id, "ann", 4);
    const applied = await s.artifacts.moveTiers(
      [
        { id: a.id, from: "hot", to: "cold" },
        { id: b.id, from: "warm", to: "cold" }, // b is hot: stale move
        { id: c.id, from: "hot", to: "warm" }, // deleted
      ],
      5,
    );
    expect(applied).toEqual([{ id: a.id, from: "hot", to: "cold" }]);
    expect((await s.artifacts.get(a.id))?.tier).toBe("cold");
    expect((await s.artifacts.get(b.id))?.tier).toBe("hot");
  });
});

describeStores("project store", (open) => {
  const owner = (s: Store) => s.projects.claim("vision", "ann", 1, (f) => (f.exists ? "publish" : "create"));

  it("claim creates a project with its claimer as owner once; facts tell existence, membership and user names", async () => {
    const s = await open();
    expect(await owner(s)).toBe("created");
    expect(await owner(s)).toBe("existing");
    expect(await s.projects.get("vision")).toMatchObject({
      name: "vision",
      createdBy: "ann",
      createdAtMs: 1,
      members: [{ user: "ann", role: "owner", addedBy: "ann", addedAtMs: 1 }],
    });
    await s.tokens.create("bob", "user", 1);
    expect(await s.projects.facts("vision", "ann")).toEqual({
      project: "vision",
      user: "ann",
      exists: true,
      memberRole: "owner",
      nameIsUser: false,
    });
    expect(await s.projects.facts("bob", "ann")).toEqual({
      project: "bob",
      user: "ann",
      exists: false,
      memberRole: undefined,
      nameIsUser: true,
    });
    expect(await s.projects.names()).toEqual(["vision"]);
  });

  it("a decision that refuses, inside add or claim, leaves nothing behind", async () => {
    const s = await open();
    const refuse = () => {
      throw Object.assign(new Error("no"), { code: "FORBIDDEN" });
    };
    expect(await codeOf(s.projects.claim("x", "ann", 1, refuse))).toBe("FORBIDDEN");
    expect(await codeOf(s.artifacts.add(art({ project: "x" }), 1, { user: "ann", decide: refuse }))).toBe("FORBIDDEN");
    expect(await s.projects.get("x")).toBeUndefined();
    expect(await s.artifacts.list({ includeDeleted: true })).toEqual([]);
  });

  it("concurrent first publishes into a new project create it once", async () => {
    const s = await open();
    const seen: ProjectFacts[] = [];
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => s.artifacts.add(art({ name: `n${i}` }), 5, creating(seen))));
    expect(made.length).toBe(8);
    expect(seen.filter((f) => !f.exists).length).toBe(1);
    expect((await s.projects.get("vision"))?.members.length).toBe(1);
  });

  it("grant adds or changes members, revoke removes them; the last owner can neither leave nor be demoted", async () => {
    const s = await open();
    await owner(s);
    await s.projects.grant("vision", "bob", "reader", "ann", 2);
    const p = await s.projects.grant("vision", "bob", "publisher", "ann", 3);
    expect(p.members.map((m) => `${m.user}:${m.role}`)).toEqual(["ann:owner", "bob:publisher"]);
    expect(await s.projects.memberships("bob")).toEqual([{ name: "vision", role: "publisher" }]);
    expect(await codeOf(s.projects.revoke("vision", "ann", "ann", 4))).toBe("CONFLICT");
    expect(await codeOf(s.projects.grant("vision", "ann", "reader", "ann", 4))).toBe("CONFLICT");
    await s.projects.grant("vision", "bob", "owner", "ann", 5);
    expect((await s.projects.revoke("vision", "ann", "bob", 6)).members.map((m) => m.user)).toEqual(["bob"]);
    expect(await codeOf(s.projects.revoke("vision", "carl", "bob", 7))).toBe("NOT_FOUND");
    expect(await codeOf(s.projects.grant("nope", "carl", "reader", "bob", 7))).toBe("NOT_FOUND");
    const types = (await s.events.list(20, { subject: "project/vision" })).map((e) => e.type);
    expect(types).toEqual([
      "project.member.revoked",
      "project.member.granted",
      "project.member.granted",
      "project.member.granted",
      "project.created",
    ]);
  });

  it("two owners revoking each other at once never leave the project without an owner", async () => {
    const s = await open();
    await owner(s);
    await s.projects.grant("vision", "bob", "owner", "ann", 2);
    const r = await Promise.allSettled([s.projects.revoke("vision", "ann", "bob", 3), s.projects.revoke("vision", "bob", "ann", 3)]);
    expect(r.filter((x) => x.status === "fulfilled").length).toBe(1);
    expect((await s.projects.get("vision"))?.members.filter((m) => m.role === "owner").length).toBe(1);
  });
});

import { expect, it } from "vitest";
import type { Store } from "../port.js";
import type { Artifact, PromoteFacts } from "../port-artifacts.js";
import { describeStores } from "./harness.testing.js";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return "no error";
}

const forbidden = (msg: string) => Object.assign(new Error(msg), { code: "FORBIDDEN" });
/** The served-name rule in small: a bound name stays with its project; the deciding project needs a publisher. */
const rule = (artifact: Artifact) => (f: PromoteFacts) => {
  if (f.before !== undefined && f.before.project !== artifact.project) throw forbidden("name belongs to another project");
  if (f.project.memberRole !== "publisher" && f.project.memberRole !== "owner") throw forbidden("needs publisher");
};

async function model(s: Store, project: string, user: string, atMs = 1): Promise<Artifact> {
  return s.artifacts.add(
    { project, name: "m", kind: "model", sha256: "c".repeat(64), sizeBytes: 10, metadata: {}, parents: [], createdBy: user },
    atMs,
    { user, decide: (f) => (f.exists ? "publish" : "create") },
  );
}

describeStores("served-model store", (open, kit) => {
  it("promote binds a name to a version for the artifact's project, rebinds it later, and records both", async () => {
    const s = await open();
    const v1 = await model(s, "nlp", "ann");
    const v2 = await model(s, "nlp", "ann", 2);
    const seen: PromoteFacts[] = [];
    const first = await s.served.promote({ name: "sent", artifactId: v1.id, by: "ann", nowMs: 5, check: (f) => void seen.push(f) });
    expect(first.previous).toBeUndefined();
    expect(first.binding).toEqual({ name: "sent", project: "nlp", artifactId: v1.id, promotedBy: "ann", promotedAtMs: 5 });
    expect(seen[0]?.project).toMatchObject({ project: "nlp", user: "ann", exists: true, memberRole: "owner" });
    const second = await s.served.promote({ name: "sent", artifactId: v2.id, by: "ann", nowMs: 6, check: rule(v2) });
    expect(second.previous?.artifactId).toBe(v1.id);
    expect(await s.served.binding("sent")).toMatchObject({ artifactId: v2.id, promotedAtMs: 6 });
    expect((await s.served.bindings()).map((b) => b.name)).toEqual(["sent"]);
    expect(await s.served.servingArtifact(v2.id)).toEqual(["sent"]);
    expect(await s.served.servingArtifact(v1.id)).toEqual([]);
    const ev = await s.events.list(5, { subject: "model/sent" });
    expect(ev.map((e) => e.type)).toEqual(["model.promoted", "model.promoted"]);
    expect(ev[0]?.data).toMatchObject({ project: "nlp", artifactId: v2.id, artifact: "nlp/m:2", previousArtifactId: v1.id });
  });

  it("a check that refuses binds nothing; a deleted or unknown version cannot be promoted", async () => {
    const s = await open();
    const a = await model(s, "nlp", "ann");
    const b = await model(s, "cv", "bob");
    await s.served.promote({ name: "sent", artifactId: a.id, by: "ann", nowMs: 5, check: rule(a) });
    expect(await codeOf(s.served.promote({ name: "sent", artifactId: b.id, by: "bob", nowMs: 6, check: rule(b) }))).toBe("FORBIDDEN");
    expect((await s.served.binding("sent"))?.artifactId).toBe(a.id);
    const gone = await model(s, "cv", "bob", 7);
    await s.artifacts.remove(gone.id, "bob", 8);
    expect(await codeOf(s.served.promote({ name: "x", artifactId: gone.id, by: "bob", nowMs: 9, check: () => undefined }))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(s.served.promote({ name: "x", artifactId: "a-none", by: "bob", nowMs: 9, check: () => undefined }))).toBe(
      "NOT_FOUND",
    );
    expect(await s.served.binding("x")).toBeUndefined();
  });

  it("a served version cannot be deleted; release unbinds it (and its public flag), then it can", async () => {
    const s = await open();
    const a = await model(s, "nlp", "ann");
    await s.served.promote({ name: "sent", artifactId: a.id, by: "ann", nowMs: 5, public: true, check: rule(a) });
    expect(await s.publicModels.isPublic("sent")).toBe(true);
    expect(await codeOf(s.artifacts.remove(a.id, "ann", 6))).toBe("CONFLICT");
    expect(await codeOf(s.served.release("sent", "bob", 7, rule(a)))).toBe("FORBIDDEN");
    expect(await s.served.binding("sent")).toBeDefined();
    const released = await s.served.release("sent", "ann", 7, (f) => expect(f.before?.name).toBe("sent"));
    expect(released?.artifactId).toBe(a.id);
    expect(await s.publicModels.isPublic("sent")).toBe(false);
    expect(await s.served.release("sent", "ann", 8, () => undefined)).toBeUndefined();
    expect((await s.artifacts.remove(a.id, "ann", 9)).artifact.deletedAtMs).toBe(9);
  });

  it("two projects claiming one free name at once: exactly one binds it", async () => {
    const url = await kit.freshUrl();
    const one = await kit.openUrl(url);
    const two = await kit.openUrl(url);
    for (let round = 0; round < 5; round++) {
      const a = await model(one, "nlp", "ann", round);
      const b = await model(two, "cv", "bob", round);
      const name = `free-${round}`;
      const r = await Promise.allSettled([
        one.served.promote({ name, artifactId: a.id, by: "ann", nowMs: 10, check: rule(a) }),
        two.served.promote({ name, artifactId: b.id, by: "bob", nowMs: 10, check: rule(b) }),
      ]);
      expect(r.filter((x) => x.status === "fulfilled").length).toBe(1);
      const bound = await one.served.binding(name);
      const winner = r[0].status === "fulfilled" ? a : b;
      expect(bound).toMatchObject({ project: winner.project, artifactId: winner.id });
    }
  });

  it("promoting and deleting one version at once: never a binding to a deleted version", async () => {
    const url = await kit.freshUrl();
    const one = await kit.openUrl(url);
    const two = await kit.openUrl(url);
    for (let round = 0; round < 5; round++) {
      const a = await model(one, "nlp", "ann", round);
      const name = `race-${round}`;
      await Promise.allSettled([
        one.served.promote({ name, artifactId: a.id, by: "ann", nowMs: 10, check: rule(a) }),
        two.artifacts.remove(a.id, "ann", 10),
      ]);
      const bound = await one.served.binding(name);
      const now = await one.artifacts.get(a.id);
      expect(bound !== undefined && now?.deletedAtMs !== undefined).toBe(false);
      expect(bound !== undefined || now?.deletedAtMs !== undefined).toBe(true);
    }
  });

  it("the public flag: set and cleared with events; a promotion without `public` keeps it", async () => {
    const s = await open();
    const a = await model(s, "nlp", "ann");
    await s.served.promote({ name: "sent", artifactId: a.id, by: "ann", nowMs: 5, check: rule(a) });
    expect(await s.publicModels.isPublic("sent")).toBe(false);
    await s.publicModels.set("sent", true, "ann", 6);
    await s.publicModels.set("sent", true, "ann", 7);
    expect(await s.publicModels.isPublic("sent")).toBe(true);
    await s.served.promote({ name: "sent", artifactId: a.id, by: "ann", nowMs: 8, check: rule(a) });
    expect(await s.publicModels.isPublic("sent")).toBe(true);
    await s.served.promote({ name: "sent", artifactId: a.id, by: "ann", nowMs: 9, public: false, check: rule(a) });
    expect(await s.publicModels.isPublic("sent")).toBe(false);
    const types = (await s.events.list(10, { subject: "model/sent" })).map((e) => e.type);
    expect(types).toEqual(["model.private", "model.promoted", "model.promoted", "model.public", "model.public", "model.promoted"]);
  });
});

describeStores("upload session store", (open) => {
  it("start, get, touch and end a session; stale ones are found by their last change", async () => {
    const s = await open();
    const id = "u-" + "1".repeat(24);
    expect(await s.uploads.start(id, "ann", 100)).toEqual({ id, user: "ann", sizeBytes: 0, createdAtMs: 100, updatedAtMs: 100 });
    await s.uploads.start("u-" + "2".repeat(24), "bob", 100);
    await s.uploads.touch(id, 4096, 500);
    expect(await s.uploads.get(id)).toEqual({ id, user: "ann", sizeBytes: 4096, createdAtMs: 100, updatedAtMs: 500 });
    expect(await s.uploads.staleIds(400)).toEqual(["u-" + "2".repeat(24)]);
    expect(await s.uploads.staleIds(600)).toEqual([id, "u-" + "2".repeat(24)]);
    expect(await s.uploads.end(id)).toBe(true);
    expect(await s.uploads.end(id)).toBe(false);
    expect(await s.uploads.get(id)).toBeUndefined();
    expect(await s.uploads.ids()).toEqual(new Set(["u-" + "2".repeat(24)]));
  });
});

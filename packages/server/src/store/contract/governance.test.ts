import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { verifyAuditLog } from "../../governance/audit.js";
import { parseStoreUrl } from "../open.js";
import { copyStore } from "../transfer/copy.js";
import { PgDb } from "../pg/db.js";
import type { NewAuditEntry } from "../port-governance.js";
import { describeStores } from "./harness.testing.js";

/** Run one statement on the raw database behind a store URL, around the store (what an intruder with the file or a DB login does). */
async function raw(url: string, sql: string): Promise<void> {
  const where = parseStoreUrl(url);
  if (where.backend === "sqlite") {
    const db = new Database(where.path);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const db = new PgDb(where.url, { max: 1 });
  try {
    await db.query(sql);
  } finally {
    await db.close();
  }
}

const read = (i: number, over: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  actor: i % 2 === 0 ? "alice" : "bob",
  actorRole: "user",
  action: "dataset.read",
  outcome: i % 3 === 0 ? "denied" : "allowed",
  project: i % 4 === 0 ? "nlp" : "vision",
  resource: `p/d:${i}`,
  detail: { i, range: "bytes=0-9" },
  ...over,
});

describeStores("governance store: audit log, permissions, retention", (open, kit) => {
  it("appends audit entries chained by hash and lists them newest first with filters and pages", async () => {
    const store = await open();
    for (let i = 1; i <= 12; i++)
      await store.governance.audit.append(read(i, i === 5 ? { jobId: "j-5", action: "dataset.job-read" } : {}), 1000 + i);
    const all = await store.governance.audit.list({ limit: 100 });
    expect(all.map((e) => e.atMs)).toEqual(Array.from({ length: 12 }, (_, i) => 1012 - i));
    expect(all.at(-1)?.prevHash).toBe("0".repeat(64));
    expect(all[0]?.prevHash).toBe(all[1]?.hash);
    expect(all.find((e) => e.jobId === "j-5")).toMatchObject({ action: "dataset.job-read", detail: { i: 5, range: "bytes=0-9" } });
    expect((await store.governance.audit.list({ limit: 100, project: "nlp" })).map((e) => e.detail["i"])).toEqual([12, 8, 4]);
    expect((await store.governance.audit.list({ limit: 100, actor: "bob", outcome: "denied" })).map((e) => e.detail["i"])).toEqual([9, 3]);
    expect((await store.governance.audit.list({ limit: 100, sinceMs: 1010 })).length).toBe(3);
    expect(await store.governance.audit.list({ limit: 100, projects: [] })).toEqual([]);
    expect((await store.governance.audit.list({ limit: 100, projects: ["nlp", "x"] })).length).toBe(3);
    const page1 = await store.governance.audit.list({ limit: 5 });
    const page2 = await store.governance.audit.list({ limit: 5, beforeId: page1.at(-1)?.id ?? 0 });
    expect([...page1, ...page2].map((e) => e.atMs)).toEqual(all.slice(0, 10).map((e) => e.atMs));
    expect(await verifyAuditLog(store)).toEqual({ ok: true, entries: 12 });
  });

  it("keeps one chain under concurrent appends", async () => {
    const store = await open();
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.governance.audit.append(read(i), 5000 + i)));
    expect(await verifyAuditLog(store)).toEqual({ ok: true, entries: 40 });
  });

  it("refuses UPDATE and DELETE on the audit log in the database itself, and the chain shows edits made around the triggers", async () => {
    const url = await kit.freshUrl();
    const store = await kit.openUrl(url);
    for (let i = 1; i <= 5; i++) await store.governance.audit.append(read(i), 2000 + i);
    await expect(raw(url, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2")).rejects.toThrow(/append-only/);
    await expect(raw(url, "DELETE FROM audit_log WHERE id = 3")).rejects.toThrow(/append-only/);
    await expect(raw(url, "DELETE FROM audit_log")).rejects.toThrow(/append-only/);
    if (kit.backend === "postgres") await expect(raw(url, "TRUNCATE audit_log")).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect((await store.governance.audit.list({ limit: 10 })).length).toBe(5);
    expect(await verifyAuditLog(store)).toEqual({ ok: true, entries: 5 });
    // an intruder with the database's owner rights drops the trigger and rewrites a row
    await raw(url, "DROP TRIGGER audit_log_no_update" + (kit.backend === "postgres" ? " ON audit_log" : ""));
    await raw(url, "UPDATE audit_log SET actor = 'mallory' WHERE id = (SELECT MIN(id) + 1 FROM audit_log)");
    const v = await verifyAuditLog(store);
    expect(v).toMatchObject({ ok: false, reason: "entry altered" });
    const second = (await store.governance.audit.list({ limit: 10 })).at(-2);
    expect(v.firstBadId).toBe(second?.id);
  });

  it("shows a row removed from the middle as a broken link", async () => {
    const url = await kit.freshUrl();
    const store = await kit.openUrl(url);
    for (let i = 1; i <= 4; i++) await store.governance.audit.append(read(i), 3000 + i);
    await raw(url, "DROP TRIGGER audit_log_no_delete" + (kit.backend === "postgres" ? " ON audit_log" : ""));
    await raw(url, "DELETE FROM audit_log WHERE id = (SELECT MIN(id) + 1 FROM audit_log)");
    expect(await verifyAuditLog(store)).toMatchObject({ ok: false, reason: "link to the previous entry broken" });
  });

  it("stores permission rules and retention rules, each change with its audit entry", async () => {
    const store = await open();
    expect(await store.governance.permissions.list("nlp")).toEqual([]);
    await store.governance.permissions.set({ project: "nlp", permission: "dataset:read", minRole: "publisher", setBy: "ann", setAtMs: 10 });
    await store.governance.permissions.set({ project: "nlp", permission: "dataset:read", minRole: "owner", setBy: "ann", setAtMs: 11 });
    expect(await store.governance.permissions.list("nlp")).toEqual([
      { project: "nlp", permission: "dataset:read", minRole: "owner", setBy: "ann", setAtMs: 11 },
    ]);
    expect(await store.governance.retention.get("nlp")).toBeUndefined();
    await store.governance.retention.set({ project: "nlp", keepVersions: 3, kinds: ["dataset"], setBy: "ann", setAtMs: 12 });
    await store.governance.retention.set({ project: "cv", maxAgeDays: 1.5, kinds: ["dataset", "checkpoint"], setBy: "cid", setAtMs: 13 });
    expect(await store.governance.retention.get("nlp")).toEqual({
      project: "nlp",
      keepVersions: 3,
      kinds: ["dataset"],
      setBy: "ann",
      setAtMs: 12,
    });
    expect((await store.governance.retention.list()).map((r) => [r.project, r.maxAgeDays])).toEqual([
      ["cv", 1.5],
      ["nlp", undefined],
    ]);
    expect(await store.governance.retention.clear("nlp", "ann", 14)).toBe(true);
    expect(await store.governance.retention.clear("nlp", "ann", 15)).toBe(false);
    const log = await store.governance.audit.list({ limit: 10 });
    expect(log.map((e) => [e.action, e.project, e.actor])).toEqual([
      ["retention.set", "nlp", "ann"],
      ["retention.set", "cv", "cid"],
      ["retention.set", "nlp", "ann"],
      ["permission.set", "nlp", "ann"],
      ["permission.set", "nlp", "ann"],
    ]);
    expect(log[0]?.detail).toEqual({ cleared: true });
    expect(await verifyAuditLog(store)).toEqual({ ok: true, entries: 5 });
  });
});

describeStores("governance store: copies", (_open, kit) => {
  it("aidc store copy carries the audit log with its chain intact (from a SQLite file into this backend)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-gov-copy-"));
    const source = `sqlite:${join(dir, "source.db")}`;
    const src = await kit.openUrl(source);
    for (let i = 1; i <= 7; i++) await src.governance.audit.append(read(i, { detail: { i, nested: { b: 2, a: [1, "x"] } } }), 4000 + i);
    await src.governance.retention.set({ project: "nlp", keepVersions: 2, kinds: ["dataset"], setBy: "ann", setAtMs: 9 });
    await src.close();
    const target = await kit.freshUrl();
    await copyStore(source, target);
    const copy = await kit.openUrl(target);
    expect(await verifyAuditLog(copy)).toEqual({ ok: true, entries: 8 });
    expect((await copy.governance.audit.list({ limit: 1, actor: "bob" }))[0]?.detail).toEqual({ i: 7, nested: { b: 2, a: [1, "x"] } });
    expect(await copy.governance.retention.get("nlp")).toMatchObject({ keepVersions: 2 });
    // and the next append continues the copied chain
    await copy.governance.audit.append(read(8), 5000);
    expect(await verifyAuditLog(copy)).toEqual({ ok: true, entries: 9 });
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("audit hash", () => {
  it("does not depend on the order of detail keys", async () => {
    const { auditHash } = await import("../port-governance.js");
    const base = { id: 1, atMs: 1, actor: "a", action: "dataset.read" as const, outcome: "allowed" as const, project: "p", resource: "r" };
    expect(auditHash("0", { ...base, detail: { a: 1, b: 2 } })).toBe(auditHash("0", { ...base, detail: { b: 2, a: 1 } }));
    expect(auditHash("0", { ...base, detail: { a: 1 } })).not.toBe(auditHash("0", { ...base, detail: { a: 2 } }));
  });
});

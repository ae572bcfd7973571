import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { openStore } from "../open.js";
import { backupStore } from "../transfer/backup.js";
import { copyStore } from "../transfer/copy.js";
import { describeStores } from "./harness.testing.js";

const sha = (n: number): string => n.toString(16).padStart(64, "0");
const row = (n: number, keyId: string) => ({ sha256: sha(n), keyId, wrapped: randomBytes(60), createdAtMs: 1000 + n });

describeStores("DataKeyStore", (open, kit) => {
  it("inserts a key once: a second insert for the same blob gets the first row back", async () => {
    const store = await open();
    const first = row(1, "mk-a");
    expect(await store.dataKeys.getOrInsert(first)).toEqual(first);
    const again = await store.dataKeys.getOrInsert(row(1, "mk-b"));
    expect(again).toEqual(first);
    expect(await store.dataKeys.get(sha(1))).toEqual(first);
    expect(await store.dataKeys.get(sha(2))).toBeUndefined();
  });

  it("two replicas racing on the same blob agree on one key", async () => {
    const url = await kit.freshUrl();
    const a = await kit.openUrl(url);
    const b = await kit.openUrl(url);
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).dataKeys.getOrInsert(row(7, `mk-${i}`))));
    expect(new Set(got.map((r) => r.wrapped.toString("hex"))).size).toBe(1);
  });

  it("rewraps only a row still wrapped by the expected master (compare and set), and counts per master", async () => {
    const store = await open();
    for (let i = 0; i < 5; i++) await store.dataKeys.getOrInsert(row(i, "mk-old"));
    const w = randomBytes(60);
    expect(await store.dataKeys.rewrap(sha(0), "mk-old", "mk-new", w)).toBe(true);
    expect(await store.dataKeys.rewrap(sha(0), "mk-old", "mk-new", randomBytes(60))).toBe(false); // already moved
    expect((await store.dataKeys.get(sha(0)))?.wrapped).toEqual(w);
    expect(await store.dataKeys.countByKeyId()).toEqual(
      new Map([
        ["mk-new", 1],
        ["mk-old", 4],
      ]),
    );
    await store.dataKeys.remove(sha(4));
    expect(await store.dataKeys.countByKeyId()).toEqual(
      new Map([
        ["mk-new", 1],
        ["mk-old", 3],
      ]),
    );
  });

  it("lists a master's rows in sha256 order, page by page", async () => {
    const store = await open();
    for (const i of [9, 3, 5, 1, 7]) await store.dataKeys.getOrInsert(row(i, i === 5 ? "mk-b" : "mk-a"));
    const page1 = await store.dataKeys.listByKeyId("mk-a", 2);
    expect(page1.map((r) => r.sha256)).toEqual([sha(1), sha(3)]);
    const page2 = await store.dataKeys.listByKeyId("mk-a", 2, page1[1]?.sha256);
    expect(page2.map((r) => r.sha256)).toEqual([sha(7), sha(9)]);
    expect(await store.dataKeys.listByKeyId("mk-a", 2, sha(9))).toEqual([]);
  });

  it("a backup restored into a SQLite store (from PostgreSQL: across backends) keeps every wrapped key byte for byte", async () => {
    const url = await kit.freshUrl();
    const source = await kit.openUrl(url);
    const rows = [row(3, "mk-a"), row(4, "mk-b")];
    for (const r of rows) await source.dataKeys.getOrInsert(r);
    const dir = mkdtempSync(join(tmpdir(), "aidc-keys-backup-"));
    const file = join(dir, kit.backend === "sqlite" ? "backup.db" : "backup.jsonl.gz");
    await backupStore(url, file);
    const restored = `sqlite:${join(dir, "restored.db")}`;
    await copyStore(kit.backend === "sqlite" ? `sqlite:${file}` : `file:${file}`, restored);
    const back = await openStore(restored);
    try {
      for (const r of rows) expect(await back.dataKeys.get(r.sha256)).toEqual(r);
    } finally {
      await back.close();
    }
    if (kit.backend === "sqlite") {
      // and a plain copy of the restored store
      const again = `sqlite:${join(dir, "again.db")}`;
      await copyStore(restored, again);
      const a = await openStore(again);
      expect(await a.dataKeys.get(rows[0]!.sha256)).toEqual(rows[0]);
      await a.close();
    }
  });
});

import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BlobStore } from "../artifacts/blobs.js";
import type { Artifact } from "../artifacts/repo.js";
import { SqliteStore } from "../store/sqlite.js";
import { retentionCuts, startRetentionSweeps } from "./retention.js";

const DAY = 86_400_000;
const art = (name: string, version: number, ageDays: number, kind: Artifact["kind"] = "dataset"): Artifact => ({
  id: `${name}-${version}`,
  project: "p",
  name,
  version,
  kind,
  sha256: "0".repeat(64),
  sizeBytes: 1,
  tier: "hot",
  metadata: {},
  parents: [],
  createdBy: "ann",
  createdAtMs: 100 * DAY - ageDays * DAY,
});
const rule = (r: { keepVersions?: number; maxAgeDays?: number; kinds?: Artifact["kind"][] }) => ({
  project: "p",
  kinds: r.kinds ?? (["dataset"] as Artifact["kind"][]),
  setBy: "ann",
  setAtMs: 0,
  ...(r.keepVersions !== undefined ? { keepVersions: r.keepVersions } : {}),
  ...(r.maxAgeDays !== undefined ? { maxAgeDays: r.maxAgeDays } : {}),
});
const ids = (cuts: ReturnType<typeof retentionCuts>) => cuts.map((c) => `${c.artifact.id}:${c.reason}`);

describe("retention rules", () => {
  const live = [
    art("a", 1, 40),
    art("a", 2, 20),
    art("a", 3, 5),
    art("a", 4, 1),
    art("b", 1, 90),
    art("m", 1, 90, "model"),
    art("m", 2, 1, "model"),
  ];

  it("keeps the newest N per name, only of the rule's kinds", () => {
    expect(ids(retentionCuts(live, rule({ keepVersions: 2 }), 100 * DAY))).toEqual(["a-1:count", "a-2:count"]);
    expect(ids(retentionCuts(live, rule({ keepVersions: 1, kinds: ["model"] }), 100 * DAY))).toEqual(["m-1:count"]);
  });

  it("deletes by age but never a name's newest version", () => {
    expect(ids(retentionCuts(live, rule({ maxAgeDays: 10 }), 100 * DAY))).toEqual(["a-1:age", "a-2:age"]); // b-1 is b's newest
    expect(ids(retentionCuts(live, rule({ keepVersions: 3, maxAgeDays: 30 }), 100 * DAY))).toEqual(["a-1:count"]);
    expect(ids(retentionCuts(live, rule({ keepVersions: 3, maxAgeDays: 15 }), 100 * DAY))).toEqual(["a-1:count", "a-2:age"]);
  });

  it("ignores other projects and tombstones", () => {
    const other = { ...art("a", 1, 50), project: "q" };
    const gone = { ...art("a", 2, 50), deletedAtMs: 1 };
    expect(retentionCuts([other, gone, art("a", 3, 1)], rule({ keepVersions: 1 }), 100 * DAY)).toEqual([]);
  });

  it("the sweeper applies every project's rule on the leader only, and audits each deletion", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-retention-"));
    const store = SqliteStore.open(join(dir, "store.db"));
    const blobs = new BlobStore(join(dir, "blobs"));
    try {
      const shas: string[] = [];
      for (let v = 1; v <= 3; v++) {
        const { sha256, sizeBytes } = await blobs.putBytes(Buffer.from(`v${v}`));
        shas.push(sha256);
        await store.artifacts.add(
          { project: "p", name: "d", kind: "dataset", sha256, sizeBytes, metadata: {}, parents: [], createdBy: "ann" },
          v,
        );
        blobs.release(sha256);
      }
      await store.governance.retention.set(rule({ keepVersions: 1 }));
      let leads = false;
      const s = startRetentionSweeps({ store, blobs, now: () => 10, leads: () => leads, intervalMs: 20 });
      await new Promise((r) => setTimeout(r, 80));
      expect((await store.artifacts.list({ project: "p" })).length).toBe(3); // not the leader: nothing happens
      leads = true;
      await expect.poll(async () => (await store.artifacts.list({ project: "p" })).map((a) => a.version), { timeout: 5000 }).toEqual([3]);
      s.stop();
      expect(shas.map((h) => existsSync(blobs.blobPath(h)))).toEqual([false, false, true]);
      const log = await store.governance.audit.list({ limit: 10, action: "retention.delete" });
      expect(log.map((e) => [e.actor, e.resource])).toEqual([
        ["retention", "p/d:2"],
        ["retention", "p/d:1"],
      ]);
    } finally {
      await store.close();
    }
  });
});

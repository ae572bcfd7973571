import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { BlobStore, Keyring, loadMasterKey, openStore, unwrapDataKey, wrapDataKey } from "@aidc/server";
import { runCli } from "../run-cli.testing.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const ROWS = 20_000;

function keyFile(dir: string, name: string): string {
  const p = join(dir, name);
  writeFileSync(p, randomBytes(32).toString("hex"), { mode: 0o600 });
  return p;
}

/**
 * A store with three real encrypted blobs and many more data keys (rows only), all wrapped by the
 * old master: enough work that a rotation is still running when it is killed.
 */
async function encryptedStore(dir: string, oldFile: string): Promise<{ blobs: { sha256: string; bytes: Buffer }[] }> {
  const store = await openStore(`sqlite:${join(dir, "aidc.db")}`);
  const writer = new BlobStore(join(dir, "blobs"), { keys: store.dataKeys, keyring: Keyring.fromFiles([oldFile]) });
  const blobs = [];
  for (let i = 0; i < 3; i++) {
    const bytes = randomBytes(100_000 + i);
    const { sha256 } = await writer.putBytes(bytes);
    writer.release(sha256);
    blobs.push({ sha256, bytes });
  }
  await store.close();
  const old = loadMasterKey(oldFile);
  const db = new Database(join(dir, "aidc.db"));
  const insert = db.prepare("INSERT INTO data_keys (sha256, key_id, wrapped, created_at_ms) VALUES (?, ?, ?, ?)");
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const sha = createHash("sha256").update(`row ${i}`).digest("hex");
      insert.run(sha, old.id, wrapDataKey(old, sha, randomBytes(32)).toString("base64"), i);
    }
  })();
  db.close();
  return { blobs };
}

describe("aidc keys rotate", () => {
  it("killed with SIGKILL mid-rotation leaves every key wrapped by exactly one master, every blob readable; a re-run finishes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-keys-"));
    const oldFile = keyFile(dir, "old.key");
    const newFile = keyFile(dir, "new.key");
    const old = loadMasterKey(oldFile);
    const next = loadMasterKey(newFile);
    const { blobs } = await encryptedStore(dir, oldFile);
    const total = ROWS + blobs.length;

    const child = spawn(
      process.execPath,
      [join(repo, "packages/cli/dist/bin.js"), "keys", "rotate", "--data-dir", dir, "--old", oldFile, "--new", newFile, "--batch", "100"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_code, signal) => r(signal)));
    const watch = new Database(join(dir, "aidc.db"), { readonly: true });
    const countNew = watch.prepare("SELECT COUNT(*) AS n FROM data_keys WHERE key_id = ?");
    // kill it as soon as some keys have moved
    for (;;) {
      if ((countNew.get(next.id) as { n: number }).n > 0) break;
      if (child.exitCode !== null) throw new Error("the rotation ended before it could be killed");
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const rows = watch.prepare("SELECT sha256, key_id, wrapped FROM data_keys").all() as {
      sha256: string;
      key_id: string;
      wrapped: string;
    }[];
    watch.close();

    const moved = rows.filter((r) => r.key_id === next.id).length;
    expect(rows).toHaveLength(total);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(total); // killed mid-way
    for (const r of rows) {
      const master = r.key_id === next.id ? next : old;
      expect(r.key_id === next.id || r.key_id === old.id).toBe(true);
      expect(unwrapDataKey(master, r.sha256, Buffer.from(r.wrapped, "base64"))).toHaveLength(32);
    }
    // a server holding both keys (the documented way to run during a rotation) reads every blob
    const store = await openStore(`sqlite:${join(dir, "aidc.db")}`);
    try {
      const both = new BlobStore(join(dir, "blobs"), { keys: store.dataKeys, keyring: Keyring.fromFiles([newFile, oldFile]) });
      for (const b of blobs) expect((await both.readAll(b.sha256)).equals(b.bytes)).toBe(true);
    } finally {
      await store.close();
    }

    // the re-run finishes the rest; then the old key wraps nothing and can be retired
    const rerun = await runCli(["keys", "rotate", "--data-dir", dir, "--old", oldFile, "--new", newFile, "--json"]);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.out)).toMatchObject({ from: old.id, to: next.id, rewrapped: total - moved, remaining: 0, failed: [] });
    const status = await runCli(["keys", "status", "--data-dir", dir, "--key", oldFile, newFile, "--json"]);
    expect(JSON.parse(status.out)).toEqual({
      masterKeys: expect.arrayContaining([
        { keyId: next.id, dataKeys: total, file: newFile },
        { keyId: old.id, dataKeys: 0, file: oldFile },
      ]),
    });
    const after = await openStore(`sqlite:${join(dir, "aidc.db")}`);
    try {
      const onlyNew = new BlobStore(join(dir, "blobs"), { keys: after.dataKeys, keyring: Keyring.fromFiles([newFile]) });
      for (const b of blobs) expect((await onlyNew.readAll(b.sha256)).equals(b.bytes)).toBe(true);
      const onlyOld = new BlobStore(join(dir, "blobs"), { keys: after.dataKeys, keyring: Keyring.fromFiles([oldFile]) });
      await expect(onlyOld.readAll(blobs[0]!.sha256)).rejects.toMatchObject({ code: "BLOB_KEY_MISSING" });
    } finally {
      await after.close();
    }
  }, 120_000);

  it("refuses bad input before touching the store: the same key twice, a world-readable key, no store in the data dir", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-keys-"));
    const a = keyFile(dir, "a.key");
    await encryptedStore(dir, a);
    const same = await runCli(["keys", "rotate", "--data-dir", dir, "--old", a, "--new", a]);
    expect(same.code).toBe(2);
    expect(same.err).toMatch(/--new: both files hold master/);
    const open = join(dir, "open.key");
    writeFileSync(open, randomBytes(32).toString("hex"), { mode: 0o644 });
    const readable = await runCli(["keys", "rotate", "--data-dir", dir, "--old", a, "--new", open]);
    expect(readable.code).toBe(2);
    expect(readable.err).toMatch(/--new: .*chmod 600/);
    const empty = await runCli(["keys", "status", "--data-dir", join(dir, "nothing-here")]);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/--data-dir: has no aidc.db/);
  }, 60_000);
});

describe("aidc keys encrypt-existing", () => {
  it("encrypts the blobs a server stored before it had a master key; they read back with the key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-keys-"));
    const key = keyFile(dir, "master.key");
    const store = await openStore(`sqlite:${join(dir, "aidc.db")}`);
    const plain = new BlobStore(join(dir, "blobs"), { keys: store.dataKeys });
    const bytes = [Buffer.from("plaintext from before the key, one"), Buffer.from("plaintext from before the key, two")];
    const shas = [];
    for (const b of bytes) {
      const { sha256 } = await plain.putBytes(b);
      plain.release(sha256);
      shas.push(sha256);
    }
    await store.close();
    const r = await runCli(["keys", "encrypt-existing", "--data-dir", dir, "--key", key, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ keyId: loadMasterKey(key).id, encrypted: 2, failed: [] });
    const again = await openStore(`sqlite:${join(dir, "aidc.db")}`);
    try {
      const blobs = new BlobStore(join(dir, "blobs"), { keys: again.dataKeys, keyring: Keyring.fromFiles([key]) });
      expect(blobs.plaintextBlobs()).toEqual([]);
      for (const [i, sha] of shas.entries()) expect((await blobs.readAll(sha)).equals(bytes[i]!)).toBe(true);
    } finally {
      await again.close();
    }
  }, 60_000);
});

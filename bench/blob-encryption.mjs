// Encryption at rest, what it costs: commit (hash + encrypt), first read (decrypt + verify the whole
// blob), a cached whole read, and a small range read, for a plaintext and an encrypted blob store.
// Also the size overhead on disk and the rotation rate (data keys re-wrapped per second, SQLite).
// Run after `npx tsc -b`: node bench/blob-encryption.mjs [--mib 64]  → one JSON document.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BlobStore, Keyring, loadMasterKey, openStore, rotateDataKeys } from "../packages/server/dist/index.js";

const mib = process.argv.includes("--mib") ? Number(process.argv[process.argv.indexOf("--mib") + 1]) : 64;
const dir = mkdtempSync(join(tmpdir(), "aidc-bench-enc-"));
const keyFile = (name) => {
  const p = join(dir, name);
  writeFileSync(p, randomBytes(32).toString("hex"), { mode: 0o600 });
  return p;
};
const oldKey = keyFile("old.key");
const newKey = keyFile("new.key");
const store = await openStore(`sqlite:${join(dir, "aidc.db")}`);
const data = randomBytes(mib * 1024 * 1024);
const round = (x) => Math.round(x * 10) / 10;

async function drain(stream) {
  let n = 0;
  for await (const c of stream) n += c.length;
  return n;
}

async function measure(label, blobs) {
  const t0 = performance.now();
  const { sha256 } = await blobs.putBytes(data);
  blobs.release(sha256);
  const t1 = performance.now();
  // a fresh store object: nothing cached, the first read verifies the whole blob
  const reader = new BlobStore(blobs.root, { keys: store.dataKeys, keyring: Keyring.fromFiles([oldKey]) });
  const first = await drain((await reader.read(sha256)).stream);
  const t2 = performance.now();
  await drain((await reader.read(sha256)).stream);
  const t3 = performance.now();
  const reps = 200;
  for (let i = 0; i < reps; i++) {
    const start = Math.floor((i / reps) * (data.length - 4096));
    await drain((await reader.read(sha256, { start, end: start + 4095 })).stream);
  }
  const t4 = performance.now();
  if (first !== data.length) throw new Error("short read");
  const path = blobs.encrypting ? blobs.encryptedPath(sha256) : blobs.blobPath(sha256);
  return {
    label,
    commitMiBps: round(mib / ((t1 - t0) / 1000)),
    firstReadMiBps: round(mib / ((t2 - t1) / 1000)),
    cachedReadMiBps: round(mib / ((t3 - t2) / 1000)),
    range4KiBMs: Math.round(((t4 - t3) / reps) * 1000) / 1000,
    diskBytes: statSync(path).size,
  };
}

const plain = await measure("plaintext", new BlobStore(join(dir, "plain"), { keys: store.dataKeys }));
const enc = await measure("encrypted", new BlobStore(join(dir, "enc"), { keys: store.dataKeys, keyring: Keyring.fromFiles([oldKey]) }));

// rotation rate: 200 more small encrypted blobs under the old master, then re-wrap every data key
const writer = new BlobStore(join(dir, "many"), { keys: store.dataKeys, keyring: Keyring.fromFiles([oldKey]) });
for (let i = 0; i < 200; i++) writer.release((await writer.putBytes(randomBytes(64))).sha256);
const r0 = performance.now();
const report = await rotateDataKeys({ store, old: loadMasterKey(oldKey), next: loadMasterKey(newKey), now: Date.now });
const rotateS = (performance.now() - r0) / 1000;
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      blobMiB: mib,
      chunkBytes: 65536,
      plaintext: plain,
      encrypted: enc,
      diskOverheadRatio: Math.round((enc.diskBytes / plain.diskBytes - 1) * 1e6) / 1e6,
      rotation: { dataKeys: report.rewrapped, seconds: round(rotateS), keysPerS: Math.round(report.rewrapped / rotateS) },
      node: process.version,
    },
    null,
    2,
  ),
);

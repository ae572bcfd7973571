import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { AidcError, InvalidInputError } from "@aidc/core";
import { BlobStore, defaultStoreUrl, Keyring, keyStatus, loadMasterKey, openStore, rotateDataKeys } from "@aidc/server";
import { printJson, printTable, type Io } from "../output.js";
import { startProgress } from "../progress.js";
import { batchSize } from "./store.js";

/** The store a keys command works on: `--store`, or the data dir's SQLite file like `aidc serve` (which must exist). */
function storeUrl(o: { store?: string; dataDir: string }): string {
  if (o.store !== undefined) return o.store;
  if (!existsSync(join(o.dataDir, "aidc.db")))
    throw new InvalidInputError(`No store in "${o.dataDir}"`, [
      { code: "invalid_value", path: "--data-dir", message: `has no aidc.db; name the server's --data-dir or its --store URL` },
    ]);
  return defaultStoreUrl(o.dataDir);
}

/**
 * `aidc keys`: the master keys of encryption at rest. `rotate` re-wraps every data key under a new
 * master (no blob is rewritten; crash-safe, re-runnable); `status` counts the data keys each master
 * wraps, so an old key is retired only when it wraps none.
 */
export function registerKeys(program: Command, io: Io): void {
  const keys = program
    .command("keys")
    .description("master keys of the artifact store's encryption at rest: rotate them, see what each wraps");

  keys
    .command("rotate")
    .description(
      "re-wrap every data key wrapped by the old master key under the new one (blobs are not rewritten; safe to interrupt and re-run)",
    )
    .requiredOption("--old <file>", "the master key file in use now")
    .requiredOption("--new <file>", "the new master key file (make one with: openssl rand -hex 32 > new.key; chmod 600 new.key)")
    .option("--store <url>", "store: sqlite:<path>, a file path, or postgres://… (default sqlite:<data-dir>/aidc.db)")
    .option("--data-dir <dir>", "the server's data directory", ".aidc")
    .option("--batch <n>", "keys read per page", "500")
    .option("--json", "print one JSON document")
    .action(async (opts: { old: string; new: string; store?: string; dataDir: string; batch: string; json?: boolean }) => {
      // both key files are checked before the store opens: a wrong file changes nothing
      const old = loadMasterKey(opts.old, "--old");
      const next = loadMasterKey(opts.new, "--new");
      const batch = batchSize(opts.batch);
      const store = await openStore(storeUrl(opts));
      try {
        const progress = startProgress({ ...io, json: opts.json === true }, "re-wrapping data keys");
        const report = await rotateDataKeys({ store, old, next, now: Date.now, batch, onProgress: (n) => progress.set(n) });
        progress.done();
        if (opts.json) printJson(io, report);
        else {
          io.out(
            `re-wrapped ${report.rewrapped} data keys from ${report.from} to ${report.to}; ${report.remaining} still wrapped by ${report.from}\n`,
          );
          for (const f of report.failed) io.err(`not re-wrapped: ${f.sha256}: ${f.message}\n`);
          if (report.remaining === 0)
            io.out(
              `no data key needs ${report.from} any more: restart the servers with --master-key-file ${opts.new} alone, then retire ${opts.old}\n`,
            );
        }
        if (report.failed.length > 0)
          throw new AidcError(
            "KEY_ROTATION_INCOMPLETE",
            `${report.failed.length} data keys did not unwrap under ${report.from} and were left as they were`,
          );
      } finally {
        await store.close();
      }
    });

  keys
    .command("encrypt-existing")
    .description(
      "encrypt the blobs stored in plaintext before a master key was configured (hash checked first; run the servers with the key first)",
    )
    .requiredOption("--key <file>", "the master key file the servers use (the first --master-key-file)")
    .option("--store <url>", "store: sqlite:<path>, a file path, or postgres://… (default sqlite:<data-dir>/aidc.db)")
    .option("--data-dir <dir>", "the server's data directory", ".aidc")
    .option("--blob-dir <dir>", "the artifact blobs (default <data-dir>/blobs)")
    .option("--json", "print one JSON document")
    .action(async (opts: { key: string; store?: string; dataDir: string; blobDir?: string; json?: boolean }) => {
      const keyring = new Keyring(loadMasterKey(opts.key, "--key"));
      const blobDir = opts.blobDir ?? join(opts.dataDir, "blobs");
      if (!existsSync(join(blobDir, "sha256")))
        throw new InvalidInputError(`No blobs in "${blobDir}"`, [
          { code: "invalid_value", path: "--blob-dir", message: "has no sha256/ folder" },
        ]);
      const store = await openStore(storeUrl(opts));
      try {
        const blobs = new BlobStore(blobDir, { keys: store.dataKeys, keyring });
        const todo = blobs.plaintextBlobs();
        const progress = startProgress({ ...io, json: opts.json === true }, "encrypting blobs", todo.length);
        let encrypted = 0;
        const failed: { sha256: string; message: string }[] = [];
        for (const sha256 of todo) {
          try {
            if (await blobs.encryptStored(sha256)) encrypted++;
          } catch (err) {
            failed.push({ sha256, message: (err as Error).message });
          }
          progress.set(encrypted + failed.length);
        }
        progress.done();
        const report = { keyId: keyring.active.id, encrypted, failed };
        if (opts.json) printJson(io, report);
        else {
          io.out(`encrypted ${encrypted} of ${todo.length} plaintext blobs under ${keyring.active.id}\n`);
          for (const f of failed) io.err(`not encrypted: ${f.sha256}: ${f.message}\n`);
        }
        if (failed.length > 0) throw new AidcError("INTEGRITY_ERROR", `${failed.length} blobs were left in plaintext (see above)`);
      } finally {
        await store.close();
      }
    });

  keys
    .command("status")
    .description("how many data keys each master key wraps (name key files to see which is which)")
    .option("--store <url>", "store: sqlite:<path>, a file path, or postgres://… (default sqlite:<data-dir>/aidc.db)")
    .option("--data-dir <dir>", "the server's data directory", ".aidc")
    .option("--key <file...>", "master key files to identify by their id")
    .option("--json", "print one JSON document")
    .action(async (opts: { store?: string; dataDir: string; key?: string[]; json?: boolean }) => {
      const files = new Map((opts.key ?? []).map((f) => [loadMasterKey(f, "--key").id, f]));
      const store = await openStore(storeUrl(opts));
      try {
        const counts = await keyStatus(store);
        for (const id of files.keys()) if (!counts.some((c) => c.keyId === id)) counts.push({ keyId: id, dataKeys: 0 });
        const rows = counts.map((c) => ({ ...c, ...(files.has(c.keyId) ? { file: files.get(c.keyId) } : {}) }));
        if (opts.json) return printJson(io, { masterKeys: rows });
        printTable(
          io,
          ["MASTER KEY", "DATA KEYS", "FILE"],
          rows.map((r) => [r.keyId, r.dataKeys, r.file ?? ""]),
        );
      } finally {
        await store.close();
      }
    });
}

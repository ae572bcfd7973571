import { existsSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { AidcError, InvalidInputError } from "@aidc/core";
import { parseStoreUrl } from "../open.js";
import { writeDump } from "./dump.js";
import { checksums, openSource, type TableReport } from "./copy.js";
import { SqliteRows } from "./sqlite.js";

export type BackupFormat = "sqlite" | "jsonl";
export const BACKUP_FORMATS: readonly BackupFormat[] = ["sqlite", "jsonl"];

export interface BackupReport {
  readonly from: string;
  readonly file: string;
  readonly format: BackupFormat;
  readonly bytes: number;
  readonly migrations: readonly number[];
  readonly tables: readonly TableReport[];
}

/**
 * A consistent backup of a store while its servers keep running.
 * - `sqlite` (default for a SQLite store): `VACUUM INTO` the file, a compact copy of one snapshot;
 *   it is itself a store (`aidc serve --store sqlite:<file>`, or `aidc store migrate --from sqlite:<file>`).
 * - `jsonl` (default for PostgreSQL; also for SQLite): a gzipped JSON-lines dump (store/transfer/dump.ts)
 *   of one REPEATABLE READ snapshot; restore it with `aidc store migrate --from file:<file> --to <url>`.
 * An existing file is refused unless `force`.
 */
export async function backupStore(url: string, file: string, o: { format?: BackupFormat; force?: boolean } = {}): Promise<BackupReport> {
  const where = parseStoreUrl(url, "<url>");
  const format = o.format ?? (where.backend === "sqlite" ? "sqlite" : "jsonl");
  const out = resolve(file);
  if (format === "sqlite" && where.backend !== "sqlite") {
    throw new InvalidInputError("Invalid --format", [
      {
        code: "INVALID_FORMAT",
        path: "--format",
        message: "a PostgreSQL store is backed up as jsonl; to get a SQLite file use `aidc store migrate --to sqlite:<file>`",
      },
    ]);
  }
  if (existsSync(out)) {
    if (o.force !== true) {
      throw new AidcError("UNWRITABLE", `Cannot write the backup to ${out}: the file exists (pass --force to replace it)`);
    }
    await rm(out);
  }
  if (format === "sqlite" && where.backend === "sqlite") {
    const db = new Database(where.path, { fileMustExist: true });
    try {
      db.pragma("busy_timeout = 5000");
      db.prepare("VACUUM INTO ?").run(out);
    } finally {
      db.close();
    }
    const check = new SqliteRows(out);
    try {
      const schema = await check.schema();
      const tables = [...(await checksums(check, schema.tables, 5000)).values()];
      return { from: `sqlite:${where.path}`, file: out, format, bytes: statSync(out).size, migrations: schema.versions, tables };
    } finally {
      await check.close();
    }
  }
  const source = await openSource(url);
  try {
    const schema = await source.schema();
    const summary = await writeDump(source, out);
    return { from: source.location, file: out, format, bytes: statSync(out).size, migrations: schema.versions, tables: summary.tables };
  } finally {
    await source.close();
  }
}

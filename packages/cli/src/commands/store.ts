import type { Command } from "commander";
import { InvalidInputError } from "@aidc/core";
import { BACKUP_FORMATS, backupStore, copyStore, type BackupFormat, type TableReport } from "@aidc/server";
import { printJson, printTable, type Io } from "../output.js";
import { startProgress } from "../progress.js";

/** `--batch` of the store commands (`aidc store migrate`, `aidc keys rotate`): rows per transaction, 1–100,000. */
export function batchSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new InvalidInputError("Invalid --batch", [
      { code: "invalid_value", path: "--batch", message: `must be a whole number from 1 to 100000, got "${value}"` },
    ]);
  }
  return n;
}

function format(value: string): BackupFormat {
  if ((BACKUP_FORMATS as readonly string[]).includes(value)) return value as BackupFormat;
  throw new InvalidInputError("Invalid --format", [
    { code: "invalid_value", path: "--format", message: `must be ${BACKUP_FORMATS.join(" or ")}, got "${value}"` },
  ]);
}

function tables(io: Io, rows: readonly TableReport[]): void {
  printTable(
    io,
    ["TABLE", "ROWS", "CHECKSUM"],
    rows.map((t) => [t.name, t.rows, t.checksum.slice(0, 16)]),
  );
}

export function registerStore(program: Command, io: Io): void {
  const store = program
    .command("store")
    .description("the server's store: copy it between SQLite and PostgreSQL (migrate), back it up while it runs");

  store
    .command("migrate")
    .description(
      "copy every table of a store (or of a backup dump) into another store, in one transaction on the target, then verify row counts and checksums",
    )
    .requiredOption(
      "--from <url>",
      "source: sqlite:<path>, postgres://…, or file:<dump.jsonl.gz> (a backup); read in one snapshot, never changed",
    )
    .requiredOption("--to <url>", "target: sqlite:<path> or postgres://user:password@host:port/db (migrated to this aidc's schema first)")
    .option("--force", "replace the rows of a target that already holds data")
    .option("--batch <n>", "rows per read and insert", "1000")
    .option("--json", "print one JSON document")
    .action(async (opts: { from: string; to: string; force?: boolean; batch: string; json?: boolean }) => {
      const quiet = { ...io, json: opts.json === true };
      let progress = startProgress(quiet, "copying");
      let current = "";
      const report = await copyStore(opts.from, opts.to, {
        force: opts.force === true,
        batchSize: batchSize(opts.batch),
        onProgress: (table, rows) => {
          if (table !== current) {
            progress.done();
            progress = startProgress(quiet, `copying ${table}`);
            current = table;
          }
          progress.set(rows);
        },
      });
      progress.done();
      if (opts.json) return printJson(io, report);
      tables(io, report.tables);
      io.out(
        `copied ${report.rows} rows in ${report.tables.length} tables from ${report.from} to ${report.to} (migrations ${report.migrations.join(",")}); ` +
          `counts and checksums verified${report.replaced.length > 0 ? `; replaced the target's ${report.replaced.join(", ")}` : ""}\n`,
      );
    });

  store
    .command("backup")
    .description("a consistent backup of a running store: SQLite → a SQLite file (VACUUM INTO); PostgreSQL → a gzipped JSON-lines dump")
    .argument("<url>", "the store: sqlite:<path> or postgres://…")
    .argument("<file>", "the backup file to write (refused when it exists, unless --force)")
    .option(
      "--format <format>",
      `sqlite (SQLite stores only) | jsonl (default for PostgreSQL); restore a jsonl dump with aidc store migrate --from file:<file>`,
    )
    .option("--force", "replace an existing backup file")
    .option("--json", "print one JSON document")
    .action(async (url: string, file: string, opts: { format?: string; force?: boolean; json?: boolean }) => {
      const report = await backupStore(url, file, {
        ...(opts.format === undefined ? {} : { format: format(opts.format) }),
        force: opts.force === true,
      });
      if (opts.json) return printJson(io, report);
      tables(io, report.tables);
      const rows = report.tables.reduce((n, t) => n + t.rows, 0);
      io.out(
        `backed up ${rows} rows of ${report.from} to ${report.file} (${report.format}, ${report.bytes} bytes, migrations ${report.migrations.join(",")})\n`,
      );
    });
}

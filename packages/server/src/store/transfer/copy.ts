import { resolve } from "node:path";
import { AidcError, InvalidInputError } from "@aidc/core";
import { openStore, parseStoreUrl } from "../open.js";
import { DumpRows } from "./dump.js";
import { PgRows, PgWriter } from "./pg.js";
import { SqliteRows, SqliteWriter } from "./sqlite.js";
import { TableChecksum, checkSameSchema, type RowSource, type RowTarget, type TableInfo } from "./tables.js";

/** A dump file (`file:<path>`, or a path ending in .jsonl.gz) or a store URL. */
export function isDumpUrl(url: string): boolean {
  return url.startsWith("file:") || /\.jsonl(\.gz)?$/i.test(url);
}

/** Read one consistent snapshot of the store or dump at `url`. The store is not migrated (nothing is written to it). */
export async function openSource(url: string): Promise<RowSource> {
  if (isDumpUrl(url)) return new DumpRows(resolve(url.startsWith("file:") ? url.slice("file:".length) : url));
  const where = parseStoreUrl(url, "--from");
  return where.backend === "sqlite" ? new SqliteRows(where.path) : PgRows.open(where.url);
}

/** Migrate the store at `url` (creating a SQLite file when missing) and open it for one copy transaction. */
async function openTarget(url: string): Promise<RowTarget> {
  if (isDumpUrl(url)) {
    throw new InvalidInputError("Invalid --to", [
      {
        code: "INVALID_STORE_URL",
        path: "--to",
        message: "a copy writes to a store (sqlite:<path> or postgres://…); to write a dump use `aidc store backup`",
      },
    ]);
  }
  const where = parseStoreUrl(url, "--to");
  await (await openStore(url, { maxConnections: 1 })).close();
  return where.backend === "sqlite" ? new SqliteWriter(where.path) : PgWriter.open(where.url);
}

export interface TableReport {
  readonly name: string;
  readonly rows: number;
  /** XOR of the rows' SHA-256 (TableChecksum), equal in source and target. */
  readonly checksum: string;
}

export interface CopyReport {
  readonly from: string;
  readonly to: string;
  readonly migrations: readonly number[];
  readonly tables: readonly TableReport[];
  readonly rows: number;
  /** The target held data that --force replaced. */
  readonly replaced: readonly string[];
}

export interface CopyOptions {
  /** Replace the rows of a target that already holds data (otherwise STORE_NOT_EMPTY). */
  readonly force?: boolean;
  /** Rows per read (default 1000). */
  readonly batchSize?: number;
  /** Called after each batch with the table and its rows so far. */
  readonly onProgress?: (table: string, rows: number) => void;
}

/** Checksums of every table of a source (the same column order as `tables`). */
export async function checksums(source: RowSource, tables: readonly TableInfo[], batchSize: number): Promise<Map<string, TableReport>> {
  const out = new Map<string, TableReport>();
  for (const t of tables) {
    const sum = new TableChecksum(t.columns);
    for await (const batch of source.rows(t, batchSize)) for (const row of batch) sum.add(row);
    out.set(t.name, { name: t.name, rows: sum.rows, checksum: sum.hex() });
  }
  return out;
}

/**
 * Copy every table of the store (or dump) at `fromUrl` into the store at `toUrl`: the target is
 * migrated first and must then be at the source's migration version; the rows go in primary-key order,
 * in batches, in ONE transaction on the target (a failure leaves it as it was). A target holding data is
 * refused unless `force` (its rows are then replaced). Afterwards the target is read back and every
 * table's row count and checksum must equal the source's (STORE_VERIFY_FAILED otherwise).
 */
export async function copyStore(fromUrl: string, toUrl: string, o: CopyOptions = {}): Promise<CopyReport> {
  const batchSize = o.batchSize ?? 1000;
  if (!isDumpUrl(fromUrl) && !isDumpUrl(toUrl) && sameStore(fromUrl, toUrl)) {
    throw new InvalidInputError("Invalid --to", [{ code: "SAME_STORE", path: "--to", message: "--from and --to name the same store" }]);
  }
  const source = await openSource(fromUrl);
  let target: RowTarget | undefined;
  const copied: TableReport[] = [];
  let tables: readonly TableInfo[];
  let migrations: readonly number[];
  let replaced: string[];
  try {
    target = await openTarget(toUrl);
    const from = await source.schema();
    checkSameSchema(from, await target.schema(), { from: source.location, to: target.location });
    ({ tables, versions: migrations } = from);
    replaced = await target.nonEmpty(tables);
    if (replaced.length > 0 && o.force !== true) {
      throw new AidcError(
        "STORE_NOT_EMPTY",
        `The target ${target.location} already holds data (tables ${replaced.join(", ")}); copy into an empty store, or pass --force to replace its rows`,
      );
    }
    await target.begin();
    try {
      if (replaced.length > 0) await target.clear(tables);
      for (const t of tables) {
        const sum = new TableChecksum(t.columns);
        // the next batch is read and summed while the target inserts the previous one
        let inserting: Promise<void> = Promise.resolve();
        for await (const batch of source.rows(t, batchSize)) {
          for (const row of batch) sum.add(row);
          await inserting;
          inserting = target.insert(t, batch);
          inserting.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
          o.onProgress?.(t.name, sum.rows);
        }
        await inserting;
        copied.push({ name: t.name, rows: sum.rows, checksum: sum.hex() });
      }
      await source.finish?.();
      await target.commit();
    } catch (err) {
      await target.rollback();
      throw err;
    }
  } finally {
    await source.close();
    await target?.close();
  }
  await verify(toUrl, tables, copied, batchSize);
  return {
    from: source.location,
    to: target.location,
    migrations,
    tables: copied,
    rows: copied.reduce((n, t) => n + t.rows, 0),
    replaced,
  };
}

/** Read the target back and compare each table's count and checksum with what was copied. */
async function verify(toUrl: string, tables: readonly TableInfo[], copied: readonly TableReport[], batchSize: number): Promise<void> {
  const back = await openSource(toUrl);
  let found: Map<string, TableReport>;
  try {
    found = await checksums(back, tables, batchSize);
  } finally {
    await back.close();
  }
  const bad = copied.filter((c) => found.get(c.name)?.rows !== c.rows || found.get(c.name)?.checksum !== c.checksum);
  if (bad.length > 0) {
    throw new AidcError(
      "STORE_VERIFY_FAILED",
      `The copy in ${back.location} differs from its source: ${bad
        .map(
          (b) =>
            `${b.name} has ${found.get(b.name)?.rows ?? 0} rows (checksum ${found.get(b.name)?.checksum ?? "-"}), expected ${b.rows} (${b.checksum})`,
        )
        .join("; ")}`,
    );
  }
}

function sameStore(a: string, b: string): boolean {
  const x = parseStoreUrl(a, "--from");
  const y = parseStoreUrl(b, "--to");
  if (x.backend === "sqlite" && y.backend === "sqlite") return x.path === y.path;
  return x.backend === "postgres" && y.backend === "postgres" && x.url === y.url;
}

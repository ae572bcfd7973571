import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { AidcError } from "@aidc/core";
import { TableChecksum, plainValue, type RowSource, type SchemaInfo, type TableInfo } from "./tables.js";

/**
 * The portable dump (`aidc store backup … --format jsonl`): gzipped JSON lines, readable by any tool.
 *   line 1      {"format":"aidc-store-dump","formatVersion":1,"createdAtMs":…,"source":"<url without password>",
 *                "migrations":[1,…],"tables":[{"name","columns","key","parents"},…]}
 *   per table   {"table":"<name>"}, then one JSON array per row (values in "columns" order, primary-key order),
 *               then {"end":"<name>","rows":<n>,"checksum":"<hex>"} (the XOR of the rows' SHA-256, see TableChecksum)
 *   last line   {"end":true,"tables":<n>}: a file without it was cut short.
 */
export const DUMP_FORMAT = "aidc-store-dump";

interface Header {
  readonly format: string;
  readonly formatVersion: number;
  readonly createdAtMs: number;
  readonly source: string;
  readonly migrations: number[];
  readonly tables: TableInfo[];
}

export interface DumpSummary {
  readonly tables: { name: string; rows: number; checksum: string }[];
}

/** Write every table of `source` (one snapshot) to `file` (via a temporary file, renamed when complete). */
export async function writeDump(source: RowSource, file: string, o: { batchSize?: number; nowMs?: number } = {}): Promise<DumpSummary> {
  const schema = await source.schema();
  const summary: DumpSummary = { tables: [] };
  async function* lines(): AsyncGenerator<string> {
    const header: Header = {
      format: DUMP_FORMAT,
      formatVersion: 1,
      createdAtMs: o.nowMs ?? Date.now(),
      source: source.location,
      migrations: [...schema.versions],
      tables: [...schema.tables],
    };
    yield `${JSON.stringify(header)}\n`;
    for (const t of schema.tables) {
      yield `${JSON.stringify({ table: t.name })}\n`;
      const sum = new TableChecksum(t.columns);
      for await (const batch of source.rows(t, o.batchSize ?? 1000)) {
        let text = "";
        for (const row of batch) {
          sum.add(row);
          text += `${JSON.stringify(row.map(plainValue))}\n`;
        }
        yield text;
      }
      summary.tables.push({ name: t.name, rows: sum.rows, checksum: sum.hex() });
      yield `${JSON.stringify({ end: t.name, rows: sum.rows, checksum: sum.hex() })}\n`;
    }
    yield `${JSON.stringify({ end: true, tables: schema.tables.length })}\n`;
  }
  const tmp = `${file}.partial`;
  try {
    await pipeline(Readable.from(lines()), createGzip(), createWriteStream(tmp, { flags: "wx" }));
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return summary;
}

const corrupt = (file: string, why: string, cause?: unknown): AidcError =>
  new AidcError("STORE_DUMP_CORRUPT", `Cannot read the dump ${file}: ${why}`, cause === undefined ? undefined : { cause });

/** Reads a dump as a copy source: tables in the file's order, each checked against its recorded count and checksum. */
export class DumpRows implements RowSource {
  readonly location: string;
  private readonly lines: AsyncIterator<string>;
  private header: Header | undefined;
  private readonly stream: Readable;

  constructor(readonly file: string) {
    this.location = `file:${file}`;
    this.stream = createReadStream(file).pipe(createGunzip());
    this.lines = createInterface({ input: this.stream, crlfDelay: Infinity })[Symbol.asyncIterator]();
  }

  private async next(): Promise<string> {
    let r: IteratorResult<string>;
    try {
      r = await this.lines.next();
    } catch (cause) {
      throw corrupt(this.file, (cause as Error).message, cause);
    }
    if (r.done === true) throw corrupt(this.file, "it ends early (cut short?)");
    return r.value;
  }

  private async nextJson(): Promise<unknown> {
    return this.parse(await this.next());
  }

  private parse(line: string): unknown {
    try {
      return JSON.parse(line) as unknown;
    } catch (cause) {
      throw corrupt(this.file, `a line is not JSON: ${line.slice(0, 80)}`, cause);
    }
  }

  async schema(): Promise<SchemaInfo> {
    if (this.header === undefined) {
      const h = (await this.nextJson()) as Partial<Header>;
      if (h.format !== DUMP_FORMAT || h.formatVersion !== 1 || !Array.isArray(h.tables) || !Array.isArray(h.migrations)) {
        throw corrupt(this.file, `not an aidc store dump of format version 1`);
      }
      this.header = h as Header;
    }
    return { versions: this.header.migrations, tables: this.header.tables };
  }

  async *rows(t: TableInfo): AsyncIterable<unknown[][]> {
    const start = (await this.nextJson()) as { table?: string };
    if (start.table !== t.name) throw corrupt(this.file, `expected table ${t.name}, found ${JSON.stringify(start)}`);
    const sum = new TableChecksum(t.columns);
    let batch: unknown[][] = [];
    for (;;) {
      const line = await this.next();
      if (!line.startsWith("[")) {
        const end = this.parse(line) as { end?: string; rows?: number; checksum?: string };
        if (end.end !== t.name) throw corrupt(this.file, `table ${t.name} does not end where it should`);
        if (end.rows !== sum.rows || end.checksum !== sum.hex()) {
          throw corrupt(
            this.file,
            `table ${t.name} has ${sum.rows} rows with checksum ${sum.hex()}, the dump recorded ${end.rows} and ${end.checksum}`,
          );
        }
        if (batch.length > 0) yield batch;
        return;
      }
      const row = this.parse(line);
      if (!Array.isArray(row)) throw corrupt(this.file, `a row of ${t.name} is not a JSON array`);
      sum.add(row);
      batch.push(row);
      if (batch.length >= 1000) {
        yield batch;
        batch = [];
      }
    }
  }

  /** After the last table: the trailer must be there (a dump cut short is refused, not half-restored). */
  async finish(): Promise<void> {
    const end = (await this.nextJson()) as { end?: unknown; tables?: number };
    if (end.end !== true || end.tables !== this.header?.tables.length) throw corrupt(this.file, "its trailer is missing or wrong");
  }

  close(): Promise<void> {
    this.stream.destroy();
    return Promise.resolve();
  }
}

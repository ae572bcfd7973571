import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { PassThrough, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AidcError, InvalidInputError, type Issue } from "@aidc/core";

/** True when the file starts with the gzip magic bytes (whatever its name says). */
async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export interface JsonlLine {
  readonly line: number;
  readonly value: unknown;
}

/**
 * Stream a JSON Lines file (plain or gzip'd, detected by content), one parsed object at a time; memory stays bounded
 * by the longest line. `onBytes` sees the raw file bytes (used to hash the file in the same pass).
 */
export async function* readJsonl(path: string, onBytes?: (chunk: Buffer) => void): AsyncGenerator<JsonlLine> {
  let gz: boolean;
  try {
    gz = await isGzip(path);
  } catch (cause) {
    throw new InvalidInputError(`Cannot read ${path}`, [{ code: "unreadable", path, message: (cause as Error).message }]);
  }
  const raw = createReadStream(path);
  if (onBytes) raw.on("data", (c) => onBytes(c as Buffer));
  const text: Readable = gz ? raw.pipe(createGunzip()) : raw.pipe(new PassThrough());
  raw.on("error", (e) => text.destroy(e));
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line) as unknown;
      } catch (cause) {
        throw new InvalidInputError(`${path} is not JSON Lines`, [
          { code: "invalid_json", path: `${path}:${n}`, message: (cause as Error).message },
        ]);
      }
      yield { line: n, value };
    }
  } catch (e) {
    if (e instanceof AidcError) throw e;
    throw new InvalidInputError(`Cannot read ${path}`, [{ code: "unreadable", path, message: (e as Error).message }]);
  } finally {
    lines.close();
    raw.destroy();
  }
}

/** Texts with binary labels (1 = positive), plus the sha256 of the file they came from. */
export interface LabeledData {
  readonly texts: string[];
  readonly labels: Uint8Array;
  readonly sha256: string;
}

export interface ReadLabeledOptions {
  /** Keep only the first `limit` rows (the sha256 is then of the bytes read so far, not the whole file). */
  readonly limit?: number;
  /** Accept rows without a label (labels are then 0); for prediction inputs. */
  readonly unlabeled?: boolean;
}

/** Read `{"text": string, "label": 0|1}` rows. Every bad row is reported (up to 20), nothing half-read is returned. */
export async function readLabeled(path: string, options: ReadLabeledOptions = {}): Promise<LabeledData> {
  const hash = createHash("sha256");
  const texts: string[] = [];
  const labels: number[] = [];
  const issues: Issue[] = [];
  const limit = options.limit ?? Infinity;
  let hashing = true; // a stopped stream may still deliver a chunk after the digest
  for await (const { line, value } of readJsonl(path, (c) => hashing && hash.update(c))) {
    if (texts.length >= limit) break;
    const row = value as { text?: unknown; label?: unknown };
    const where = `${path}:${line}`;
    if (typeof row !== "object" || row === null || typeof row.text !== "string") {
      issues.push({ code: "invalid_row", path: `${where}.text`, message: "must be a string" });
    } else if (!options.unlabeled && row.label !== 0 && row.label !== 1 && row.label !== true && row.label !== false) {
      issues.push({ code: "invalid_row", path: `${where}.label`, message: `must be 0 or 1, got ${JSON.stringify(row.label)}` });
    } else {
      texts.push(row.text);
      labels.push(row.label === 1 || row.label === true ? 1 : 0);
    }
    if (issues.length >= 20) break;
  }
  hashing = false;
  if (issues.length > 0) throw new InvalidInputError(`${path} has invalid rows`, issues);
  if (texts.length === 0) throw new InvalidInputError(`${path} is empty`, [{ code: "empty", path, message: "has no rows" }]);
  hashing = false;
  return { texts, labels: Uint8Array.from(labels), sha256: hash.digest("hex") };
}

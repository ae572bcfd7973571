import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Dirent,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip, createGzip } from "node:zlib";
import { AidcError, InvalidInputError, issue } from "@aidc/core/errors";
import { aclImdbSplits, type ImdbSplit } from "./aclimdb.js";
import { get, idleTimer } from "./http.js";
import type { DataFile, Dataset } from "./registry.js";

export interface FetchOptions {
  /** Cache root (`dataRoot()`): files land in `<root>/<dataset>/<path>`, partial downloads in `<root>/.partial/`. */
  readonly root: string;
  /** A mirror laid out `<mirror>/<dataset>/<path>`: a folder or an http(s) URL. Default: the canonical sources. */
  readonly from?: string;
  /** Download again even when the file is cached. */
  readonly force?: boolean;
  /** Called with every chunk's size (progress). */
  readonly onBytes?: (n: number) => void;
  /** Give up on an http transfer that sends nothing for this long (default 60 s); the next run resumes it. */
  readonly idleTimeoutMs?: number;
}

export interface FetchedFile {
  readonly path: string;
  /** fetched: downloaded and verified now; cached: already there (not downloaded). */
  readonly status: "fetched" | "cached";
  /** Where the bytes came from. */
  readonly source: string;
  /** Bytes received now (after a resume: only the rest). */
  readonly received: number;
  readonly resumed: boolean;
}

/** How the received bytes become the stored file. */
type Mode = "stored" | "gzip" | "nab-labels" | "aclimdb";

interface Source {
  readonly location: string;
  readonly http: boolean;
  readonly mode: Mode;
}

const isHttp = (s: string): boolean => /^https?:\/\//i.test(s);
const encodePath = (p: string): string => p.split("/").map(encodeURIComponent).join("/");

function sourceOf(d: Dataset, f: DataFile, from: string | undefined): Source {
  if (from !== undefined) {
    if (isHttp(from)) return { location: `${from.replace(/\/+$/, "")}/${d.name}/${encodePath(f.path)}`, http: true, mode: "stored" };
    return { location: join(from, d.name, f.path), http: false, mode: "stored" };
  }
  if (f.url === undefined) {
    throw new InvalidInputError(`no canonical source for ${d.name}`, [
      issue(
        "no_canonical_source",
        d.name,
        `${d.name}/${f.path}: ${d.canonicalNote ?? "no per-file canonical source is known; use --from <dir|url>"}`,
      ),
    ]);
  }
  const mode: Mode = f.transform ?? (f.path.endsWith(".gz") && !f.url.endsWith(".gz") ? "gzip" : "stored");
  return { location: f.url, http: true, mode };
}

async function hashFile(path: string, gunzip = false): Promise<string> {
  const h = createHash("sha256");
  const input = createReadStream(path);
  const stream = gunzip ? input.pipe(createGunzip()) : input;
  for await (const chunk of stream) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Copy `src` to `partial` (appending after a resume), returning the sha256 of the whole partial file. */
async function receive(
  src: Source,
  partial: string,
  onBytes: (n: number) => void,
  idleMs: number,
): Promise<{ hash: string; received: number; resumed: boolean }> {
  const idle = idleTimer(idleMs);
  try {
    return await receiveWith(src, partial, onBytes, idle);
  } finally {
    idle.stop();
  }
}

async function receiveWith(
  src: Source,
  partial: string,
  onBytes: (n: number) => void,
  idle: { signal: AbortSignal; touch: () => void },
): Promise<{ hash: string; received: number; resumed: boolean }> {
  mkdirSync(dirname(partial), { recursive: true });
  const h = createHash("sha256");
  let received = 0;
  let resumed = false;
  let input: Readable;
  if (src.http) {
    const offset = existsSync(partial) ? statSync(partial).size : 0;
    let res = await get(src.location, idle.signal, offset > 0 ? { range: `bytes=${offset}-` } : {});
    if (offset > 0 && res.status === 206) {
      resumed = true;
      for await (const chunk of createReadStream(partial)) h.update(chunk as Buffer);
      onBytes(offset);
    } else if (offset > 0) {
      await res.body?.cancel();
      rmSync(partial, { force: true });
      res = await get(src.location, idle.signal);
    }
    if (!res.ok || res.body === null) {
      await res.body?.cancel();
      throw new AidcError("DOWNLOAD_FAILED", `GET ${src.location}: HTTP ${res.status} ${res.statusText}`.trim());
    }
    input = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  } else {
    if (!existsSync(src.location)) {
      throw new InvalidInputError(`cannot read ${src.location}`, [
        issue("unreadable", "--from", `cannot read ${src.location}: no such file`),
      ]);
    }
    rmSync(partial, { force: true });
    input = createReadStream(src.location);
  }
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk);
      idle.touch();
      received += chunk.length;
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  try {
    await pipeline(input, tap, createWriteStream(partial, { flags: resumed ? "a" : "w" }));
  } catch (e) {
    // an http transfer keeps its partial file for the next run to resume; a local copy just starts again
    if (!src.http) rmSync(partial, { force: true });
    const why = idle.signal.aborted
      ? String((idle.signal.reason as Error).message)
      : e instanceof Error
        ? ((e.cause as Error | undefined)?.message ?? e.message)
        : String(e);
    throw new AidcError(
      "DOWNLOAD_FAILED",
      `${src.location}: transfer failed after ${received} bytes (${why})${src.http ? "; run the same command again to resume" : ""}`,
      { cause: e },
    );
  }
  return { hash: h.digest("hex"), received, resumed };
}

function mismatch(d: Dataset, f: DataFile, src: Source, got: string, expected: string): AidcError {
  return new AidcError(
    "CHECKSUM_MISMATCH",
    `${d.name}/${f.path} from ${src.location}: sha256 ${got} does not match the registry's ${expected}; nothing was kept`,
  );
}

/** NAB's label files reduced to this dataset's series: same keys, order and 4-space layout as the maintainers' copy. */
function nabLabels(d: Dataset, text: string): string {
  const keep = new Set(d.files.map((f) => f.path).filter((p) => p.endsWith(".csv")));
  const all = JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) if (keep.has(k)) out[k] = v;
  return `${JSON.stringify(out, null, 4)}\n`;
}

/** Verify the received bytes and move the stored form into place (rename: a reader never sees a half file). */
async function settle(
  d: Dataset,
  f: DataFile,
  src: Source,
  partial: string,
  hash: string,
  target: string,
  archives: Map<string, Promise<Record<ImdbSplit, string>>>,
): Promise<void> {
  const fail = (got: string, expected: string): never => {
    rmSync(partial, { force: true });
    throw mismatch(d, f, src, got, expected);
  };
  if (src.mode === "stored") {
    if (hash !== f.sha256) {
      // a mirror made by a canonical fetch holds gzip bytes of its own: the content is what must match
      const content = f.contentSha256 !== undefined ? await hashFile(partial, true).catch(() => "") : "";
      if (content !== f.contentSha256) fail(hash, f.sha256);
    }
    mkdirSync(dirname(target), { recursive: true });
    renameSync(partial, target);
    return;
  }
  if (src.mode === "gzip") {
    if (hash !== f.contentSha256) fail(hash, f.contentSha256 ?? "(none)");
    const packed = `${partial}.gz`;
    await pipeline(createReadStream(partial), createGzip(), createWriteStream(packed));
    rmSync(partial, { force: true });
    mkdirSync(dirname(target), { recursive: true });
    renameSync(packed, target);
    return;
  }
  if (src.mode === "aclimdb") {
    // one archive holds both splits: it stays until the dataset is done (fetchFiles removes it)
    const splits = archives.get(partial) ?? aclImdbSplits(partial);
    archives.set(partial, splits);
    const text = (await splits)[f.path.startsWith("test") ? "test" : "train"];
    const got = createHash("sha256").update(text).digest("hex");
    if (got !== f.contentSha256) fail(got, f.contentSha256 ?? "(none)");
    const packed = `${partial}.${f.path}`;
    await pipeline(Readable.from([Buffer.from(text)]), createGzip(), createWriteStream(packed));
    mkdirSync(dirname(target), { recursive: true });
    renameSync(packed, target);
    return;
  }
  const text = nabLabels(d, readFileSync(partial, "utf8"));
  const got = createHash("sha256").update(text).digest("hex");
  if (got !== f.sha256) fail(got, f.sha256);
  const tmp = `${partial}.json`;
  writeFileSync(tmp, text);
  rmSync(partial, { force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(tmp, target);
}

/**
 * Download a dataset's files into `<root>/<dataset>/`, verifying every file's sha256 before it is moved into place.
 * Files already cached are skipped (unless `force`). A failed or mismatched file leaves nothing in the dataset folder;
 * an interrupted http transfer keeps its bytes under `<root>/.partial/` and the next run resumes it (Range request).
 */
export async function fetchDataset(d: Dataset, o: FetchOptions): Promise<FetchedFile[]> {
  try {
    return await fetchFiles(d, o);
  } finally {
    pruneEmpty(join(o.root, ".partial"));
  }
}

/** Remove empty folders under (and including) `dir`; keeps any folder holding a file (a resumable partial). */
function pruneEmpty(dir: string): boolean {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const e of entries) {
    if (!(e.isDirectory() && pruneEmpty(join(dir, e.name)))) empty = false;
  }
  if (empty) rmSync(dir, { recursive: true, force: true });
  return empty;
}

async function fetchFiles(d: Dataset, o: FetchOptions): Promise<FetchedFile[]> {
  const done: FetchedFile[] = [];
  /** Archives several files are built from, received once per run: location → partial file and hash. */
  const shared = new Map<string, { partial: string; hash: string }>();
  const archives = new Map<string, Promise<Record<ImdbSplit, string>>>();
  for (const f of d.files) {
    const target = join(o.root, d.name, f.path);
    if (existsSync(target) && o.force !== true) {
      done.push({ path: f.path, status: "cached", source: target, received: 0, resumed: false });
      o.onBytes?.(f.bytes);
      continue;
    }
    const src = sourceOf(d, f, o.from);
    const archive = src.mode === "aclimdb";
    const partial = join(o.root, ".partial", d.name, archive ? basename(src.location) : `${f.path}${src.mode === "stored" ? "" : ".src"}`);
    const known = shared.get(src.location);
    if (o.force === true && known === undefined) rmSync(partial, { force: true });
    const r =
      known !== undefined
        ? { hash: known.hash, received: 0, resumed: false }
        : await receive(src, partial, o.onBytes ?? (() => undefined), o.idleTimeoutMs ?? 60_000);
    if (archive) shared.set(src.location, { partial, hash: r.hash });
    await settle(d, f, src, partial, r.hash, target, archives);
    done.push({ path: f.path, status: "fetched", source: src.location, received: r.received, resumed: r.resumed });
  }
  for (const { partial } of shared.values()) rmSync(partial, { force: true });
  return done;
}

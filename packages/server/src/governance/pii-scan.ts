import { createWriteStream } from "node:fs";
import { Readable, type Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { AidcError } from "@aidc/core";
import type { BlobStore } from "../artifacts/blobs.js";
import { ProjectRepo, publishAs } from "../artifacts/projects.js";
import type { Artifact } from "../artifacts/repo.js";
import type { Store } from "../store/port.js";
import type { Principal } from "../store/tokens.js";
import { ForbiddenError } from "../auth.js";
import { decideDatasetRead } from "./access.js";
import { isGzip, openBlob } from "./bytes.js";
import { PII_KINDS, findPii, maskPii, redactLine, type PiiKind } from "./pii.js";
import { recordCommittedBlob } from "../artifacts/record-blob.js";

/** What a scan found, stored in the artifact's metadata under `piiScan` (values masked, never in clear). */
export interface PiiReport {
  readonly format: "aidc.pii-scan/1";
  readonly scannedAtMs: number;
  readonly scannedBy: string;
  readonly gzip: boolean;
  readonly lines: number;
  readonly linesWithPii: number;
  readonly counts: Record<PiiKind, number>;
  /** The first matches: line number (1-based), kind and the masked value. */
  readonly samples: { line: number; kind: PiiKind; masked: string }[];
  /** The redacted copy, when one was made. */
  readonly redacted?: { artifactId: string; version: number; sha256: string };
}

const MAX_SAMPLES = 20;
/** Characters of redacted text written at once. */
const BATCH_CHARS = 256 * 1024;
/** A line this long is not text (or not a dataset a scan can judge line by line). */
const MAX_LINE_CHARS = 4 << 20;

export class NotTextError extends AidcError {
  constructor(message: string) {
    super("NOT_TEXT", message);
  }
}

/** Read at least `n` bytes of a stream (fewer at its end) and give back a stream that still yields them; errors pass through. */
async function peek(src: Readable, n: number): Promise<{ head: Buffer; rest: Readable }> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let got = 0;
  let done = false;
  while (got < n) {
    const r = await it.next();
    if (r.done === true) {
      done = true;
      break;
    }
    chunks.push(r.value);
    got += r.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (let r = await it.next(); r.done !== true; r = await it.next()) yield r.value;
  }
  return { head, rest: Readable.from(all(), { objectMode: false }) };
}

/**
 * The lines of UTF-8 text (without their \n or \r\n), refusing a line longer than MAX_LINE_CHARS
 * bytes before buffering more of it: a file without newlines must not be read whole into memory.
 */
export async function* textLines(src: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  let n = 0;
  for await (const chunk of src) {
    rest += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let at = 0;
    for (let nl = rest.indexOf("\n"); nl >= 0; nl = rest.indexOf("\n", at)) {
      n++;
      yield rest.slice(at, nl > at && rest[nl - 1] === "\r" ? nl - 1 : nl);
      at = nl + 1;
    }
    rest = rest.slice(at);
    if (rest.length > MAX_LINE_CHARS)
      throw new NotTextError(`Line ${n + 1} is longer than ${MAX_LINE_CHARS} characters: not a text dataset`);
  }
  rest += decoder.decode();
  if (rest !== "") yield rest.endsWith("\r") ? rest.slice(0, -1) : rest;
}

/** Gunzip a stream, passing its errors on. */
function gunzip(src: Readable): Readable {
  const z = createGunzip();
  src.on("error", (err) => z.destroy(err));
  return src.pipe(z);
}

/**
 * Stream text (gzip or plain) line by line through the detectors; with `redactTo`, write the redacted
 * text there (gzip again when the input was). Refuses bytes that are not text (a NUL in the first 64 KiB).
 */
export async function scanText(src: Readable, o: { by: string; nowMs: number; redactTo?: Writable }): Promise<PiiReport> {
  const first = await peek(src, 2);
  const gzip = isGzip(first.head);
  const plain = gzip ? gunzip(first.rest) : first.rest;
  const body = await peek(plain, 65_536);
  if (body.head.includes(0))
    throw new NotTextError("The dataset is not text (it holds NUL bytes): a PII scan reads text, JSON lines or CSV");
  let out: Writable | undefined;
  if (o.redactTo !== undefined) {
    if (gzip) {
      const z = createGzip();
      z.pipe(o.redactTo);
      out = z;
    } else out = o.redactTo;
  }
  const counts = Object.fromEntries(PII_KINDS.map((k) => [k, 0])) as Record<PiiKind, number>;
  const samples: PiiReport["samples"] = [];
  let lines = 0;
  let linesWithPii = 0;
  let batch: string[] = [];
  let batchChars = 0;
  const flush = async (w: Writable): Promise<void> => {
    if (batch.length === 0) return;
    const text = `${batch.join("\n")}\n`;
    batch = [];
    batchChars = 0;
    if (!w.write(text)) await new Promise((r) => w.once("drain", r));
  };
  for await (const line of textLines(body.rest)) {
    lines++;
    const found = findPii(line);
    if (found.length > 0) {
      linesWithPii++;
      for (const m of found) {
        counts[m.kind]++;
        if (samples.length < MAX_SAMPLES) samples.push({ line: lines, kind: m.kind, masked: maskPii(m) });
      }
    }
    if (out !== undefined) {
      // lines go out in batches: one zlib call per line made the redacted gzip copy 5× slower than the scan
      batch.push(found.length > 0 ? redactLine(line, found) : line);
      batchChars += line.length + 1;
      if (batchChars >= BATCH_CHARS) await flush(out);
    }
  }
  if (out !== undefined) {
    await flush(out);
    out.end();
    await finished(o.redactTo as Writable);
  }
  return { format: "aidc.pii-scan/1", scannedAtMs: o.nowMs, scannedBy: o.by, gzip, lines, linesWithPii, counts, samples };
}

/** The metadata a redacted copy inherits: the original's, without its scan report. */
const withoutScan = (m: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(m).filter(([k]) => k !== "piiScan"));

export interface ScanOutcome {
  readonly artifact: Artifact;
  readonly report: PiiReport;
  readonly redacted?: Artifact;
}

/**
 * Scan a stored text dataset (publisher role in its project: the scan writes the report into the
 * version's metadata), and with `redact` store the redacted text as the next version of the same name,
 * with the original as its parent. The scan is on the audit log (action pii.scan, the counts only).
 */
export async function scanDataset(
  o: { store: Store; blobs: BlobStore; now: () => number },
  p: Principal,
  ref: { project: string; name: string; version: string },
  opts: { redact: boolean },
): Promise<ScanOutcome> {
  const what = `artifact ${ref.project}/${ref.name} version ${ref.version}`;
  const projects = new ProjectRepo(o.store);
  await projects.require(p, ref.project, "publisher", "scan datasets", what);
  const a = await o.store.artifacts.find(ref.project, ref.name, ref.version === "latest" ? undefined : Number(ref.version));
  if (a === undefined) throw new AidcError("NOT_FOUND", `No ${what}`);
  // the scan reads the data (and its report and redacted copy reveal some of it): dataset:read too, audited when refused
  const decision = await decideDatasetRead(o.store, p, a.project);
  if (!decision.allowed) {
    await o.store.governance.audit.append(
      {
        actor: p.user,
        actorRole: p.role,
        action: "pii.scan",
        outcome: "denied",
        project: a.project,
        resource: `${a.project}/${a.name}:${a.version}`,
        detail: { status: 403, reason: decision.reason },
      },
      o.now(),
    );
    throw new ForbiddenError(`${p.user} cannot scan ${a.project}/${a.name}: ${decision.reason}`);
  }
  if (a.kind !== "dataset") throw new NotTextError(`${ref.project}/${ref.name}:${a.version} is a ${a.kind}, not a dataset`);
  let upload: string | undefined;
  let report: PiiReport;
  try {
    if (opts.redact) upload = o.blobs.newUpload();
    const sink = upload !== undefined ? createWriteStream(o.blobs.uploadPath(upload)) : undefined;
    report = await scanText(await openBlob(o.blobs, a.sha256), { by: p.user, nowMs: o.now(), ...(sink ? { redactTo: sink } : {}) });
  } catch (err) {
    if (upload !== undefined) o.blobs.discardUpload(upload);
    throw err;
  }
  let redacted: Artifact | undefined;
  if (upload !== undefined) {
    const { sha256, sizeBytes } = await o.blobs.commit(upload);
    // refused (e.g. over the project's quota): the redacted bytes go unless another version has the same
    redacted = await recordCommittedBlob(o, sha256, () =>
      o.store.artifacts.add(
        {
          project: a.project,
          name: a.name,
          kind: "dataset",
          sha256,
          sizeBytes,
          metadata: { ...withoutScan(a.metadata), piiRedactedFrom: { artifactId: a.id, version: a.version } },
          parents: [a.id],
          createdBy: p.user,
        },
        o.now(),
        publishAs(p),
      ),
    );
    report = { ...report, redacted: { artifactId: redacted.id, version: redacted.version, sha256 } };
  }
  const artifact = await o.store.artifacts.update(a.id, { metadata: { piiScan: report } }, p.user, o.now());
  await o.store.governance.audit.append(
    {
      actor: p.user,
      actorRole: p.role,
      action: "pii.scan",
      outcome: "allowed",
      project: a.project,
      resource: `${a.project}/${a.name}:${a.version}`,
      detail: {
        artifactId: a.id,
        lines: report.lines,
        counts: report.counts,
        ...(redacted ? { redactedVersion: redacted.version, redactedArtifactId: redacted.id } : {}),
      },
    },
    o.now(),
  );
  return { artifact, report, ...(redacted ? { redacted } : {}) };
}

import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { Command } from "commander";
import { InvalidInputError } from "@aidc/core/errors";
import { connection, request, requestJson, type Connection, type ConnectionFlags } from "../client/http.js";
import { printJson, printTable, type Io } from "../output.js";
import { startProgress, type Progress } from "../progress.js";
import { bytes } from "../report/format.js";
import { registerModels, registerProjects } from "./models.js";

interface ArtifactView {
  id: string;
  project: string;
  name: string;
  version: number;
  kind: string;
  sha256: string;
  sizeBytes: number;
  tier: string;
}

const CHUNK_BYTES = 8 * 1024 * 1024;

/** Upload a file in chunks; a failed chunk is retried from the offset the server reports. */
async function upload(conn: Connection, file: string, progress: Progress): Promise<{ id: string; sha256: string }> {
  const { id } = await requestJson<{ id: string }>(conn, "POST", "/api/v1/uploads");
  const hash = createHash("sha256");
  let offset = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    for (let attempt = 0; ; attempt++) {
      try {
        await request(conn, "PATCH", `/api/v1/uploads/${id}`, {
          raw: buf,
          type: "application/offset+octet-stream",
          headers: { "upload-offset": String(offset) },
        });
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
        const { offsetBytes } = await requestJson<{ offsetBytes: number }>(conn, "GET", `/api/v1/uploads/${id}`);
        if (offsetBytes === offset + buf.length) break; // it arrived; only the answer was lost
      }
    }
    offset += buf.length;
    progress.set(offset);
  }
  progress.done();
  return { id, sha256: hash.digest("hex") };
}

export function parseRef(ref: string): { project: string; name: string; version: string } {
  const m = /^([^/:]+)\/([^/:]+)(?::(\d+|latest))?$/.exec(ref);
  if (m === null)
    throw new InvalidInputError(`Invalid artifact "${ref}"`, [
      { code: "invalid_value", path: "artifact", message: "use project/name or project/name:version" },
    ]);
  return { project: m[1] ?? "", name: m[2] ?? "", version: m[3] ?? "latest" };
}

export function registerArtifacts(program: Command, io: Io): void {
  const group = program.command("artifacts").description("datasets, checkpoints and models in the server's artifact store");
  const conn = (c: Command): Command => c.option("--url <url>", "server URL").option("--token <token>", "bearer token");

  conn(group.command("ls"))
    .description("list artifacts")
    .option("--project <project>")
    .option("--kind <kind>", "dataset | checkpoint | model | other")
    .option("--json", "print one JSON document")
    .action(async (opts: ConnectionFlags & { project?: string; kind?: string; json?: boolean }) => {
      const q = new URLSearchParams({ ...(opts.project ? { project: opts.project } : {}), ...(opts.kind ? { kind: opts.kind } : {}) });
      const { artifacts } = await requestJson<{ artifacts: ArtifactView[] }>(connection(opts), "GET", `/api/v1/artifacts?${q.toString()}`);
      if (opts.json) return printJson(io, artifacts);
      printTable(
        io,
        ["ARTIFACT", "VERSION", "KIND", "BYTES", "TIER", "SHA256"],
        artifacts.map((a) => [`${a.project}/${a.name}`, a.version, a.kind, a.sizeBytes, a.tier, a.sha256.slice(0, 12)]),
      );
    });

  conn(group.command("push"))
    .description("upload a file as the next version of project/name (resumable, checked by sha256)")
    .argument("<file>")
    .argument("<artifact>", "project/name")
    .option("--kind <kind>", "dataset | checkpoint | model | other", "other")
    .option("--parent <ids...>", "artifact ids this one was made from (lineage)")
    .option("--pii-scan <mode>", "a text dataset: scan it for personal data after the upload (report), and store a redacted copy (redact)")
    .option("--json", "print one JSON document")
    .action(
      async (file: string, ref: string, opts: ConnectionFlags & { kind: string; parent?: string[]; piiScan?: string; json?: boolean }) => {
        if (opts.piiScan !== undefined && (!["report", "redact"].includes(opts.piiScan) || opts.kind !== "dataset"))
          throw new InvalidInputError(`Invalid --pii-scan "${opts.piiScan}"`, [
            { code: "invalid_value", path: "--pii-scan", message: "report or redact, for --kind dataset" },
          ]);
        let size: number;
        try {
          size = statSync(file).size;
        } catch (e) {
          throw new InvalidInputError(`Cannot read ${file}`, [{ code: "unreadable", path: file, message: (e as Error).message }]);
        }
        const { project, name } = parseRef(ref);
        const c = connection(opts);
        const up = await upload(c, file, startProgress(io, `push ${ref}`, size, { format: bytes }));
        const a = await requestJson<ArtifactView>(c, "POST", "/api/v1/artifacts", {
          project,
          name,
          kind: opts.kind,
          uploadId: up.id,
          sha256: up.sha256,
          parents: opts.parent ?? [],
        });
        // the scan runs on the server over the stored version (aidc governance pii-scan; docs/governance.md)
        const scan =
          opts.piiScan === undefined
            ? undefined
            : (
                await requestJson<{
                  report: { lines: number; linesWithPii: number; counts: Record<string, number>; redacted?: { version: number } };
                }>(c, "POST", `/api/v1/artifacts/${a.project}/${a.name}/${a.version}/pii-scan`, { redact: opts.piiScan === "redact" })
              ).report;
        if (opts.json) return printJson(io, scan === undefined ? a : { ...a, piiScan: scan });
        io.out(`${a.project}/${a.name}:${a.version}\t${a.sha256}\n`);
        if (scan !== undefined) {
          const counts = Object.entries(scan.counts).map(([k, n]) => `${n} ${k}`);
          io.out(`pii scan: ${scan.linesWithPii} of ${scan.lines} lines with personal data (${counts.join(", ")})\n`);
          if (scan.redacted !== undefined) io.out(`redacted copy: ${a.project}/${a.name}:${scan.redacted.version}\n`);
        }
      },
    );

  conn(group.command("delete"))
    .description("delete one version (latest moves to the newest remaining one; lineage keeps a tombstone)")
    .argument("<artifact>", "project/name:version")
    .option("--json", "print one JSON document")
    .action(async (ref: string, opts: ConnectionFlags & { json?: boolean }) => {
      const { project, name, version } = parseRef(ref);
      if (version === "latest") {
        throw new InvalidInputError(`Refusing to delete "${ref}" without a version`, [
          { code: "invalid_value", path: "artifact", message: "name the version to delete: project/name:version" },
        ]);
      }
      const a = await requestJson<ArtifactView>(connection(opts), "DELETE", `/api/v1/artifacts/${project}/${name}/${version}`);
      if (opts.json) return printJson(io, a);
      io.out(`deleted ${a.project}/${a.name}:${a.version}\n`);
    });

  conn(group.command("pull"))
    .description("download project/name[:version] to a file (verified by the server)")
    .argument("<artifact>", "project/name[:version]")
    .requiredOption("-o, --out <file>", "where to write it")
    .action(async (ref: string, opts: ConnectionFlags & { out: string }) => {
      const { project, name, version } = parseRef(ref);
      const res = await request(connection(opts), "GET", `/api/v1/artifacts/${project}/${name}/${version}/content`);
      if (!res.body) return;
      const length = Number(res.headers.get("content-length") ?? Number.NaN);
      const progress = startProgress(io, `pull ${ref}`, Number.isFinite(length) ? length : undefined, { format: bytes });
      let received = 0;
      await pipeline(
        Readable.fromWeb(res.body as WebReadableStream),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            received += chunk.length;
            progress.set(received);
            yield chunk;
          }
        },
        createWriteStream(opts.out),
      );
      progress.done();
      io.err(`wrote ${opts.out} (sha256 ${res.headers.get("x-aidc-sha256") ?? "?"})\n`);
    });

  registerModels(program, io);
  registerProjects(program, io);
}

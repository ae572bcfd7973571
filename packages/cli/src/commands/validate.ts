import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { defaultCatalog, formatIssue, validateDocument, checkCluster, type Issue, type ParsedDocument } from "@aidc/core";
import { paint, printJson, type Io } from "../output.js";

interface FileResult {
  readonly file: string;
  readonly ok: boolean;
  readonly kind?: string;
  readonly name?: string;
  readonly summary?: string;
  readonly issues: readonly Issue[];
}

function summarize(doc: ParsedDocument): string {
  if (doc.kind === "Cluster") {
    const m = checkCluster(doc.value, defaultCatalog()).model;
    return m ? `${m.totals.nodes} nodes, ${m.totals.gpus} GPUs in ${m.racks.length} racks` : "";
  }
  if (doc.kind === "Job") {
    const replicas = doc.value.tasks.reduce((s, t) => s + t.replicas, 0);
    return `${doc.value.tasks.length} task(s), ${replicas} replica(s), queue ${doc.value.queue}`;
  }
  return doc.value.name;
}

export function validateFile(file: string): FileResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return {
      file,
      ok: false,
      issues: [
        {
          code: "unreadable",
          path: "(file)",
          message: (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message,
        },
      ],
    };
  }
  const r = validateDocument(text, defaultCatalog());
  if (r.document === undefined) return { file, ok: false, issues: r.issues };
  const name = "id" in r.document.value ? r.document.value.id : r.document.value.name;
  return { file, ok: true, kind: r.document.kind, name, summary: summarize(r.document), issues: [] };
}

export function registerValidate(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("validate")
    .description("check aidc files (Cluster, Job, catalog items; YAML or JSON): every problem with its path; exit 2 if any")
    .argument("<files...>")
    .option("--json", 'print {"files":[{"file","ok","kind","issues":[{"code","path","message","line"}]}]}')
    .action((files: string[], opts: { json?: boolean }) => {
      const results = files.map(validateFile);
      if (opts.json) printJson(io, { files: results });
      else {
        for (const r of results) {
          if (r.ok) io.out(`${r.file}: ${paint(io, "green", "ok")} ${r.kind} "${r.name}"${r.summary ? ` (${r.summary})` : ""}\n`);
          else for (const i of r.issues) io.err(`${r.file}: ${paint(io, "red", formatIssue(i))}\n`);
        }
      }
      if (results.some((r) => !r.ok)) setExit(2);
    });
}

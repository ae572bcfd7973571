import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { formatIssue, type Issue } from "@aidc/core";
import { validateAny } from "../documents.js";
import { paint, printJson, type Io } from "../output.js";

interface FileResult {
  readonly file: string;
  readonly ok: boolean;
  readonly kind?: string;
  readonly name?: string;
  readonly summary?: string;
  readonly issues: readonly Issue[];
  /** Why a file found in a directory was not validated (data files beside aidc documents). */
  readonly skipped?: string;
}

const DOCUMENT_FILE = /\.(ya?ml|json)$/i;

function unreadable(file: string, e: unknown): FileResult {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (e as Error).message;
  return { file, ok: false, issues: [{ code: "unreadable", path: "(file)", message: why }] };
}

/** A file found in a folder whose top level has neither apiVersion nor kind: data, not an aidc document. */
function dataFile(issues: readonly Issue[]): boolean {
  const missing = (field: string): boolean => issues.some((i) => i.path === field && /is required|kind is missing/.test(i.message));
  return missing("apiVersion") && missing("kind");
}

export function validateFile(file: string, inDirectory = false): FileResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return unreadable(file, e);
  }
  const r = validateAny(text);
  // a file of another kind (README.md, a CSV): one line saying what validate expected, not the parser's complaints
  if (!r.ok && !DOCUMENT_FILE.test(file) && r.issues.length > 0 && r.issues.every((i) => i.code === "syntax")) {
    const message =
      "is not a YAML or JSON document; validate expects aidc files (.yaml, .yml or .json with apiVersion: aidc/v1 and a kind)";
    return { file, ok: false, issues: [{ code: "not_a_document", path: "(file)", message }] };
  }
  if (inDirectory && !r.ok && dataFile(r.issues))
    return { file, ok: true, issues: [], skipped: "no apiVersion or kind: not an aidc document" };
  return { file, ...r };
}

/** The YAML/JSON files under `dir` (recursively, sorted; hidden folders and node_modules skipped). */
export function documentFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "node_modules") out.push(...documentFiles(path));
    } else if (DOCUMENT_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

/** Validate a file, or every YAML/JSON file of a directory (saying what it expected when there is none). */
export function validatePath(path: string): FileResult[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    return [unreadable(path, e)];
  }
  if (!isDir) return [validateFile(path)];
  let files: string[];
  try {
    files = documentFiles(path);
  } catch (e) {
    return [unreadable(path, e)];
  }
  if (files.length > 0) return files.map((f) => validateFile(f, true));
  const message = "is a directory with no .yaml, .yml or .json file; validate expects aidc files (YAML or JSON) or folders of them";
  return [{ file: path, ok: false, issues: [{ code: "no_documents", path: "(directory)", message }] }];
}

export function registerValidate(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("validate")
    .description(
      "check aidc files of any kind (Cluster, Job, scenarios, profiles, alert rules, catalog items; YAML or JSON) or folders of them: every problem with its path; exit 2 if any",
    )
    .argument("<paths...>", "files, or directories (every .yaml/.yml/.json file in them)")
    .option("--json", 'print {"files":[{"file","ok","kind","issues":[{"code","path","message","line"}]}]}')
    .action((paths: string[], opts: { json?: boolean }) => {
      const results = paths.flatMap(validatePath);
      if (opts.json) printJson(io, { files: results });
      else {
        for (const r of results) {
          if (r.skipped !== undefined) io.err(`${r.file}: ${paint(io, "dim", `skipped (${r.skipped})`)}\n`);
          else if (r.ok)
            io.out(
              `${r.file}: ${paint(io, "green", "ok")} ${r.kind}${r.name ? ` "${r.name}"` : ""}${r.summary ? ` (${r.summary})` : ""}\n`,
            );
          else for (const i of r.issues) io.err(`${r.file}: ${paint(io, "red", formatIssue(i))}\n`);
        }
        const bad = results.filter((r) => !r.ok).length;
        const skipped = results.filter((r) => r.skipped !== undefined).length;
        if (results.length > 1) io.err(`${results.length} file(s), ${bad} with problems${skipped > 0 ? `, ${skipped} skipped` : ""}\n`);
      }
      if (results.some((r) => !r.ok)) setExit(2);
    });
}

import { readFileSync } from "node:fs";
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
  return { file, ...validateAny(text) };
}

export function registerValidate(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("validate")
    .description(
      "check aidc files of any kind (Cluster, Job, scenarios, profiles, alert rules, catalog items; YAML or JSON): every problem with its path; exit 2 if any",
    )
    .argument("<files...>")
    .option("--json", 'print {"files":[{"file","ok","kind","issues":[{"code","path","message","line"}]}]}')
    .action((files: string[], opts: { json?: boolean }) => {
      const results = files.map(validateFile);
      if (opts.json) printJson(io, { files: results });
      else {
        for (const r of results) {
          if (r.ok)
            io.out(
              `${r.file}: ${paint(io, "green", "ok")} ${r.kind}${r.name ? ` "${r.name}"` : ""}${r.summary ? ` (${r.summary})` : ""}\n`,
            );
          else for (const i of r.issues) io.err(`${r.file}: ${paint(io, "red", formatIssue(i))}\n`);
        }
      }
      if (results.some((r) => !r.ok)) setExit(2);
    });
}

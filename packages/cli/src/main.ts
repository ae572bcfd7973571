import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { AidcError, InvalidInputError, exitCodeOf, formatIssue } from "@aidc/core/errors";
import { selectContext } from "./client/contexts.js";
import { selectCa } from "./client/http.js";
import { COMMANDS, findCommand, registerAll, type CommandEntry } from "./commands/index.js";
import { paint, printJson, processIo, type Io } from "./output.js";

export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;

const DESCRIPTION = "aidc: plan, simulate, run and observe an AI data center";

/** The version of the installed CLI (its package.json; equal to @aidc/core's AIDC_VERSION, a test checks). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function wrap(text: string, indent: number, width: number): string {
  const words = text.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line !== "" && indent + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line === "" ? w : `${line} ${w}`;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** `aidc --help` without loading commander or any command module: the names and descriptions of the table. */
export function topLevelHelp(width = 80): string {
  const options: [string, string][] = [
    ["-V, --version", "output the version number"],
    ["--context <name>", "talk to the server of this context (see aidc config)"],
    ["--ca <pem>", "CA certificate(s) to verify an https:// server against (default $AIDC_CA or the context's ca)"],
    ["-h, --help", "display help for command"],
  ];
  const commands: [string, string][] = [...COMMANDS.map((c): [string, string] => [c.name, c.description])];
  commands.push(["help [command]", "display help for command"]);
  const pad = Math.max(...[...options, ...commands].map(([t]) => t.length)) + 2;
  const rows = (list: [string, string][]): string => list.map(([t, d]) => `  ${t.padEnd(pad)}${wrap(d, pad + 2, width)}`).join("\n");
  return [
    "Usage: aidc [options] [command]",
    "",
    DESCRIPTION,
    "",
    "Options:",
    rows(options),
    "",
    "Commands:",
    rows(commands),
    "",
    'Run "aidc <command> --help" for its options.',
    "",
  ].join("\n");
}

/**
 * The commander program with the chosen command's module registered, or every module when `entry` is "all".
 * Without an entry it holds only stubs (names and descriptions) so commander can report an unknown command.
 */
export async function buildProgram(io: Io, setExit: (code: number) => void, entry?: CommandEntry | "all"): Promise<Command> {
  const { Command: CommandClass } = await import("commander");
  const program = new CommandClass("aidc")
    .description(DESCRIPTION)
    .version(cliVersion(), "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      // with --json, commander's own errors are printed as JSON by main()
      ...(io.json ? { outputError: () => undefined } : {}),
    });
  if (entry === undefined) {
    for (const c of COMMANDS) program.command(c.name).description(c.description);
  } else if (entry === "all") {
    await registerAll(program, io, setExit);
  } else {
    (await entry.load())(program, io, setExit);
  }
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput(program.configureOutput());
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
};

/** System calls that write: their failures are "cannot write", every other one "cannot read". */
const WRITING = new Set(["mkdir", "write", "rename", "unlink", "rmdir", "symlink", "copyfile"]);

/** A file that cannot be read or written (node's ENOENT & co, maybe as a cause), as `{path, why}`. */
function unreadable(err: unknown): { path: string; code: string; why: string; verb: string } | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === "object" && depth < 4; depth++) {
    const { code, path, syscall } = e as { code?: unknown; path?: unknown; syscall?: unknown };
    if (typeof code === "string" && typeof path === "string" && code in FILE_ERRORS) {
      const verb = typeof syscall === "string" && WRITING.has(syscall) ? "write" : "read";
      return { path, code, why: FILE_ERRORS[code] ?? code, verb };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Take `--context <name>` and `--ca <pem>` (also as `--x=value`) out of argv: they apply to every command that
 * talks to a server. `aidc config` keeps its own `--ca` (set-context stores it in the context).
 */
function takeContext(argv: readonly string[]): { argv: string[]; context?: string; ca?: string } {
  const rest: string[] = [];
  let context: string | undefined;
  let ca: string | undefined;
  // the command is the first word that is not a global option or its value
  let at = 0;
  for (let word = argv[at] ?? ""; /^--(context|ca)(=|$)/.test(word); word = argv[at] ?? "") at += word.includes("=") ? 1 : 2;
  const takesCa = argv[at] !== "config";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === "--context" && i + 1 < argv.length) context = argv[++i];
    else if (a.startsWith("--context=")) context = a.slice("--context=".length);
    else if (takesCa && a === "--ca" && i + 1 < argv.length) ca = argv[++i];
    else if (takesCa && a.startsWith("--ca=")) ca = a.slice("--ca=".length);
    else rest.push(a);
  }
  return { argv: rest, ...(context !== undefined ? { context } : {}), ...(ca !== undefined ? { ca } : {}) };
}

/** Run the CLI; returns the exit code. The one place where errors become output and exit codes. */
export async function main(rawArgv: readonly string[], baseIo: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const { argv, context, ca } = takeContext(rawArgv);
  selectContext(context);
  selectCa(ca);
  const json = argv.includes("--json");
  const io: Io = json ? { ...baseIo, json: true } : baseIo;
  const first = argv[0];
  // the fast paths: no commander, no command module
  if (first === "-V" || first === "--version") {
    io.out(`${cliVersion()}\n`);
    return EXIT.ok;
  }
  if (first === undefined || first === "-h" || first === "--help" || (first === "help" && argv.length === 1)) {
    (first === undefined ? io.err : io.out)(topLevelHelp(process.stdout.columns ?? 80));
    return first === undefined ? EXIT.badInput : EXIT.ok;
  }
  try {
    const entry = findCommand(first === "help" ? (argv[1] ?? "") : first);
    const program = await buildProgram(io, (c) => (code = Math.max(code, c)), entry);
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    return report(io, json, err);
  }
}

async function report(io: Io, json: boolean, err: unknown): Promise<number> {
  const { CommanderError } = await import("commander");
  if (err instanceof CommanderError) {
    // help and version "errors" are successes; everything else commander rejects is bad input
    if (err.exitCode === 0) return EXIT.ok;
    if (json) printJson(io, { error: { code: "INVALID_ARGUMENTS", message: err.message.replace(/^error: /, "") } });
    return EXIT.badInput;
  }
  if (err instanceof InvalidInputError) {
    if (json) printJson(io, { error: { code: err.code, message: err.message, issues: err.issues } });
    else for (const i of err.issues) io.err(`${paint(io, "red", "error")}: ${formatIssue(i)}\n`);
    return EXIT.badInput;
  }
  const file = unreadable(err);
  if (file !== undefined) {
    const message = `cannot ${file.verb} ${file.path}: ${file.why}`;
    if (json)
      printJson(io, {
        error: {
          code: file.verb === "write" ? "UNWRITABLE" : "UNREADABLE",
          message,
          issues: [{ code: file.code, path: file.path, message: file.why }],
        },
      });
    else io.err(`${paint(io, "red", "error")}: ${message}\n`);
    return EXIT.badInput;
  }
  const message = err instanceof Error ? err.message : String(err);
  const codeName = err instanceof AidcError ? err.code : "INTERNAL";
  if (json) printJson(io, { error: { code: codeName, message } });
  else io.err(`${paint(io, "red", "error")}: ${message}\n`);
  if (process.env["AIDC_DEBUG"] && err instanceof Error) io.err(`${err.stack ?? ""}\n`);
  // the catalog says which errors are the caller's (a 4xx such as NOT_FOUND exits 2), the rest are failures
  return err instanceof AidcError ? exitCodeOf(err.code) : EXIT.failure;
}

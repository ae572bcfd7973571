/**
 * Error conventions (see ARCHITECTURE.md "Outcomes and errors"):
 * - bad user input is returned as data: `Issue[]`;
 * - bugs and infrastructure failures are thrown as an `AidcError` with a stable `code`;
 * - every code's HTTP status and CLI exit code come from ERROR_CATALOG (errors-catalog.ts).
 */
export * from "./errors-catalog.js";

/** One problem with user input, located by a dotted path (`tasks[0].resources.gpus`). */
export interface Issue {
  readonly code: string;
  readonly path: string;
  readonly message: string;
  /** 1-based line in the source file, when the input came from a file. */
  readonly line?: number;
}

export class AidcError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input was rejected; carries the full list of issues so edges can print every one. */
export class InvalidInputError extends AidcError {
  readonly issues: readonly Issue[];
  constructor(message: string, issues: readonly Issue[]) {
    super("INVALID_INPUT", message);
    this.issues = issues;
  }
}

export class NotFoundError extends AidcError {
  constructor(message: string) {
    super("NOT_FOUND", message);
  }
}

export class IllegalTransitionError extends AidcError {
  constructor(message: string) {
    super("ILLEGAL_TRANSITION", message);
  }
}

/** Render a path array as `a.b[0].c`; an empty path is shown as `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

export function formatIssue(issue: Issue): string {
  const where = issue.line === undefined ? "" : ` (line ${issue.line})`;
  return `${issue.path}${where}: ${issue.message}`;
}

export function issue(code: string, path: readonly PropertyKey[] | string, message: string): Issue {
  return { code, path: typeof path === "string" ? path : formatPath(path), message };
}

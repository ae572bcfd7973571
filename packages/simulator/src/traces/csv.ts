import type { Issue } from "@aidc/core";

/**
 * A small streaming CSV reader for trace files: one line at a time (RFC 4180 quoting within a line; fields may not
 * contain newlines), header by name, typed fields, and an `Issue` with the 1-based line and the column name for
 * every malformed row. Readers take an iterable of lines that the caller read (and gunzipped).
 */
export type FieldType = "int" | "number" | "string";

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** Missing column or empty cell is an error (default true for numbers, false for strings). */
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Allowed values for strings. */
  readonly oneOf?: readonly string[];
}

export type CsvValue = number | string | undefined;
export type CsvRow = Readonly<Record<string, CsvValue>>;

export interface RowEvent {
  readonly line: number;
  readonly row: CsvRow;
}

export interface ReadResult<T> {
  readonly records: T[];
  readonly issues: Issue[];
}

/** Split one CSV line (double-quote quoting, "" escapes). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const where = (_file: string, line: number, col: string): string => `line ${line}.${col}`;

function convert(spec: FieldSpec, raw: string | undefined, file: string, line: number): { value?: CsvValue; issue?: Issue } {
  const required = spec.required ?? spec.type !== "string";
  const text = raw?.trim();
  if (text === undefined || text === "") {
    if (required) return { issue: { code: "missing-field", path: where(file, line, spec.name), line, message: `${spec.name} is empty` } };
    return { value: undefined };
  }
  if (spec.type === "string") {
    if (spec.oneOf && !spec.oneOf.includes(text)) {
      const msg = `${spec.name} must be one of ${spec.oneOf.join(", ")}, got "${text}"`;
      return { issue: { code: "bad-value", path: where(file, line, spec.name), line, message: msg } };
    }
    return { value: text };
  }
  const n = Number(text);
  if (!Number.isFinite(n) || (spec.type === "int" && !Number.isInteger(n))) {
    const msg = `${spec.name} must be ${spec.type === "int" ? "an integer" : "a number"}, got "${text}"`;
    return { issue: { code: "bad-number", path: where(file, line, spec.name), line, message: msg } };
  }
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    const range = `${spec.min ?? "-inf"}..${spec.max ?? "inf"}`;
    return {
      issue: { code: "out-of-range", path: where(file, line, spec.name), line, message: `${spec.name} must be in ${range}, got ${n}` },
    };
  }
  return { value: n };
}

/**
 * Stream rows of a CSV with a header line. Yields valid rows; appends every problem to `issues` (at most
 * `maxIssues`, then stops reading). Blank lines are skipped; a row with the wrong number of cells is an issue.
 */
export function* csvRows(
  lines: Iterable<string>,
  fields: readonly FieldSpec[],
  issues: Issue[],
  opts: { file?: string; maxIssues?: number } = {},
): Generator<RowEvent> {
  const file = opts.file ?? "trace";
  const maxIssues = opts.maxIssues ?? 50;
  let header: string[] | undefined;
  let index: number[] = [];
  let line = 0;
  for (const rawLine of lines) {
    line++;
    const text = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (text.trim() === "") continue;
    if (header === undefined) {
      header = splitCsvLine(text.replace(/^\uFEFF/, "")).map((h) => h.trim());
      index = fields.map((f) => header?.indexOf(f.name) ?? -1);
      const missing = fields.filter((f, i) => index[i] === -1 && (f.required ?? f.type !== "string"));
      for (const f of missing) {
        issues.push({
          code: "missing-column",
          path: where(file, line, f.name),
          line,
          message: `header has no column "${f.name}" (has: ${header.join(", ")})`,
        });
      }
      if (missing.length > 0) return;
      continue;
    }
    const cells = splitCsvLine(text);
    if (cells.length !== header.length) {
      issues.push({
        code: "bad-row",
        path: where(file, line, "(row)"),
        line,
        message: `expected ${header.length} cells, got ${cells.length}`,
      });
      if (issues.length >= maxIssues) return;
      continue;
    }
    const row: Record<string, CsvValue> = {};
    let ok = true;
    fields.forEach((f, i) => {
      const col = index[i] as number;
      const r = convert(f, col < 0 ? undefined : cells[col], file, line);
      if (r.issue) {
        issues.push(r.issue);
        ok = false;
      } else row[f.name] = r.value;
    });
    if (issues.length >= maxIssues) return;
    if (ok) yield { line, row };
  }
  if (header === undefined) issues.push({ code: "empty", path: where(file, 0, "(file)"), message: "no header line" });
}

/** Split a whole text into lines (for callers that already hold the text). */
export function linesOf(text: string): string[] {
  return text.split("\n");
}

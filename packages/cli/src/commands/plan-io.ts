import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { parseText, type Issue } from "@aidc/core";
import { parseScenario, type ParsedScenario, type ScenarioKind } from "@aidc/planner";

/** Read a YAML/JSON file; problems come back as issues (with lines when the schema rejects a field). */
export function readDocument(file: string): {
  data?: unknown;
  issues: Issue[];
  locate: (path: readonly PropertyKey[]) => number | undefined;
} {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory; give a YAML or JSON file"
          : code === "EACCES"
            ? "permission denied"
            : (e as Error).message;
    return { issues: [{ code: "unreadable", path: "(file)", message }], locate: () => undefined };
  }
  return parseText(text);
}

function pathParts(path: string): PropertyKey[] {
  const parts: PropertyKey[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ""));
  return parts;
}

export function readScenario(
  file: string,
  kind: ScenarioKind,
): { scenario?: ParsedScenario; issues: Issue[]; withLines: (issues: readonly Issue[]) => Issue[] } {
  const doc = readDocument(file);
  const withLines = (issues: readonly Issue[]): Issue[] =>
    issues.map((i) => {
      const line = i.line ?? doc.locate(pathParts(i.path));
      return line === undefined ? i : { ...i, line };
    });
  if (doc.data === undefined) return { issues: doc.issues, withLines };
  const r = parseScenario(doc.data, kind);
  return { ...(r.scenario ? { scenario: r.scenario } : {}), issues: withLines(r.issues), withLines };
}

export interface TraceRequest {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly arrivalS: number;
}

const AZURE_HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens";

/**
 * Rows of an Azure LLM inference trace (TIMESTAMP,ContextTokens,GeneratedTokens; .csv or .csv.gz).
 * A file of another kind (a README, another trace) is refused with issues naming the line, never
 * read as garbage requests; a missing file throws (the CLI answers "cannot read", exit 2).
 */
export function readAzureTrace(file: string): { rows: TraceRequest[]; issues: Issue[] } {
  const raw = readFileSync(file);
  let text: string;
  try {
    text = (file.endsWith(".gz") || (raw[0] === 0x1f && raw[1] === 0x8b) ? gunzipSync(raw) : raw).toString("utf8");
  } catch (e) {
    return {
      rows: [],
      issues: [{ code: "unreadable_trace", path: "(file)", message: `not a readable gzip file: ${(e as Error).message}` }],
    };
  }
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").trim().replace(/^\uFEFF/, "");
  if (header.toLowerCase() !== AZURE_HEADER.toLowerCase()) {
    const got = header.length > 60 ? `${header.slice(0, 60)}…` : header;
    return {
      rows: [],
      issues: [
        {
          code: "not_a_trace",
          path: "(file)",
          line: 1,
          message: `is not an Azure LLM inference trace: expected the header ${AZURE_HEADER}, got ${JSON.stringify(got)}`,
        },
      ],
    };
  }
  const rows: TraceRequest[] = [];
  const issues: Issue[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === "" || issues.length >= 5) return;
    const [ts, ctx, gen] = line.split(",");
    const t = Date.parse(`${(ts ?? "").trim().replace(" ", "T")}Z`);
    const input = Number(ctx);
    const output = Number(gen);
    if (!Number.isFinite(t) || !Number.isInteger(input) || !Number.isInteger(output) || input < 0 || output < 0) {
      const message = `is not "<timestamp>,<context tokens>,<generated tokens>": ${JSON.stringify(line.slice(0, 80))}`;
      issues.push({ code: "bad_row", path: "(file)", line: i + 2, message });
      return;
    }
    rows.push({ inputTokens: input, outputTokens: output, arrivalS: t / 1000 });
  });
  return { rows, issues };
}

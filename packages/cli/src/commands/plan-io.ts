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
    const message = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
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

/** Rows of an Azure LLM inference trace (TIMESTAMP,ContextTokens,GeneratedTokens; .csv or .csv.gz). */
export function readAzureTrace(file: string): { inputTokens: number; outputTokens: number; arrivalS: number }[] {
  const raw = readFileSync(file);
  const text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const rows: { inputTokens: number; outputTokens: number; arrivalS: number }[] = [];
  for (const line of text.split("\n").slice(1)) {
    const [ts, ctx, gen] = line.split(",");
    if (ts === undefined || ctx === undefined || gen === undefined) continue;
    const t = Date.parse(ts.trim().replace(" ", "T") + "Z");
    if (!Number.isFinite(t)) continue;
    rows.push({ inputTokens: Number(ctx), outputTokens: Number(gen), arrivalS: t / 1000 });
  }
  return rows;
}

import type { Issue } from "@aidc/core";
import { csvRows, type FieldSpec, type ReadResult } from "./csv.js";
import type { ReadOptions } from "./openb.js";
import type { TraceJobDetail } from "./types.js";

/**
 * aidc's own trace format (what `aidc` and the live server export). Two encodings of the same records:
 *
 * JSONL — line 1 is the header `{"apiVersion":"aidc/v1","kind":"Trace","name":"…"}`, then one job per line:
 *   {"id":"j1","submitS":0,"durationS":3600,"gpus":8,"queue":"research"}  (optional: gpuMilli, user, priority,
 *   estimateS, cpuMilli, memoryMiB, nodes, model, status)
 * CSV — line 1 is `# apiVersion: aidc/v1, kind: Trace`, line 2 the header with the same field names.
 */
export const AIDC_TRACE_API = "aidc/v1";

type Kind = "string" | "number" | "int";
const FIELDS: Readonly<Record<string, { kind: Kind; required?: boolean; min?: number; max?: number }>> = {
  id: { kind: "string", required: true },
  submitS: { kind: "number", required: true, min: 0 },
  durationS: { kind: "number", required: true, min: 0 },
  gpus: { kind: "int", required: true, min: 0 },
  queue: { kind: "string", required: true },
  gpuMilli: { kind: "int", min: 1, max: 1000 },
  user: { kind: "string" },
  priority: { kind: "number" },
  estimateS: { kind: "number", min: 0 },
  cpuMilli: { kind: "int", min: 0 },
  memoryMiB: { kind: "number", min: 0 },
  nodes: { kind: "int", min: 1 },
  model: { kind: "string" },
  status: { kind: "string" },
};

function checkValue(name: string, value: unknown, line: number): Issue | undefined {
  const spec = FIELDS[name];
  const path = `line ${line}.${name}`;
  if (spec === undefined)
    return { code: "unknown-field", path, line, message: `unknown field "${name}" (known: ${Object.keys(FIELDS).join(", ")})` };
  if (spec.kind === "string")
    return typeof value === "string" && value !== ""
      ? undefined
      : { code: "bad-value", path, line, message: `${name} must be a non-empty string` };
  if (typeof value !== "number" || !Number.isFinite(value) || (spec.kind === "int" && !Number.isInteger(value))) {
    return {
      code: "bad-number",
      path,
      line,
      message: `${name} must be ${spec.kind === "int" ? "an integer" : "a number"}, got ${JSON.stringify(value)}`,
    };
  }
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
    return { code: "out-of-range", path, line, message: `${name} must be in ${spec.min ?? "-inf"}..${spec.max ?? "inf"}, got ${value}` };
  }
  return undefined;
}

function toJob(obj: Record<string, unknown>, line: number, issues: Issue[]): TraceJobDetail | undefined {
  const before = issues.length;
  for (const name of Object.keys(FIELDS)) {
    if (FIELDS[name]?.required && obj[name] === undefined)
      issues.push({ code: "missing-field", path: `line ${line}.${name}`, line, message: `${name} is required` });
  }
  for (const [name, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    const i = checkValue(name, value, line);
    if (i) issues.push(i);
  }
  if (issues.length > before) return undefined;
  const gpuMilli = obj["gpuMilli"] as number | undefined;
  if (gpuMilli !== undefined && gpuMilli < 1000 && (obj["gpus"] as number) > 1) {
    issues.push({ code: "bad-value", path: `line ${line}.gpuMilli`, line, message: "a shared GPU (gpuMilli < 1000) needs gpus = 1" });
    return undefined;
  }
  return obj as unknown as TraceJobDetail;
}

function checkHeader(kind: unknown, api: unknown, line: number): Issue[] {
  const out: Issue[] = [];
  if (api !== AIDC_TRACE_API)
    out.push({
      code: "bad-header",
      path: `line ${line}.apiVersion`,
      line,
      message: `apiVersion must be "${AIDC_TRACE_API}", got ${JSON.stringify(api)}`,
    });
  if (kind !== "Trace")
    out.push({ code: "bad-header", path: `line ${line}.kind`, line, message: `kind must be "Trace", got ${JSON.stringify(kind)}` });
  return out;
}

/** Read an aidc trace (JSONL or CSV, detected from the first non-blank line). */
export function readAidcTrace(lines: Iterable<string>, opts: ReadOptions = {}): ReadResult<TraceJobDetail> {
  const issues: Issue[] = [];
  const records: TraceJobDetail[] = [];
  const maxIssues = opts.maxIssues ?? 50;
  const it = lines[Symbol.iterator]();
  let line = 0;
  let first: string | undefined;
  for (let r = it.next(); !r.done; r = it.next()) {
    line++;
    if (r.value.trim() !== "") {
      first = r.value.trim();
      break;
    }
  }
  if (first === undefined)
    return { records, issues: [{ code: "empty", path: "line 1", line: 1, message: "the trace is empty (no header)" }] };
  const rest: Iterable<string> = { [Symbol.iterator]: () => it };
  if (first.startsWith("#")) {
    const m = /apiVersion:\s*([^,\s]+)\s*,\s*kind:\s*(\w+)/.exec(first);
    issues.push(...checkHeader(m?.[2], m?.[1], line));
    if (issues.length > 0) return { records, issues };
    const fields: FieldSpec[] = Object.entries(FIELDS).map(([name, f]) => ({
      name,
      type: f.kind,
      required: f.required ?? false,
      ...(f.min !== undefined ? { min: f.min } : {}),
      ...(f.max !== undefined ? { max: f.max } : {}),
    }));
    const offset = line;
    const csvIssues: Issue[] = [];
    for (const { line: l, row } of csvRows(rest, fields, csvIssues, { maxIssues, ...(opts.file ? { file: opts.file } : {}) })) {
      const obj = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
      const job = toJob(obj, l + offset, issues);
      if (job) records.push(job);
    }
    for (const i of csvIssues) {
      const at = (i.line ?? 0) + offset;
      issues.push({ ...i, line: at, path: i.path.replace(/^line \d+/, `line ${at}`) });
    }
    return { records, issues };
  }
  let header: unknown;
  try {
    header = JSON.parse(first);
  } catch {
    return {
      records,
      issues: [
        {
          code: "bad-header",
          path: `line ${line}`,
          line,
          message: 'first line must be the JSON header {"apiVersion":"aidc/v1","kind":"Trace",…} or "# apiVersion: aidc/v1, kind: Trace"',
        },
      ],
    };
  }
  const h = (header ?? {}) as Record<string, unknown>;
  issues.push(...checkHeader(h["kind"], h["apiVersion"], line));
  if (issues.length > 0) return { records, issues };
  for (const raw of rest) {
    line++;
    const text = raw.trim();
    if (text === "") continue;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      issues.push({ code: "bad-json", path: `line ${line}`, line, message: `not JSON: ${(e as Error).message}` });
      if (issues.length >= maxIssues) break;
      continue;
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      issues.push({ code: "bad-json", path: `line ${line}`, line, message: "each line must be one JSON object (a job)" });
    } else {
      const job = toJob(obj as Record<string, unknown>, line, issues);
      if (job) records.push(job);
    }
    if (issues.length >= maxIssues) break;
  }
  return { records, issues };
}

/** Write jobs as an aidc JSONL trace (header line + one job per line). */
export function writeAidcTrace(name: string, jobs: readonly TraceJobDetail[]): string {
  const header = JSON.stringify({ apiVersion: AIDC_TRACE_API, kind: "Trace", name });
  return [header, ...jobs.map((j) => JSON.stringify(j))].join("\n") + "\n";
}

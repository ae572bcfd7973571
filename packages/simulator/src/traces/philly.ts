import { issue, type Checked, type Issue } from "@aidc/core";
import type { TraceJob } from "../types.js";

export interface PhillyOptions {
  /** Keep jobs submitted at or after this time (ms since the epoch, timestamps read as UTC). */
  readonly fromMs?: number;
  /** Keep jobs submitted at or before this time. */
  readonly toMs?: number;
  /** Keep only these VCs (cluster column). */
  readonly queues?: ReadonlySet<string>;
  /** Stop collecting after this many issues. */
  readonly maxIssues?: number;
}

export interface PhillyTrace {
  readonly jobs: TraceJob[];
  /** Submit time of the first kept job (ms since the epoch); submitS is relative to it. */
  readonly originMs: number;
  readonly rows: number;
  readonly dropped: number;
}

const HEADER = ["timestamp", "duration", "num_gpus", "gpu_time", "cluster"] as const;
const TS = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Parse `YYYY-MM-DD HH:MM:SS` as UTC milliseconds; NaN when malformed. */
export function parsePhillyTime(text: string): number {
  const m = TS.exec(text);
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return NaN;
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function* splitLines(text: string): Generator<string> {
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) {
      if (start < text.length) yield text.slice(start);
      return;
    }
    yield text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
    start = nl + 1;
  }
}

/**
 * Read the Philly job table (`timestamp,duration,num_gpus,gpu_time,cluster`), streaming over its
 * lines (a string or any iterable of lines). Malformed rows become issues with their line and column.
 * Job ids are `philly-<line>`.
 */
export function readPhilly(input: string | Iterable<string>, options: PhillyOptions = {}): Checked<PhillyTrace> {
  const lines = typeof input === "string" ? splitLines(input) : input;
  const issues: Issue[] = [];
  const maxIssues = options.maxIssues ?? 20;
  const raw: { id: string; ms: number; durationS: number; gpus: number; queue: string }[] = [];
  let lineNo = 0;
  let rows = 0;
  let dropped = 0;
  const bad = (col: string, message: string): void => {
    if (issues.length < maxIssues) issues.push({ ...issue("malformed_row", `line ${lineNo}.${col}`, message), line: lineNo });
  };
  for (const line of lines) {
    lineNo++;
    if (lineNo === 1) {
      const head = line.split(",").map((h) => h.trim());
      if (HEADER.some((h, i) => head[i] !== h)) {
        return {
          ok: false,
          issues: [{ ...issue("bad_header", "line 1", `expected header "${HEADER.join(",")}", got "${line.slice(0, 80)}"`), line: 1 }],
        };
      }
      continue;
    }
    if (line.trim() === "") continue;
    rows++;
    const f = line.split(",");
    if (f.length !== 5) {
      bad("(row)", `expected 5 fields, got ${f.length}`);
      continue;
    }
    const ms = parsePhillyTime(f[0] ?? "");
    const durationS = Number(f[1]);
    const gpus = Number(f[2]);
    const queue = (f[4] ?? "").trim();
    if (Number.isNaN(ms)) bad("timestamp", `expected "YYYY-MM-DD HH:MM:SS", got "${f[0] ?? ""}"`);
    else if (!(f[1] !== "" && Number.isFinite(durationS) && durationS >= 0)) bad("duration", `expected seconds ≥ 0, got "${f[1] ?? ""}"`);
    else if (!(Number.isInteger(gpus) && gpus >= 0)) bad("num_gpus", `expected a whole number ≥ 0, got "${f[2] ?? ""}"`);
    else if (queue === "") bad("cluster", "is empty");
    else {
      if (
        (options.fromMs !== undefined && ms < options.fromMs) ||
        (options.toMs !== undefined && ms > options.toMs) ||
        (options.queues && !options.queues.has(queue))
      ) {
        dropped++;
        continue;
      }
      raw.push({ id: `philly-${lineNo}`, ms, durationS, gpus, queue });
    }
  }
  if (lineNo === 0) return { ok: false, issues: [issue("empty", "line 1", "the trace is empty (no header)")] };
  if (issues.length > 0) return { ok: false, issues };
  let origin = Infinity;
  for (const r of raw) origin = Math.min(origin, r.ms);
  if (!Number.isFinite(origin)) origin = 0;
  const jobs: TraceJob[] = raw.map((r) => ({
    id: r.id,
    submitS: (r.ms - origin) / 1000,
    durationS: r.durationS,
    gpus: r.gpus,
    queue: r.queue,
  }));
  return { ok: true, value: { jobs, originMs: origin, rows, dropped } };
}

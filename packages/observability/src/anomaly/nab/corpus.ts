import type { Window } from "./scoring.js";

/** One labeled series of a NAB-like corpus, already parsed (pure data). */
export interface LabeledSeries {
  /** Key in the label files: `<category>/<file>.csv`. */
  readonly file: string;
  readonly timestamps: readonly string[];
  readonly timesMs: readonly number[];
  readonly values: readonly number[];
  readonly windows: readonly Window[];
}

/** Parse `YYYY-MM-DD HH:MM:SS[.ffffff]` as a naive timestamp (treated as UTC) in ms, or NaN. */
export function parseNaiveTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export interface CsvSeries {
  readonly timestamps: string[];
  readonly timesMs: number[];
  readonly values: number[];
}

/** Parse a NAB CSV (`timestamp,value` header, one row per sample, final newline optional). */
export function parseNabCsv(text: string): { series?: CsvSeries; error?: string } {
  const lines = text.split(/\r?\n/);
  const timestamps: string[] = [];
  const timesMs: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") continue;
    const comma = line.indexOf(",");
    const ts = line.slice(0, comma).trim();
    const t = parseNaiveTimestamp(ts);
    const v = Number(line.slice(comma + 1));
    if (comma < 0 || Number.isNaN(t) || !Number.isFinite(v))
      return { error: `line ${i + 1}: expected "timestamp,value", got ${JSON.stringify(line.slice(0, 60))}` };
    timestamps.push(ts);
    timesMs.push(t);
    values.push(v);
  }
  return { series: { timestamps, timesMs, values } };
}

/**
 * Turn NAB windows (`[start, end]` timestamps, `.000000` suffix) into row ranges; as NAB does, a
 * window starts at the first row stamped with its start and ends at the first row stamped with its end.
 */
export function windowsToRows(
  timestamps: readonly string[],
  windows: readonly (readonly [string, string])[],
): { windows: Window[]; error?: string } {
  const first = new Map<string, number>();
  timestamps.forEach((t, i) => {
    if (!first.has(t)) first.set(t, i);
  });
  const out: Window[] = [];
  for (const [a, b] of windows) {
    const s = first.get(a.replace(/\.\d+$/, ""));
    const e = first.get(b.replace(/\.\d+$/, ""));
    if (s === undefined || e === undefined || e < s) return { windows: out, error: `window [${a}, ${b}] does not match rows of the file` };
    out.push({ startRow: s, endRow: e });
  }
  return { windows: out };
}

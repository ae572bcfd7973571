import type { Issue } from "@aidc/core";
import { csvRows, type FieldSpec, type ReadResult } from "./csv.js";
import type { ReadOptions } from "./openb.js";
import type { TraceJobDetail, TraceRequest } from "./types.js";

/**
 * Readers for the smaller public traces in ../shared/data/traces: Pollux/Sia workloads, Tiresias samples and the
 * Azure LLM inference request traces. Each streams over lines and reports malformed rows with line and column.
 */

const POLLUX_FIELDS: readonly FieldSpec[] = [
  { name: "name", type: "string", required: true },
  { name: "time", type: "number", min: 0 },
  { name: "application", type: "string", required: true },
  { name: "num_replicas", type: "int", min: 1 },
  { name: "batch_size", type: "int", min: 1, required: false },
];

export interface PolluxOptions extends ReadOptions {
  /**
   * Run time of a job: Pollux/Sia workloads do not record one (their simulators derive it from measured goodput
   * profiles), so the caller supplies it. Default: 0 (the record only carries arrivals and sizes).
   */
  readonly durationS?: (application: string, gpus: number, batchSize: number | undefined) => number;
  /** Queue for every job (default "default"). */
  readonly queue?: string;
}

/** Pollux/Sia workload CSV (`name,time,application,num_replicas,batch_size`). */
export function readPollux(lines: Iterable<string>, opts: PolluxOptions = {}): ReadResult<TraceJobDetail> {
  const issues: Issue[] = [];
  const records: TraceJobDetail[] = [];
  for (const { row } of csvRows(lines, POLLUX_FIELDS, issues, { file: opts.file ?? "workload", ...opts })) {
    const gpus = row["num_replicas"] as number;
    const app = row["application"] as string;
    const batch = row["batch_size"] as number | undefined;
    records.push({
      id: row["name"] as string,
      submitS: row["time"] as number,
      durationS: opts.durationS?.(app, gpus, batch) ?? 0,
      gpus,
      queue: opts.queue ?? "default",
      model: app,
    });
  }
  return { records, issues };
}

const TIRESIAS_FIELDS: readonly FieldSpec[] = [
  { name: "job_id", type: "string", required: true },
  { name: "num_gpu", type: "int", min: 0 },
  { name: "submit_time", type: "number", min: 0 },
  { name: "duration", type: "number", min: 0 },
  { name: "model_name", type: "string" },
  { name: "iterations", type: "int", min: 0, required: false },
];

/** Tiresias simulator job CSV (`job_id,num_gpu,submit_time,…,model_name,duration,…`; extra columns ignored). */
export function readTiresias(lines: Iterable<string>, opts: ReadOptions & { readonly queue?: string } = {}): ReadResult<TraceJobDetail> {
  const issues: Issue[] = [];
  const records: TraceJobDetail[] = [];
  for (const { row } of csvRows(lines, TIRESIAS_FIELDS, issues, { file: opts.file ?? "jobs", ...opts })) {
    const model = row["model_name"] as string | undefined;
    records.push({
      id: `tiresias-${row["job_id"] as string}`,
      submitS: row["submit_time"] as number,
      durationS: row["duration"] as number,
      gpus: row["num_gpu"] as number,
      queue: opts.queue ?? "default",
      ...(model !== undefined ? { model } : {}),
    });
  }
  return { records, issues };
}

const AZURE_FIELDS: readonly FieldSpec[] = [
  { name: "TIMESTAMP", type: "string", required: true },
  { name: "ContextTokens", type: "int", min: 0 },
  { name: "GeneratedTokens", type: "int", min: 0 },
];

const AZURE_TS = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** `YYYY-MM-DD HH:MM:SS[.fffffff]` (no zone; read as UTC) to milliseconds since the epoch; NaN when malformed. */
export function parseAzureTime(text: string): number {
  const m = AZURE_TS.exec(text.trim());
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return NaN;
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  return Date.UTC(y, mo - 1, d, h, mi, s) + frac;
}

/** Azure LLM inference trace (`TIMESTAMP,ContextTokens,GeneratedTokens`); arrivals relative to the first request. */
export function readAzureLlm(lines: Iterable<string>, opts: ReadOptions = {}): ReadResult<TraceRequest> {
  const issues: Issue[] = [];
  const records: TraceRequest[] = [];
  let origin = NaN;
  for (const { line, row } of csvRows(lines, AZURE_FIELDS, issues, { file: opts.file ?? "requests", ...opts })) {
    const ms = parseAzureTime(row["TIMESTAMP"] as string);
    if (Number.isNaN(ms)) {
      issues.push({
        code: "bad-value",
        path: `line ${line}.TIMESTAMP`,
        line,
        message: `expected "YYYY-MM-DD HH:MM:SS.fffffff", got "${row["TIMESTAMP"] as string}"`,
      });
      if (issues.length >= (opts.maxIssues ?? 50)) break;
      continue;
    }
    if (Number.isNaN(origin)) origin = ms;
    records.push({
      id: `req-${records.length}`,
      arrivalS: (ms - origin) / 1000,
      promptTokens: row["ContextTokens"] as number,
      outputTokens: row["GeneratedTokens"] as number,
    });
  }
  return { records, issues };
}

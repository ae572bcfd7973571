import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { InvalidInputError, checkCluster, defaultCatalog, issue, validateDocument, type Issue } from "@aidc/core";
import type { ResolvedProfile } from "@aidc/scheduler";
import {
  JOB_TRACE_FORMATS,
  isPreset,
  linesOf,
  readJobTrace,
  readPhilly,
  scenarioSetup,
  type JobTraceFormat,
  type ScenarioProfile,
  type ScenarioSetup,
  type TraceJob,
} from "@aidc/simulator";

// What `aidc sim run|compare` read and check before a replay: options, the cluster, the trace, the profile.
export const SIM_FORMATS = ["philly", "openb", "pollux", "tiresias", "aidc"] as const;
/** Output formats `--format` also accepts (then the trace format comes from --trace-format, default philly). */
export const REPORT_FORMATS = ["text", "html"] as const;

export interface SimOpts {
  trace?: string;
  format?: string;
  traceFormat?: string;
  pngDir?: string;
  cluster?: string;
  policy?: string;
  policies?: string;
  profile?: string;
  seed: string;
  json?: boolean;
  out?: string;
  nodeScale: string;
}

export function bad(path: string, message: string, code = "bad_option"): never {
  throw new InvalidInputError(message, [issue(code, path, message)]);
}

export function readText(file: string, what: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return bad(what, `cannot read ${file}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`, "unreadable");
  }
  const gz = file.endsWith(".gz") || (buf[0] === 0x1f && buf[1] === 0x8b);
  return (gz ? gunzipSync(buf) : buf).toString("utf8");
}

export function loadCluster(spec: string, nodeScale: number): ScenarioSetup {
  if (isPreset(spec)) return scenarioSetup({ preset: spec }, nodeScale);
  const r = validateDocument(readText(spec, "--cluster"), defaultCatalog());
  if (!r.document)
    throw new InvalidInputError(
      `invalid cluster file ${spec}`,
      r.issues.map((i) => ({ ...i, path: `${spec}: ${i.path}` })),
    );
  if (r.document.kind !== "Cluster")
    return bad("--cluster", `${spec} is a ${r.document.kind}, not a Cluster (or use a preset: philly, helios-philly)`);
  const m = checkCluster(r.document.value, defaultCatalog());
  if (!m.model) throw new InvalidInputError(`invalid cluster file ${spec}`, m.issues);
  return scenarioSetup({ model: m.model }, nodeScale);
}

export function loadTrace(file: string, format: string, setup: ScenarioSetup): TraceJob[] {
  const text = readText(file, "--trace");
  if (format === "philly") {
    const r = readPhilly(text, setup.traceFilter ?? {});
    if (!r.ok)
      throw new InvalidInputError(
        `malformed trace ${file}`,
        r.issues.map((i) => ({ ...i, path: `${file}: ${i.path}` })),
      );
    return r.value.jobs;
  }
  if (!(JOB_TRACE_FORMATS as readonly string[]).includes(format)) {
    return bad(
      "--format",
      `format "${format}" is not supported yet by sim run (supported: philly, ${JOB_TRACE_FORMATS.join(", ")})`,
      "unsupported_format",
    );
  }
  const r = readJobTrace(format as JobTraceFormat, linesOf(text));
  if (r.issues.length > 0)
    throw new InvalidInputError(
      `malformed trace ${file}`,
      r.issues.map((i) => ({ ...i, path: `${file}: ${i.path}` })),
    );
  const jobs = r.records.filter((j) => j.gpus > 0);
  if (jobs.length > 0 && jobs.every((j) => !(j.durationS > 0))) {
    return bad("--trace", `${file}: the ${format} trace has no job run times, so it cannot be replayed`, "no_durations");
  }
  return jobs;
}

/** The scheduler of a run: the profile file's text (overrides --policy) or a policy name. */
export function schedulerOf(opts: SimOpts, policy: string | undefined): ScenarioProfile {
  return opts.profile !== undefined ? { profile: readText(opts.profile, "--profile") } : { policy: policy ?? "fifo" };
}

export function numberOpt(text: string, name: string, min: number): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min) return bad(name, `${name} must be a number ≥ ${min}, got "${text}"`);
  return v;
}

/** --trace and --cluster are required; checked here (not by commander) so that --json gets a JSON error with both. */
export function required(opts: SimOpts): { trace: string; cluster: string } {
  const issues: Issue[] = [];
  if (opts.trace === undefined)
    issues.push(issue("missing_option", "--trace", "required: a trace file or a dataset name (e.g. --trace philly; see aidc data list)"));
  if (opts.cluster === undefined)
    issues.push(issue("missing_option", "--cluster", "required: a cluster file or a preset (philly, helios-philly)"));
  if (opts.trace === undefined || opts.cluster === undefined) throw new InvalidInputError("missing options", issues);
  return { trace: opts.trace, cluster: opts.cluster };
}

/** Quotas that no job of the trace can use: the profile's queues are not the trace's (e.g. a team profile on Philly VCs). */
export function queueWarnings(profile: ResolvedProfile, jobs: readonly TraceJob[], file: string | undefined): string[] {
  const quotaQueues = [...profile.args.quotas.keys()];
  if (quotaQueues.length === 0 || jobs.length === 0) return [];
  const traceQueues = [...new Set(jobs.map((j) => j.queue))];
  if (quotaQueues.some((q) => traceQueues.includes(q))) return [];
  const shown = traceQueues.slice(0, 8).join(", ") + (traceQueues.length > 8 ? `, … (${traceQueues.length} queues)` : "");
  return [
    `the quotas in force${file !== undefined ? ` (profile ${file})` : ""} name queue(s) ${quotaQueues.join(", ")}, ` +
      `but no job of the trace is in any of them (trace queues: ${shown}): the quotas constrain nothing`,
  ];
}

/** Below this many jobs a replay takes well under a second: no progress line. */
export const PROGRESS_MIN_JOBS = 5000;

export function traceFormatOf(opts: SimOpts, datasetFormat?: string): string {
  const known = (list: readonly string[], v: string | undefined): boolean => v !== undefined && list.includes(v);
  if (opts.traceFormat !== undefined && !known(SIM_FORMATS, opts.traceFormat))
    bad("--trace-format", `unknown trace format "${opts.traceFormat}" (known: ${SIM_FORMATS.join(", ")})`);
  if (opts.format !== undefined && !known(SIM_FORMATS, opts.format) && !known(REPORT_FORMATS, opts.format))
    bad(
      "--format",
      `unknown format "${opts.format ?? ""}" (trace formats: ${SIM_FORMATS.join(", ")}; report formats: ${REPORT_FORMATS.join(", ")})`,
    );
  if (opts.traceFormat !== undefined) return opts.traceFormat;
  return opts.format !== undefined && known(SIM_FORMATS, opts.format) ? opts.format : (datasetFormat ?? "philly");
}

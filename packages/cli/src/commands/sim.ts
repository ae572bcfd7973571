import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import { InvalidInputError, checkCluster, defaultCatalog, issue, validateDocument, type Issue } from "@aidc/core";
import { POLICIES, defaultRegistry } from "@aidc/scheduler";
import {
  JOB_TRACE_FORMATS,
  humanSummary,
  isPreset,
  jobsCsv,
  linesOf,
  readJobTrace,
  queuesCsv,
  readPhilly,
  runScenario,
  scenarioSetup,
  seriesCsv,
  type ScenarioProfile,
  type ScenarioSetup,
  type JobTraceFormat,
  type SeriesPoint,
  type SimMetrics,
  type TraceJob,
} from "@aidc/simulator";
import { printJson, printTable, type Io } from "../output.js";
import { simCompareReport, writeChartPngs } from "../report/index.js";

export const SIM_FORMATS = ["philly", "openb", "pollux", "tiresias", "aidc"] as const;
/** Output formats `--format` also accepts (then the trace format comes from --trace-format, default philly). */
export const REPORT_FORMATS = ["text", "html"] as const;

interface SimOpts {
  trace: string;
  format: string;
  traceFormat?: string;
  pngDir?: string;
  cluster: string;
  policy?: string;
  policies?: string;
  profile?: string;
  seed: string;
  json?: boolean;
  out?: string;
  nodeScale: string;
}

function bad(path: string, message: string, code = "bad_option"): never {
  throw new InvalidInputError(message, [issue(code, path, message)]);
}

function readText(file: string, what: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return bad(what, `cannot read ${file}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`, "unreadable");
  }
  return (file.endsWith(".gz") ? gunzipSync(buf) : buf).toString("utf8");
}

function loadCluster(spec: string, nodeScale: number): ScenarioSetup {
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

function loadTrace(file: string, format: string, setup: ScenarioSetup): TraceJob[] {
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
function schedulerOf(opts: SimOpts, policy: string | undefined): ScenarioProfile {
  return opts.profile !== undefined ? { profile: readText(opts.profile, "--profile") } : { policy: policy ?? "fifo" };
}

function numberOpt(text: string, name: string, min: number): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min) return bad(name, `${name} must be a number ≥ ${min}, got "${text}"`);
  return v;
}

interface RunOutput {
  readonly metrics: SimMetrics;
  readonly wallS: number;
  readonly series: readonly SeriesPoint[];
  readonly files: Record<string, string>;
}

function traceFormatOf(opts: SimOpts): string {
  const known = (list: readonly string[], v: string | undefined): boolean => v !== undefined && list.includes(v);
  if (opts.traceFormat !== undefined && !known(SIM_FORMATS, opts.traceFormat))
    bad("--trace-format", `unknown trace format "${opts.traceFormat}" (known: ${SIM_FORMATS.join(", ")})`);
  if (!known(SIM_FORMATS, opts.format) && !known(REPORT_FORMATS, opts.format))
    bad(
      "--format",
      `unknown format "${opts.format}" (trace formats: ${SIM_FORMATS.join(", ")}; report formats: ${REPORT_FORMATS.join(", ")})`,
    );
  return opts.traceFormat ?? (known(SIM_FORMATS, opts.format) ? opts.format : "philly");
}

/** The HTML report (with --format html) and the PNG charts (with --png-dir); true when the page was printed. */
function report(io: Io, opts: SimOpts, runs: readonly RunOutput[]): boolean {
  const html = opts.format === "html";
  if (!html && opts.pngDir === undefined) return false;
  const r = simCompareReport({ trace: opts.trace, cluster: opts.cluster, runs });
  if (opts.pngDir !== undefined) writeChartPngs(opts.pngDir, r.charts);
  if (html && !opts.json) io.out(r.html);
  return html && !opts.json;
}

function runOne(opts: SimOpts, policy: string | undefined): RunOutput {
  const seed = Math.trunc(numberOpt(opts.seed, "--seed", 0));
  const nodeScale = numberOpt(opts.nodeScale, "--node-scale", 0.01);
  const format = traceFormatOf(opts);
  const setup = loadCluster(opts.cluster, nodeScale);
  const scheduler = schedulerOf(opts, policy);
  const jobs = loadTrace(opts.trace, format, setup);
  const r = runScenario({
    cluster: { setup },
    scheduler,
    trace: jobs,
    seed,
    ...(opts.profile !== undefined ? { issuePath: opts.profile } : {}),
    wallMs: () => performance.now(),
  });
  if (!r.ok) {
    if (opts.profile !== undefined) throw new InvalidInputError(`invalid profile ${opts.profile}`, r.issues);
    throw new InvalidInputError(
      "unknown policy",
      r.issues.map((i) => ({ ...i, path: "--policy" })),
    );
  }
  const { metrics, result, wallS } = r.value;
  return {
    metrics,
    wallS,
    series: result.series,
    files: { "jobs.csv": jobsCsv(result.outcomes), "series.csv": seriesCsv(result.series), "queues.csv": queuesCsv(metrics) },
  };
}

function headline(m: SimMetrics, wallS: number): Record<string, unknown> {
  const { policy, jobs, avgJctS, p50JctS, p99JctS, avgQueueS, p99QueueS, makespanS, gpuUtilization, byQueue, ...rest } = m;
  return {
    policy,
    jobs,
    avgJctS,
    p50JctS,
    p99JctS,
    avgQueueS,
    p99QueueS,
    makespanS,
    gpuUtilization,
    wallS: Math.round(wallS * 1000) / 1000,
    ...rest,
    byQueue,
  };
}

function writeOut(dir: string, r: RunOutput): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "metrics.json"), `${JSON.stringify(r.metrics, null, 2)}\n`);
  for (const [name, text] of Object.entries(r.files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "summary.txt"), `${humanSummary(r.metrics)}\n`);
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption("--trace <file>", "trace file (.gz is gunzipped)")
    .option(
      "--format <name>",
      `trace format (${SIM_FORMATS.join("|")}) or report format (text|html: one standalone page with charts)`,
      "philly",
    )
    .option("--trace-format <name>", "trace format, when --format names the report format")
    .option("--png-dir <dir>", "write each chart of the report as <dir>/<chart>.png")
    .requiredOption("--cluster <file|preset>", "cluster file, or a preset: philly, helios-philly")
    .option("--profile <file>", "SchedulerProfile YAML (overrides --policy)")
    .option("--seed <n>", "seed for randomized plugins and failures", "1")
    .option("--node-scale <f>", "multiply every partition's node count (rounded up)", "1")
    .option("--json", "print one JSON document");
}

export function registerSim(program: Command, io: Io): void {
  // `aidc sim pack` (another file) may have created the group already
  const sim =
    program.commands.find((c) => c.name() === "sim") ??
    program.command("sim").description("replay cluster traces under scheduling policies (virtual time)");
  common(sim.command("run").description("replay one trace under one policy and print the metrics"))
    .option("--policy <name>", "policy name (see: aidc sim policies)", "fifo")
    .option("--out <dir>", "write metrics.json, jobs.csv, series.csv, queues.csv, summary.txt")
    .action((opts: SimOpts) => {
      const r = runOne(opts, opts.policy);
      if (opts.out !== undefined) writeOut(opts.out, r);
      if (report(io, opts, [r])) return;
      if (opts.json) printJson(io, headline(r.metrics, r.wallS));
      else {
        io.out(`${humanSummary(r.metrics)}\nwall ${r.wallS.toFixed(2)} s\n`);
        printTable(
          io,
          ["queue", "jobs", "avg JCT s", "p99 JCT s", "avg queue s", "p99 queue s", "GPU share", "entitled", "preemptions"],
          Object.entries(r.metrics.byQueue).map(([q, s]) => [
            q,
            s.jobs,
            s.avgJctS,
            s.p99JctS,
            s.avgQueueS,
            s.p99QueueS,
            s.share,
            s.entitlement,
            s.preemptions,
          ]),
        );
      }
    });
  common(sim.command("compare").description("replay one trace under several policies and print a table"))
    .requiredOption("--policies <list>", "comma-separated policy names")
    .action((opts: SimOpts) => {
      const names = (opts.policies ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      const unknown: Issue[] = names
        .filter((n) => !POLICIES.some((p) => p.name === n))
        .map((n) => issue("unknown_policy", "--policies", `unknown policy "${n}"`));
      if (names.length === 0 || unknown.length > 0)
        throw new InvalidInputError(
          "bad --policies",
          unknown.length ? unknown : [issue("bad_option", "--policies", "needs at least one policy")],
        );
      const runs = names.map((n) => runOne({ ...opts, profile: undefined } as SimOpts, n));
      if (report(io, opts, runs)) return;
      if (opts.json) printJson(io, { runs: runs.map((r) => headline(r.metrics, r.wallS)) });
      else {
        printTable(
          io,
          [
            "policy",
            "jobs",
            "avg JCT s",
            "p50 JCT s",
            "p99 JCT s",
            "avg queue s",
            "p99 queue s",
            "makespan s",
            "GPU util",
            "preemptions",
            "wall s",
          ],
          runs.map(({ metrics: m, wallS }) => [
            m.policy,
            m.jobs,
            m.avgJctS,
            m.p50JctS,
            m.p99JctS,
            m.avgQueueS,
            m.p99QueueS,
            m.makespanS,
            m.gpuUtilization,
            m.preemptions,
            Number(wallS.toFixed(3)),
          ]),
        );
      }
    });
  sim
    .command("policies")
    .description("list the scheduling policies and placement plugins")
    .option("--json", "print one JSON document")
    .action((opts: { json?: boolean }) => {
      const placements = [...defaultRegistry().place.values()].map((p) => ({ name: p.name, description: p.description }));
      const policies = POLICIES.map((p) => ({ ...p }));
      if (opts.json) printJson(io, { policies, placements });
      else {
        printTable(
          io,
          ["policy", "queue-sort", "placement", "strict", "backfill", "preemption", "description"],
          policies.map((p) => [p.name, p.queueSort, p.placement, String(p.strict), p.backfill, p.preemption, p.description]),
        );
        printTable(
          io,
          ["placement", "description"],
          placements.map((p) => [p.name, p.description]),
        );
      }
    });
}

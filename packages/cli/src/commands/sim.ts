import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import { InvalidInputError, issue, type Issue } from "@aidc/core";
import { POLICIES, defaultRegistry } from "@aidc/scheduler";
import { humanSummary, jobsCsv, queuesCsv, runScenario, seriesCsv, type SeriesPoint, type SimMetrics } from "@aidc/simulator";
import { resolveDataArg } from "../data/cache.js";
import { paint, printJson, printTable, type Io } from "../output.js";
import { startProgress } from "../progress.js";
import { count, duration, percent } from "../report/format.js";
import { simCompareReport, writeChartPngs } from "../report/index.js";
import {
  PROGRESS_MIN_JOBS,
  SIM_FORMATS,
  loadCluster,
  loadTrace,
  numberOpt,
  queueWarnings,
  required,
  schedulerOf,
  traceFormatOf,
  type SimOpts,
} from "./sim-input.js";

export { REPORT_FORMATS, SIM_FORMATS } from "./sim-input.js";

interface RunOutput {
  readonly metrics: SimMetrics;
  /** Said on stderr, and in --json as `warnings`. */
  readonly warnings: readonly string[];
  readonly wallS: number;
  readonly series: readonly SeriesPoint[];
  readonly files: Record<string, string>;
}

/** The HTML report (with --format html) and the PNG charts (with --png-dir); true when the page was printed. */
function report(io: Io, opts: SimOpts, runs: readonly RunOutput[]): boolean {
  const html = opts.format === "html";
  if (!html && opts.pngDir === undefined) return false;
  const r = simCompareReport({ trace: opts.trace ?? "", cluster: opts.cluster ?? "", runs });
  if (opts.pngDir !== undefined) writeChartPngs(opts.pngDir, r.charts);
  if (html && !opts.json) io.out(r.html);
  return html && !opts.json;
}

function runOne(io: Io, opts: SimOpts, policy: string | undefined): RunOutput {
  const { trace, cluster } = required(opts);
  const seed = Math.trunc(numberOpt(opts.seed, "--seed", 0));
  const nodeScale = numberOpt(opts.nodeScale, "--node-scale", 0.01);
  const traceFile = resolveDataArg(trace, "--trace");
  const format = traceFormatOf(opts, traceFile.ref?.use?.traceFormat);
  const setup = loadCluster(cluster, nodeScale);
  const scheduler = schedulerOf(opts, policy);
  const jobs = loadTrace(traceFile.path, format, setup);
  const lastSubmitS = jobs.reduce((m, j) => Math.max(m, j.submitS), 0);
  const firstSubmitS = jobs.reduce((m, j) => Math.min(m, j.submitS), lastSubmitS);
  const progress =
    jobs.length >= PROGRESS_MIN_JOBS
      ? startProgress(io, `replay ${opts.profile ?? policy ?? "fifo"} (virtual days)`, (lastSubmitS - firstSubmitS) / 86400, {
          format: (d) => d.toFixed(1),
        })
      : undefined;
  const r = runScenario({
    cluster: { setup },
    scheduler,
    trace: jobs,
    seed,
    ...(opts.profile !== undefined ? { issuePath: opts.profile } : {}),
    wallMs: () => performance.now(),
    ...(progress !== undefined ? { sim: { observe: (_state, nowS) => progress.set((nowS - firstSubmitS) / 86400) } } : {}),
  });
  progress?.done();
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
    warnings: queueWarnings(r.value.profile, jobs, opts.profile),
    series: result.series,
    files: { "jobs.csv": jobsCsv(result.outcomes), "series.csv": seriesCsv(result.series), "queues.csv": queuesCsv(metrics) },
  };
}

function warn(io: Io, warnings: readonly string[]): void {
  for (const w of warnings) io.err(`${paint(io, "yellow", "warning")}: ${w}\n`);
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
    .option("--trace <file|dataset>", "trace file (.gz is gunzipped) or a dataset name: philly, openb, tiresias, … (aidc data list)")
    .option(
      "--format <name>",
      `trace format (${SIM_FORMATS.join("|")}; default: the dataset's, else philly) or report format (text|html: one standalone page with charts)`,
    )
    .option("--trace-format <name>", "trace format, when --format names the report format")
    .option("--png-dir <dir>", "write each chart of the report as <dir>/<chart>.png")
    .option("--cluster <file|preset>", "cluster file, or a preset: philly, helios-philly (required)")
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
      const r = runOne({ ...io, json: opts.json === true }, opts, opts.policy);
      if (opts.out !== undefined) writeOut(opts.out, r);
      if (report(io, opts, [r])) return;
      if (opts.json) printJson(io, { ...headline(r.metrics, r.wallS), warnings: r.warnings });
      else {
        warn(io, r.warnings);
        io.out(`${humanSummary(r.metrics)}\nwall ${duration(r.wallS)}\n`);
        printTable(
          io,
          ["queue", "jobs", "avg JCT", "p99 JCT", "avg queue", "p99 queue", "GPU share", "entitled", "preemptions"],
          Object.entries(r.metrics.byQueue).map(([q, s]) => [
            q,
            count(s.jobs),
            duration(s.avgJctS),
            duration(s.p99JctS),
            duration(s.avgQueueS),
            duration(s.p99QueueS),
            percent(s.share),
            s.entitlement === undefined ? undefined : percent(s.entitlement),
            count(s.preemptions),
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
      const runs = names.map((n) => runOne({ ...io, json: opts.json === true }, { ...opts, profile: undefined } as SimOpts, n));
      const warnings = [...new Set(runs.flatMap((r) => r.warnings))];
      if (report(io, opts, runs)) return;
      if (opts.json) printJson(io, { runs: runs.map((r) => headline(r.metrics, r.wallS)), warnings });
      else {
        warn(io, warnings);
        printTable(
          io,
          ["policy", "jobs", "avg JCT", "p50 JCT", "p99 JCT", "avg queue", "p99 queue", "makespan", "GPU util", "preemptions", "wall"],
          runs.map(({ metrics: m, wallS }) => [
            m.policy,
            count(m.jobs),
            duration(m.avgJctS),
            duration(m.p50JctS),
            duration(m.p99JctS),
            duration(m.avgQueueS),
            duration(m.p99QueueS),
            duration(m.makespanS),
            percent(m.gpuUtilization),
            count(m.preemptions),
            duration(wallS),
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

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { defaultCatalog, formatIssue, type Issue } from "@aidc/core";
import {
  crossValidate,
  groupsFor,
  parseConventions,
  planDatacenter,
  planInference,
  planTraining,
  prepareChecks,
  requestMix,
  scoreChecks,
  type ConventionsTable,
  type CvReport,
  type ValidationEntry,
} from "@aidc/planner";
import { paint, printJson, printTable, type Io } from "../output.js";
import { readAzureTrace, readDocument, readScenario } from "./plan-io.js";
import { datacenterMarkdown, datacenterText, renderInference, renderTraining } from "./plan-render.js";
import { datacenterReport, writeChartPngs } from "../report/index.js";
import { label, percent } from "../report/format.js";
import { startProgress } from "../progress.js";

type SetExit = (code: number) => void;

function reportIssues(io: Io, file: string, issues: readonly Issue[], json: boolean | undefined, setExit: SetExit): void {
  // the CLI's one JSON error shape (as main.ts prints for every other error)
  if (json) printJson(io, { error: { code: "INVALID_INPUT", message: `${file}: ${issues.length} problem(s)`, file, issues } });
  else for (const i of issues) io.err(`${file}: ${paint(io, "red", formatIssue(i))}\n`);
  setExit(2);
}

export function registerPlan(program: Command, io: Io, setExit: SetExit): void {
  const plan = program.command("plan").description("plan training runs, inference capacity and data centers from scenario files");

  plan
    .command("train")
    .description("estimate a TrainingScenario (step time, MFU, memory, time/GPU-hours/energy/cost); --search ranks parallel configurations")
    .argument("<scenario>")
    .option("--search", "search TP x PP x DP x CP x EP x micro-batch x recompute x ZeRO x SP")
    .option("--json", "print the plan as one JSON document")
    .action((file: string, opts: { search?: boolean; json?: boolean }) => {
      const r = readScenario(file, "TrainingScenario");
      if (r.scenario?.kind !== "TrainingScenario") return reportIssues(io, file, r.issues, opts.json, setExit);
      const out = planTraining(r.scenario.value, defaultCatalog(), opts.search ? { search: true } : {});
      if (!out.plan) return reportIssues(io, file, r.withLines(out.issues), opts.json, setExit);
      if (opts.json) printJson(io, out.plan);
      else renderTraining(io, out.plan);
    });

  plan
    .command("infer")
    .description("size inference for an InferenceScenario: TTFT, inter-token latency, throughput, KV cache, replicas for a rate and SLO")
    .argument("<scenario>")
    .option("--trace <file>", "Azure LLM inference trace (.csv or .csv.gz): use its prompt/output lengths and arrival rate")
    .option("--json", "print the plan as one JSON document")
    .action((file: string, opts: { trace?: string; json?: boolean }) => {
      const r = readScenario(file, "InferenceScenario");
      if (r.scenario?.kind !== "InferenceScenario") return reportIssues(io, file, r.issues, opts.json, setExit);
      let mix;
      if (opts.trace !== undefined) {
        const trace = readAzureTrace(opts.trace);
        if (trace.issues.length > 0) return reportIssues(io, opts.trace, trace.issues, opts.json, setExit);
        mix = requestMix(trace.rows);
        if (!mix)
          return reportIssues(
            io,
            opts.trace,
            [{ code: "empty", path: "(file)", message: "the trace has fewer than 2 requests" }],
            opts.json,
            setExit,
          );
      }
      const out = planInference(r.scenario.value, defaultCatalog(), mix);
      if (!out.plan) return reportIssues(io, file, r.withLines(out.issues), opts.json, setExit);
      if (opts.json) printJson(io, { ...out.plan, ...(mix ? { requestMix: mix } : {}) });
      else {
        if (mix)
          io.out(
            `trace: ${mix.requestsPerS.toFixed(2)} req/s, mean prompt ${mix.inputTokens.toFixed(0)}, mean output ${mix.outputTokens.toFixed(0)} tokens\n`,
          );
        renderInference(io, out.plan);
      }
    });

  plan
    .command("datacenter")
    .description("size a DatacenterScenario: nodes, racks, network, storage, power, capex/opex/TCO and sites")
    .argument("<scenario>")
    .option("--json", "print the plan as one JSON document")
    .option("--format <format>", "text | markdown | html (a standalone page with SVG charts)", "text")
    .option("--png-dir <dir>", "also write each chart of the report as <dir>/<chart>.png")
    .action((file: string, opts: { json?: boolean; format: string; pngDir?: string }) => {
      if (!["text", "markdown", "html"].includes(opts.format))
        return reportIssues(
          io,
          "plan datacenter",
          [{ code: "bad_option", path: "--format", message: `unknown format "${opts.format}" (text, markdown, html)` }],
          opts.json,
          setExit,
        );
      const r = readScenario(file, "DatacenterScenario");
      if (r.scenario?.kind !== "DatacenterScenario") return reportIssues(io, file, r.issues, opts.json, setExit);
      const out = planDatacenter(r.scenario.value, defaultCatalog());
      if (!out.plan) return reportIssues(io, file, r.withLines(out.issues), opts.json, setExit);
      const report = opts.format === "html" || opts.pngDir !== undefined ? datacenterReport(out.plan) : undefined;
      if (report && opts.pngDir !== undefined) writeChartPngs(opts.pngDir, report.charts);
      if (opts.json) printJson(io, out.plan);
      else if (report && opts.format === "html") io.out(report.html);
      else if (opts.format === "markdown") io.out(`${datacenterMarkdown(out.plan)}\n`);
      else io.out(`${datacenterText(out.plan)}\n`);
    });

  plan
    .command("check")
    .description(
      "predict every measured key of a planner-validation file and report the errors per kind; --cv adds the error with " +
        "factors fitted on every entry and the leave-one-source-out cross-validated error",
    )
    .argument("<file>")
    .option(
      "--conventions <file>",
      "per-source conventions (PlannerConventions YAML); default: planner-conventions.yaml beside <file>, else the repository's examples/data copy",
    )
    .option(
      "--cv",
      "choose per group the factor to fit by inner leave-one-source-out cross-validation, fit it within its range (on all entries, and inside every held-out-source fold) and report default, fitted and cross-validated errors",
    )
    .option("--fit <factors>", "with --cv: fit these comma-separated factors instead of choosing (names as in `assumptions:`)")
    .option(
      "--json",
      'print {"entries":[{"id","kind","predicted","measured","errorPct","fits"?}],"summary":{"byKind":{kind:{"n","predicted",' +
        '"medianAbsErrorPct","meanAbsErrorPct"}},"coverage","notFitting":[id]},"conventions":file|null}; with --cv also "cv":' +
        '{"selection":"inner-cv"|"fixed","choices"?:[{"group","factor","innerLoss"}],"factors","defaults","fitted","byKind":{kind:{"n","predicted","defaultMedianPct","fittedMedianPct","cvMedianPct",' +
        '"defaultMeanPct","fittedMeanPct","cvMeanPct"}},"coverage":{"default","fitted","cv"},"folds":[{"source","entries",' +
        '"trainedOn","fitted","chosen"?}]} (errors in percent of the measured value)',
    )
    .action((file: string, opts: { json?: boolean; cv?: boolean; fit?: string; conventions?: string }) => {
      const chosen = opts.fit !== undefined ? groupsFor(opts.fit.split(",").map((f) => f.trim())) : undefined;
      if (chosen && (chosen.unknown.length > 0 || chosen.groups.length === 0))
        return reportIssues(
          io,
          "plan check",
          [{ code: "bad_option", path: "--fit", message: `unknown factor(s): ${chosen.unknown.join(", ") || "(none given)"}` }],
          opts.json,
          setExit,
        );
      const doc = readDocument(file);
      const entries = (doc.data as { entries?: unknown } | undefined)?.entries;
      if (doc.data === undefined || !Array.isArray(entries)) {
        const issues =
          doc.issues.length > 0 ? doc.issues : [{ code: "invalid_value", path: "entries", message: "expected a list of entries" }];
        return reportIssues(io, file, issues, opts.json, setExit);
      }
      const conventionsFile = opts.conventions ?? defaultConventionsFile(file);
      let conventions: ConventionsTable | undefined;
      if (conventionsFile !== undefined) {
        const c = readDocument(conventionsFile);
        const parsed = c.data === undefined ? { issues: c.issues } : parseConventions(c.data);
        if (!parsed.table) return reportIssues(io, conventionsFile, parsed.issues, opts.json, setExit);
        conventions = parsed.table;
      }
      const progress = startProgress(opts.json ? { ...io, json: true } : io, "plan check", entries.length);
      const cases = prepareChecks(entries as ValidationEntry[], defaultCatalog(), { conventions, onEntry: (done) => progress.set(done) });
      progress.done();
      const report = scoreChecks(cases);
      const cv = opts.cv ? crossValidate(cases, chosen?.groups) : undefined;
      if (opts.json) return printJson(io, { ...report, conventions: conventionsFile ?? null, ...(cv ? { cv } : {}) });
      const pctOrDash = (x: number | null | undefined): string => (x === null || x === undefined ? "—" : percent(x / 100));
      if (cv) {
        printTable(
          io,
          ["kind", "keys", "predicted", "median default", "median fitted", "median CV", "mean default", "mean fitted", "mean CV"],
          Object.entries(cv.byKind).map(([k, v]) => [
            label(k.replace(/_/g, " ")),
            v.n,
            v.predicted,
            pctOrDash(v.defaultMedianPct),
            pctOrDash(v.fittedMedianPct),
            pctOrDash(v.cvMedianPct),
            pctOrDash(v.defaultMeanPct),
            pctOrDash(v.fittedMeanPct),
            pctOrDash(v.cvMeanPct),
          ]),
        );
        for (const line of cvSummary(cv)) io.out(`${line}\n`);
      } else
        printTable(
          io,
          ["kind", "keys", "predicted", "median |error|", "mean |error|"],
          Object.entries(report.summary.byKind).map(([k, v]) => [
            label(k.replace(/_/g, " ")),
            v.n,
            v.predicted,
            pctOrDash(v.medianAbsErrorPct),
            pctOrDash(v.meanAbsErrorPct),
          ]),
        );
      io.out(`coverage: ${percent(report.summary.coverage)} of numeric measured keys\n`);
      const nf = report.summary.notFitting;
      if (nf.length > 0) io.out(`does not fit (predicted as stated anyway): ${nf.length} entries (${nf.join(", ")})\n`);
      io.out(`conventions: ${conventionsFile ?? "none (every source gets the defaults)"}\n`);
    });
}

/** What was fitted and how the folds chose, below the --cv table. */
export function cvSummary(cv: CvReport): string[] {
  const fitted = cv.factors.map((f) => `${f} ${cv.defaults[f]} → ${cv.fitted[f]}`).join(", ");
  const lines = [`fitted on all entries: ${fitted === "" ? "nothing (every group kept its defaults)" : fitted}`];
  if (cv.selection === "inner-cv") {
    for (const c of cv.choices ?? []) {
      const loss = Object.entries(c.innerLoss)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(", ");
      lines.push(`  ${c.group}: chose ${c.factor ?? "the defaults"} by inner leave-one-source-out loss (${loss})`);
    }
    const tally = new Map<string, number>();
    for (const f of cv.folds)
      for (const [g, factor] of Object.entries(f.chosen ?? {})) {
        const key = `${g}: ${factor ?? "defaults"}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
    lines.push(
      `cross-validation: ${cv.folds.length} folds, one per source; each fold chose its factors by an inner leave-one-source-out loop on the other sources, fitted them there and predicted the held-out one`,
      `  folds chose: ${[...tally].map(([k, n]) => `${k} ×${n}`).join(", ")}`,
    );
  } else
    lines.push(`cross-validation: ${cv.folds.length} folds, one per source (fitted on the other sources, predicting the held-out one)`);
  return lines;
}

/** The conventions file beside the validation file, else the repository's committed copy, else none. */
function defaultConventionsFile(file: string): string | undefined {
  const beside = join(dirname(file), "planner-conventions.yaml");
  if (existsSync(beside)) return beside;
  const repo = fileURLToPath(new URL("../../../../examples/data/planner-conventions.yaml", import.meta.url));
  return existsSync(repo) ? repo : undefined;
}

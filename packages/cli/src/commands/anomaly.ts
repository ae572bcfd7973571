import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { InvalidInputError, issue } from "@aidc/core";
import {
  DEFAULT_DETECTOR,
  DETECTORS,
  DETECTOR_NAMES,
  FROZEN_THRESHOLDS,
  evaluate,
  isDetectorName,
  loadNabFolder,
  parseNabCsv,
  runDetector,
  type EvalResult,
} from "@aidc/observability";
import { resolveDataArg } from "../data/cache.js";
import { printJson, printTable, type Io } from "../output.js";

interface EvalOptions {
  data: string;
  detector: string;
  tune?: boolean;
  json?: boolean;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The documented --json shape, exactly: no extra keys. */
function toJson(r: EvalResult): unknown {
  return {
    files: r.files.map((f) => ({ file: f.file, nabStandard: f.nabStandard, precision: f.precision, recall: f.recall, f1: f.f1 })),
    overall: r.overall,
  };
}

function runEval(io: Io, opts: EvalOptions): void {
  if (!isDetectorName(opts.detector)) {
    throw new InvalidInputError("unknown detector", [
      issue("invalid_value", "--detector", `unknown detector "${opts.detector}"; use one of ${DETECTOR_NAMES.join(", ")}`),
    ]);
  }
  const folder = resolveDataArg(opts.data, "--data").path;
  const { series, issues } = loadNabFolder(folder);
  if (issues.length > 0) throw new InvalidInputError(`cannot read ${folder}`, issues);
  const frozen = opts.tune ? undefined : FROZEN_THRESHOLDS[opts.detector];
  const result = evaluate(series, DETECTORS[opts.detector], frozen);
  const how =
    result.thresholdMode === "tuned"
      ? "one threshold per profile tuned over this whole folder (NAB's optimisation; never per file)"
      : "frozen thresholds (tuned once on the 30-series NAB subset of `aidc data fetch nab`; labels here are only used for scoring)";
  if (opts.json) {
    printJson(io, toJson(result));
    io.err(`detector ${opts.detector}; ${how}: ${JSON.stringify(result.thresholds)}\n`);
    return;
  }
  printTable(
    io,
    ["FILE", "WINDOWS", "DETECTED", "FP ROWS", "NAB STD", "PRECISION", "RECALL", "F1"],
    result.files.map((f) => [f.file, f.windows, f.tp, f.fpRows, r1(f.nabStandard), r3(f.precision), r3(f.recall), r3(f.f1)]),
  );
  const o = result.overall;
  io.out(
    `\noverall (${series.length} files, detector ${opts.detector}): NAB standard ${r1(o.nabStandard)}, low FP ${r1(o.nabLowFp)}, ` +
      `low FN ${r1(o.nabLowFn)}; window precision ${r3(o.precision)}, recall ${r3(o.recall)}, F1 ${r3(o.f1)}\n`,
  );
  io.out(`thresholds: ${how}: ${JSON.stringify(result.thresholds)}\n`);
  io.out(`(per-file NAB scores of files without windows: 100 minus the cost of their false positives)\n`);
}

interface DetectOptions {
  file: string;
  detector: string;
  threshold?: string;
  json?: boolean;
}

/** Score one `timestamp,value` CSV and list the samples at or above the threshold (alarms). */
function runDetect(io: Io, opts: DetectOptions): void {
  if (!isDetectorName(opts.detector)) {
    throw new InvalidInputError("unknown detector", [
      issue("invalid_value", "--detector", `unknown detector "${opts.detector}"; use one of ${DETECTOR_NAMES.join(", ")}`),
    ]);
  }
  const threshold = opts.threshold === undefined ? FROZEN_THRESHOLDS[opts.detector].standard : Number(opts.threshold);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new InvalidInputError("bad threshold", [issue("invalid_value", "--threshold", "must be a number between 0 and 1")]);
  }
  const file = resolveDataArg(opts.file, "--file").path;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InvalidInputError(`cannot read ${opts.file}`, [issue("unreadable", opts.file, (e as Error).message)]);
  }
  const parsed = parseNabCsv(text);
  if (parsed.series === undefined)
    throw new InvalidInputError(`cannot read ${opts.file}`, [issue("invalid_csv", opts.file, parsed.error ?? "")]);
  const s = parsed.series;
  const scores = runDetector(DETECTORS[opts.detector], s);
  const alarms = Array.from(scores.keys())
    .filter((i) => (scores[i] ?? 0) >= threshold)
    .map((i) => ({ row: i, timestamp: s.timestamps[i] ?? "", value: s.values[i] ?? 0, score: scores[i] ?? 0 }));
  if (opts.json) {
    printJson(io, { file: opts.file, detector: opts.detector, threshold, rows: s.values.length, alarms });
    return;
  }
  printTable(
    io,
    ["ROW", "TIMESTAMP", "VALUE", "SCORE"],
    alarms.map((a) => [a.row, a.timestamp, a.value, r3(a.score)]),
  );
  io.out(`${alarms.length} alarm(s) in ${s.values.length} rows (detector ${opts.detector}, threshold ${r3(threshold)})\n`);
}

export function registerAnomaly(program: Command, io: Io): void {
  const anomaly = program.command("anomaly").description("streaming anomaly detection on metric series");
  anomaly
    .command("eval")
    .description("score a detector on a labeled NAB-style folder (<category>/<file>.csv + combined_windows.json)")
    .requiredOption("--data <folder|dataset>", "folder laid out like NAB's data, or nab (aidc data fetch nab)")
    .option("--detector <name>", `one of ${DETECTOR_NAMES.join(", ")}`, DEFAULT_DETECTOR)
    .option("--tune", "tune one threshold per profile over this folder (as NAB does) instead of the frozen ones")
    .option("--json", 'print {"files":[{"file","nabStandard","precision","recall","f1"}],"overall":{...}}')
    .action((opts: EvalOptions) => runEval(io, opts));
  anomaly
    .command("detect")
    .description("run a detector over one timestamp,value CSV (one point at a time) and list its alarms")
    .requiredOption("--file <csv|dataset/file>", "a CSV with a timestamp,value header (or e.g. nab/realKnownCause/nyc_taxi)")
    .option("--detector <name>", `one of ${DETECTOR_NAMES.join(", ")}`, DEFAULT_DETECTOR)
    .option("--threshold <score>", "alarm at or above this score (default: the detector's frozen NAB standard threshold)")
    .option("--json", 'print {"file","detector","threshold","rows","alarms":[{"row","timestamp","value","score"}]}')
    .action((opts: DetectOptions) => runDetect(io, opts));
}

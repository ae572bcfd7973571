// Calibration and leave-one-source-out cross-validation of the planner's fitted factors on planner-validation.yaml
// (with the committed per-source conventions). Entries are prepared once; each candidate only re-evaluates the
// estimates (validation/calibrate.ts); each group's factor is chosen by inner leave-one-source-out CV, inside every
// outer fold (validation/select.ts). Prints one JSON document: timings, the choices, the factors' defaults and fitted values,
// per-kind median/mean |error| with the defaults, fitted on all, and cross-validated, and the folds.
// Run after `npx tsc -b`:  node bench/planner-calibrate.mjs [validation.yaml] [conventions.yaml]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { defaultCatalog } from "../packages/core/dist/index.js";
import { crossValidate, parseConventions, prepareChecks, scoreChecks } from "../packages/planner/dist/index.js";

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url));
const file = process.argv[2] ?? here("../examples/data/planner-validation.yaml");
const conventionsFile = process.argv[3] ?? here("../examples/data/planner-conventions.yaml");
const { table: conventions, issues } = parseConventions(parse(readFileSync(conventionsFile, "utf8")));
if (!conventions) throw new Error(`${conventionsFile}: ${JSON.stringify(issues)}`);
const entries = parse(readFileSync(file, "utf8")).entries;

let t = performance.now();
const cases = prepareChecks(entries, defaultCatalog(), { conventions });
const prepareMs = performance.now() - t;
t = performance.now();
const report = scoreChecks(cases);
const scoreMs = performance.now() - t;
t = performance.now();
const cv = crossValidate(cases);
const cvMs = performance.now() - t;
const round = (x) => Math.round(x);
console.log(
  JSON.stringify(
    {
      bench: "planner-calibrate",
      entries: entries.length,
      prepareMs: round(prepareMs),
      scoreMs: round(scoreMs),
      cvMs: round(cvMs),
      coverage: cv.coverage,
      notFitting: report.summary.notFitting,
      defaults: cv.defaults,
      fitted: cv.fitted,
      byKind: cv.byKind,
      selection: cv.selection,
      choices: cv.choices,
      folds: cv.folds.map((f) => ({ source: f.source, entries: f.entries, chosen: f.chosen, fitted: f.fitted })),
    },
    null,
    2,
  ),
);

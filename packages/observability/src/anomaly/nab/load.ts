import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { issue, type Issue } from "@aidc/core";
import { parseNabCsv, windowsToRows, type LabeledSeries } from "./corpus.js";

const WINDOW_FILES = ["combined_windows.json", "labels/combined_windows.json"];

/**
 * Read a folder laid out like NAB's data: `<category>/<file>.csv` plus `combined_windows.json`
 * (at the top or under `labels/`) keyed by `<category>/<file>.csv`. Files are returned sorted by key.
 * Problems with the folder are returned as issues (bad input), never thrown.
 */
export function loadNabFolder(dir: string): { series: LabeledSeries[]; issues: Issue[] } {
  const issues: Issue[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    return { series: [], issues: [issue("not_found", "--data", `no such folder: ${dir}`)] };
  const labelsPath = WINDOW_FILES.map((f) => join(dir, f)).find((p) => existsSync(p));
  if (labelsPath === undefined)
    return { series: [], issues: [issue("not_found", "--data", `no combined_windows.json in ${dir} (or its labels/ folder)`)] };
  let labels: Record<string, [string, string][]>;
  try {
    labels = JSON.parse(readFileSync(labelsPath, "utf8")) as Record<string, [string, string][]>;
  } catch (e) {
    return { series: [], issues: [issue("syntax", labelsPath, `invalid JSON: ${(e as Error).message}`)] };
  }
  const keys: string[] = [];
  for (const category of readdirSync(dir).sort()) {
    const sub = join(dir, category);
    if (!statSync(sub).isDirectory()) continue;
    for (const f of readdirSync(sub).sort()) if (f.endsWith(".csv")) keys.push(`${category}/${f}`);
  }
  const series: LabeledSeries[] = [];
  for (const key of keys.sort()) {
    const parsed = parseNabCsv(readFileSync(join(dir, key), "utf8"));
    if (parsed.series === undefined) {
      issues.push(issue("invalid_csv", key, parsed.error ?? "unreadable"));
      continue;
    }
    const raw = labels[key];
    if (raw === undefined) {
      issues.push(issue("missing_labels", key, `no entry in ${labelsPath}`));
      continue;
    }
    const w = windowsToRows(parsed.series.timestamps, raw);
    if (w.error !== undefined) {
      issues.push(issue("invalid_window", key, w.error));
      continue;
    }
    series.push({ file: key, ...parsed.series, windows: w.windows });
  }
  if (series.length === 0 && issues.length === 0) issues.push(issue("empty", "--data", `no <category>/<file>.csv files in ${dir}`));
  return { series, issues };
}

import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { InvalidInputError, formatIssue, issue, type Issue } from "@aidc/core";
import {
  AlertEvaluator,
  parseAlertRules,
  parseSampleLines,
  toPrometheusRulesYaml,
  type AlertRules,
  type Notification,
  type Sample,
} from "@aidc/observability";
import { paint, printJson, printTable, type Io } from "../output.js";

function readRules(file: string): { rules?: AlertRules; issues: Issue[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const msg = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    return { issues: [issue("unreadable", "(file)", msg)] };
  }
  return parseAlertRules(text);
}

/** Samples in the agent's format (one a line; old agent lines with a `samples` array too), grouped by time. */
function readSamples(file: string): { byTime: Map<number, Sample[]>; issues: Issue[] } {
  const byTime = new Map<number, Sample[]>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return { byTime, issues: [issue("unreadable", file, (e as Error).message)] };
  }
  const { samples, issues } = parseSampleLines(text, file);
  for (const s of samples) {
    const list = byTime.get(s.timeMs) ?? [];
    list.push({ metric: s.metric, labels: s.labels, value: s.value });
    byTime.set(s.timeMs, list);
  }
  return { byTime, issues };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, "Z");

function replay(io: Io, rulesFile: string, opts: { samples: string; json?: boolean }): void {
  const r = readRules(rulesFile);
  if (r.rules === undefined)
    throw new InvalidInputError(
      `invalid alert rules in ${rulesFile}`,
      r.issues.map((i) => ({ ...i, path: `${rulesFile}: ${i.path}` })),
    );
  const { byTime, issues } = readSamples(opts.samples);
  if (issues.length > 0) throw new InvalidInputError(`invalid samples in ${opts.samples}`, issues);
  // every recorded sample is evaluated, also one off its group's interval grid
  const ev = new AlertEvaluator(r.rules, { everyCall: true });
  const notes: Notification[] = [];
  for (const t of [...byTime.keys()].sort((a, b) => a - b)) notes.push(...ev.evaluate(t, byTime.get(t) ?? []).notifications);
  const rows = notes.map((n) => ({
    timeMs: n.atMs,
    time: iso(n.atMs),
    kind: n.kind,
    alert: n.alert.alertname,
    severity: n.alert.severity,
    labels: n.alert.labels,
    value: n.alert.value,
  }));
  if (opts.json) {
    printJson(io, { notifications: rows, alerts: ev.alerts() });
    return;
  }
  printTable(
    io,
    ["TIME", "NOTIFICATION", "ALERT", "SEVERITY", "LABELS", "VALUE"],
    rows.map((x) => [
      x.time,
      x.kind,
      x.alert,
      x.severity,
      Object.entries(x.labels)
        .filter(([k]) => k !== "alertname" && k !== "severity")
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
      x.value,
    ]),
  );
}

export function registerAlerts(program: Command, io: Io, setExit: (code: number) => void): void {
  const alerts = program.command("alerts").description("alert rules (kind AlertRules): validate, export to Prometheus");
  alerts
    .command("validate")
    .description("check AlertRules files: every problem with its path and line; exit 2 if any")
    .argument("<files...>")
    .option("--json", 'print {"files":[{"file","ok","rules","issues":[{"code","path","message","line"}]}]}')
    .action((files: string[], opts: { json?: boolean }) => {
      const results = files.map((file) => {
        const r = readRules(file);
        const count = r.rules?.groups.reduce((s, g) => s + g.rules.length, 0) ?? 0;
        return { file, ok: r.rules !== undefined, rules: count, issues: r.issues };
      });
      if (opts.json) printJson(io, { files: results });
      else
        for (const r of results) {
          if (r.ok) io.out(`${r.file}: ${paint(io, "green", "ok")} AlertRules (${r.rules} rule(s))\n`);
          else for (const i of r.issues) io.err(`${r.file}: ${paint(io, "red", formatIssue(i))}\n`);
        }
      if (results.some((r) => !r.ok)) setExit(2);
    });
  alerts
    .command("replay")
    .description("evaluate rules over recorded samples (JSON lines) and print the notifications they would send")
    .argument("<rules>")
    .requiredOption(
      "--samples <file>",
      'JSON lines as aidc agent --json writes them: {"timeMs","metric","labels","value"} (old agent lines with "samples" too); every distinct timeMs is evaluated, in order',
    )
    .option("--json", 'print {"notifications":[{"timeMs","time","kind","alert","severity","labels","value"}],"alerts":[...]}')
    .action((rules: string, opts: { samples: string; json?: boolean }) => replay(io, rules, opts));
  alerts
    .command("export")
    .description("print the rules as Prometheus alerting rules (rule_files YAML for promtool / Prometheus)")
    .argument("<file>")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action((file: string, opts: { output?: string }) => {
      const r = readRules(file);
      if (r.rules === undefined)
        throw new InvalidInputError(
          `invalid alert rules in ${file}`,
          r.issues.map((i) => ({ ...i, path: `${file}: ${i.path}` })),
        );
      const text = toPrometheusRulesYaml(r.rules);
      if (opts.output !== undefined) writeFileSync(opts.output, text);
      else io.out(text);
    });
}

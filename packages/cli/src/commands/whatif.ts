import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { InvalidInputError, defaultCatalog, type Issue } from "@aidc/core";
import { connection, requestJson, type ConnectionFlags } from "../client/http.js";
import { printJson, printTable, type Io } from "../output.js";

interface Summary {
  pending: number;
  meanDelayS: number;
  p50DelayS: number;
  p90DelayS: number;
  maxDelayS: number;
  utilizationNext1h: number;
  utilizationNext6h: number;
  neverStart: number;
}
interface JobDelta {
  id: string;
  name?: string;
  queue: string;
  beforeStartMs?: number;
  afterStartMs?: number;
  deltaS?: number;
}
export interface WhatIfAnswer {
  before: Summary;
  after: Summary;
  jobs: JobDelta[];
  gainers: JobDelta[];
  losers: JobDelta[];
  computedMs: number;
}

interface WhatIfFlags extends ConnectionFlags {
  addNodes?: string[];
  rack?: string;
  partition?: string;
  removeNodes?: string;
  policy?: string;
  profile?: string;
  quota?: string[];
  cancel?: string[];
  priority?: string[];
  job?: string[];
  horizon?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A duration for people: 45 s, 12 min, 3.5 h, 2.0 d. */
export function duration(s: number): string {
  const a = Math.abs(s);
  const sign = s < 0 ? "-" : "";
  if (a < 90) return `${sign}${Math.round(a)} s`;
  if (a < 90 * 60) return `${sign}${Math.round(a / 60)} min`;
  if (a < 48 * 3600) return `${sign}${(a / 3600).toFixed(1)} h`;
  return `${sign}${(a / 86400).toFixed(1)} d`;
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new InvalidInputError(`Cannot read ${file}`, [{ code: "unreadable", path: flag, message: (e as Error).message }]);
  }
}

/** The request body from the flags; every malformed flag is an issue naming it. */
export function whatIfBody(o: WhatIfFlags): Record<string, unknown> {
  const issues: Issue[] = [];
  const catalog = defaultCatalog();
  const addNodes = (o.addNodes ?? []).flatMap((text, i) => {
    const m = /^\s*(\d+)\s*[x×*]\s*(.+?)\s*$/i.exec(text);
    if (!m?.[1] || !m[2]) {
      issues.push({
        code: "invalid_value",
        path: `--add-nodes[${i}]`,
        message: `expected "<count>x <system or accelerator>", e.g. "4x DGX H100"; got "${text}"`,
      });
      return [];
    }
    const name = m[2];
    const kind = !catalog.lookup(name, "System").found && catalog.lookup(name, "Accelerator").found ? "accelerator" : "system";
    return [{ [kind]: name, count: Number(m[1]), ...(o.rack ? { rack: o.rack } : {}), ...(o.partition ? { partition: o.partition } : {}) }];
  });
  const quotas = (o.quota ?? []).flatMap((text, i) => {
    const m = /^([^=]+)=(\d+(?:\.\d+)?)(?::(.+))?$/.exec(text);
    if (!m?.[1] || !m[2]) {
      issues.push({ code: "invalid_value", path: `--quota[${i}]`, message: `expected "<queue>=<gpus>[:<cohort>]", got "${text}"` });
      return [];
    }
    return [{ queue: m[1], nominalGpus: Number(m[2]), ...(m[3] ? { cohort: m[3] } : {}) }];
  });
  const priorities = (o.priority ?? []).flatMap((text, i) => {
    const m = /^([^=]+)=(-?\d+)$/.exec(text);
    if (!m?.[1] || !m[2]) {
      issues.push({ code: "invalid_value", path: `--priority[${i}]`, message: `expected "<job id>=<priority>", got "${text}"` });
      return [];
    }
    return [{ jobId: m[1], priority: Number(m[2]) }];
  });
  const horizonS = o.horizon === undefined ? undefined : Number(o.horizon);
  if (horizonS !== undefined && !(horizonS > 0))
    issues.push({ code: "invalid_value", path: "--horizon", message: `must be a positive number of seconds, got ${o.horizon}` });
  if ((o.rack || o.partition) && addNodes.length === 0 && issues.length === 0)
    issues.push({ code: "invalid_value", path: o.rack ? "--rack" : "--partition", message: "applies to --add-nodes, which is missing" });
  if (issues.length > 0) throw new InvalidInputError("Invalid what-if", issues);
  return {
    ...(addNodes.length > 0 ? { addNodes } : {}),
    ...(o.removeNodes
      ? {
          removeNodes: o.removeNodes
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== ""),
        }
      : {}),
    ...(o.policy ? { policy: o.policy } : {}),
    ...(o.profile ? { profile: readText(o.profile, "--profile") } : {}),
    ...(quotas.length > 0 ? { quotas } : {}),
    ...(o.cancel && o.cancel.length > 0 ? { cancel: o.cancel } : {}),
    ...(priorities.length > 0 ? { priorities } : {}),
    ...(o.job && o.job.length > 0 ? { jobs: o.job.map((f) => readText(f, "--job")) } : {}),
    ...(horizonS !== undefined ? { horizonS } : {}),
  };
}

/** The before/after table and the jobs that gain and lose most. */
export function printWhatIf(io: Io, r: WhatIfAnswer, nowMs: number): void {
  const pct = (x: number): string => `${Math.round(x * 100)} %`;
  const rows: [string, (s: Summary) => string][] = [
    ["pending jobs", (s) => String(s.pending)],
    ["mean queue delay", (s) => duration(s.meanDelayS)],
    ["p50 queue delay", (s) => duration(s.p50DelayS)],
    ["p90 queue delay", (s) => duration(s.p90DelayS)],
    ["max queue delay", (s) => duration(s.maxDelayS)],
    ["utilization next 1 h", (s) => pct(s.utilizationNext1h)],
    ["utilization next 6 h", (s) => pct(s.utilizationNext6h)],
    ["never start (horizon)", (s) => String(s.neverStart)],
  ];
  printTable(
    io,
    ["", "BEFORE", "AFTER"],
    rows.map(([label, f]) => [label, f(r.before), f(r.after)]),
  );
  const starts = (ms: number | undefined): string =>
    ms === undefined ? "never" : ms <= nowMs + 1000 ? "now" : `in ${duration((ms - nowMs) / 1000)}`;
  const list = (title: string, jobs: JobDelta[]): void => {
    if (jobs.length === 0) return;
    io.out(`\n${title}\n`);
    printTable(
      io,
      ["JOB", "NAME", "QUEUE", "BEFORE", "AFTER", "CHANGE"],
      jobs.map((j) => [
        j.id,
        j.name,
        j.queue,
        starts(j.beforeStartMs),
        starts(j.afterStartMs),
        j.deltaS === undefined ? undefined : duration(j.deltaS),
      ]),
    );
  };
  list("Start earlier:", r.gainers);
  list("Start later:", r.losers);
  if (r.gainers.length === 0 && r.losers.length === 0) io.out("\nNo job's forecast start changes.\n");
  io.out(`\n(forecast in ${r.computedMs} ms)\n`);
}

export function registerWhatIf(program: Command, io: Io): void {
  program
    .command("whatif")
    .description("forecast the live cluster before and after a change (nothing is changed)")
    .option("--url <url>", "server URL (default $AIDC_URL or http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (default $AIDC_TOKEN)")
    .option("--add-nodes <spec>", 'add nodes: "<count>x <system or accelerator>", e.g. "4x DGX H100" (repeatable)', collect)
    .option("--rack <rack>", "rack the added nodes go into")
    .option("--partition <partition>", "partition of the added nodes (default: what their rack and labels give)")
    .option("--remove-nodes <names>", "comma-separated node names to take away")
    .option("--policy <name>", "another scheduling policy (aidc sim policies)")
    .option("--profile <file>", "another SchedulerProfile (YAML)")
    .option("--quota <queue=gpus[:cohort]>", "a queue's GPU quota (repeatable)", collect)
    .option("--cancel <id>", "cancel a job (repeatable)", collect)
    .option("--priority <id=priority>", "reprioritize a job (repeatable)", collect)
    .option("--job <file>", "add a hypothetical job (repeatable)", collect)
    .option("--horizon <s>", "seconds to look ahead (default 7 days)")
    .option("--json", "print one JSON document")
    .action(async (opts: WhatIfFlags) => {
      const body = whatIfBody(opts);
      const r = await requestJson<WhatIfAnswer>(connection(opts), "POST", "/api/v1/whatif", body);
      if (opts.json) return printJson(io, r);
      printWhatIf(io, r, Date.now());
    });
}

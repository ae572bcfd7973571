import { issue, type Issue } from "@aidc/core";
import type { TimedSample } from "../metrics/series-store.js";
import type { AgentSample } from "./agent.js";

/**
 * The one sample format of `aidc agent --json` and `aidc alerts replay --samples`: JSON lines, one
 * sample a line, `{"timeMs": 1767225600000, "metric": "aidc_gpu_temperature_celsius",
 * "labels": {"node": "n1", "gpu": "0"}, "value": 71}`.
 */
export function sampleLines(round: AgentSample): string[] {
  return round.samples.map((s) => JSON.stringify({ timeMs: s.timeMs, metric: s.metric, labels: s.labels, value: s.value }));
}

const EXPECTED = 'expected {"timeMs": number, "metric": string, "labels"?: {string: string}, "value": number}';

function labelsOk(labels: unknown): boolean {
  return (
    labels === undefined ||
    (typeof labels === "object" && labels !== null && !Array.isArray(labels) && Object.values(labels).every((v) => typeof v === "string"))
  );
}

type Raw = { timeMs?: unknown; metric?: unknown; labels?: unknown; value?: unknown; samples?: unknown };

function one(d: Raw, timeMs: unknown): TimedSample | undefined {
  const t = d.timeMs ?? timeMs;
  if (typeof t !== "number" || !Number.isFinite(t) || typeof d.metric !== "string" || typeof d.value !== "number" || !labelsOk(d.labels))
    return undefined;
  return { timeMs: t, metric: d.metric, labels: (d.labels ?? {}) as Record<string, string>, value: d.value };
}

/**
 * Read samples in the one format; a line in the older agent format (one round a line,
 * `{"timeMs", "durationMs", "errors", "samples": [{metric, labels, value, timeMs?}]}`) is read too.
 * Every bad line is an issue with its line number.
 */
export function parseSampleLines(text: string, file: string): { samples: TimedSample[]; issues: Issue[] } {
  const samples: TimedSample[] = [];
  const issues: Issue[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let d: Raw;
    try {
      d = JSON.parse(line) as Raw;
    } catch {
      issues.push({ ...issue("syntax", file, "not a JSON object"), line: i + 1 });
      return;
    }
    if (typeof d !== "object" || d === null) {
      issues.push({ ...issue("syntax", file, "not a JSON object"), line: i + 1 });
      return;
    }
    if (Array.isArray(d.samples)) {
      const round = (d.samples as Raw[]).map((x) => (typeof x === "object" && x !== null ? one(x, d.timeMs) : undefined));
      const bad = round.findIndex((x) => x === undefined);
      if (bad >= 0) issues.push({ ...issue("invalid_sample", `${file}: samples[${bad}]`, EXPECTED), line: i + 1 });
      else samples.push(...(round as TimedSample[]));
      return;
    }
    const s = one(d, undefined);
    if (s === undefined) issues.push({ ...issue("invalid_sample", file, EXPECTED), line: i + 1 });
    else samples.push(s);
  });
  return { samples, issues };
}

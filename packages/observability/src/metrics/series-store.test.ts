import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { AlertEvaluator } from "../alerts/evaluator.js";
import { parseAlertRules } from "../alerts/parse.js";
import { RESOLUTIONS_MS, SeriesStore, type TimedSample } from "./series-store.js";

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);

function store(): SeriesStore {
  return new SeriesStore(new Database(":memory:"));
}

/** One sample a minute for `minutes` minutes on two nodes; value = minute index (node b: ×10). */
function minutes(count: number, from = T0): TimedSample[] {
  const out: TimedSample[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ metric: "aidc_node_cpu_utilization_ratio", labels: { node: "a" }, timeMs: from + i * MIN, value: i });
    out.push({ metric: "aidc_node_cpu_utilization_ratio", labels: { node: "b" }, timeMs: from + i * MIN, value: 10 * i });
  }
  return out;
}

describe("SeriesStore", () => {
  it("returns raw samples for a short recent range, filtered by labels", () => {
    const s = store();
    expect(s.append(minutes(30))).toBe(60);
    const r = s.query(
      { metric: "aidc_node_cpu_utilization_ratio", matchers: { node: "b" }, fromMs: T0, toMs: T0 + 9 * MIN },
      T0 + 30 * MIN,
    );
    expect(r.resolutionMs).toBe(RESOLUTIONS_MS.raw);
    expect(r.series.map((x) => x.labels)).toEqual([{ node: "b" }]);
    expect(r.series[0]?.points.map((p) => p[1])).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it("ignores a repeated sample instead of counting it twice in the rollups", () => {
    const s = store();
    s.append(minutes(5));
    expect(s.append(minutes(5))).toBe(0);
    const r = s.query({ metric: "aidc_node_cpu_utilization_ratio", matchers: { node: "a" }, fromMs: T0, toMs: T0 + DAY }, T0 + DAY);
    expect(r.resolutionMs).toBe(RESOLUTIONS_MS.fiveMinutes);
    expect(r.series[0]?.points).toEqual([[T0, 2]]); // mean of 0..4
  });

  it("merges a late sample into a bucket that was already written", () => {
    const s = store();
    s.append(minutes(10)); // buckets [0..4] and [5..9] of node a: means 2 and 7
    s.query({ metric: "aidc_node_cpu_utilization_ratio", fromMs: T0, toMs: T0 + DAY }, T0 + DAY); // flushes
    s.append([{ metric: "aidc_node_cpu_utilization_ratio", labels: { node: "a" }, timeMs: T0 + 30_000, value: 14 }]);
    const r = s.query({ metric: "aidc_node_cpu_utilization_ratio", matchers: { node: "a" }, fromMs: T0, toMs: T0 + DAY }, T0 + DAY);
    expect(r.series[0]?.points).toEqual([
      [T0, 4], // (0+1+2+3+4+14) / 6
      [T0 + 5 * MIN, 7],
    ]);
  });

  it("downsamples to 5-minute and hourly means and keeps each tier for its retention", () => {
    const s = store();
    s.append(minutes(3 * 24 * 60)); // three days
    const now = T0 + 3 * DAY;
    const week = s.query({ metric: "aidc_node_cpu_utilization_ratio", matchers: { node: "a" }, fromMs: T0, toMs: now }, now);
    expect(week.resolutionMs).toBe(RESOLUTIONS_MS.fiveMinutes);
    expect(week.series[0]?.points.length).toBe(3 * 24 * 12);
    expect(week.series[0]?.points[1]).toEqual([T0 + 5 * MIN, 7]); // mean of 5..9
    const deleted = s.applyRetention(now);
    expect(deleted.raw).toBe(2 * 24 * 60); // raw keeps 2 days: the first day of both nodes goes
    const old = s.query({ metric: "aidc_node_cpu_utilization_ratio", matchers: { node: "a" }, fromMs: T0, toMs: T0 + 2 * 3_600_000 }, now);
    expect(old.resolutionMs).toBe(RESOLUTIONS_MS.fiveMinutes); // raw is gone for that range
    const year = s.query({ metric: "aidc_node_cpu_utilization_ratio", fromMs: T0 - 300 * DAY, toMs: now }, now);
    expect(year.resolutionMs).toBe(RESOLUTIONS_MS.hour);
    expect(year.series.length).toBe(2);
    expect(year.series[0]?.points[0]).toEqual([T0, 29.5]); // mean of 0..59
  });

  it("feeds the alert evaluator with the latest sample of every fresh series", () => {
    const s = store();
    s.append(minutes(10));
    s.append([{ metric: "aidc_gpu_temperature_celsius", labels: { node: "a", gpu: "0" }, timeMs: T0 - DAY, value: 99 }]);
    const latest = s.latest(T0 + 9 * MIN);
    expect(latest).toEqual([
      { metric: "aidc_node_cpu_utilization_ratio", labels: { node: "a" }, value: 9 },
      { metric: "aidc_node_cpu_utilization_ratio", labels: { node: "b" }, value: 90 },
    ]);
    const rules = parseAlertRules(
      "apiVersion: aidc/v1\nkind: AlertRules\nname: x\ngroups:\n  - name: g\n    rules:\n      - { alert: Busy, metric: aidc_node_cpu_utilization_ratio, threshold: { op: '>', value: 50 }, severity: info }\n",
    ).rules!;
    const r = new AlertEvaluator(rules).evaluate(T0 + 9 * MIN, latest);
    expect(r.alerts.map((a) => a.labels["node"])).toEqual(["b"]);
  });
});

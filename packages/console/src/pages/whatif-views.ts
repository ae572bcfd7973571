import { axisStyle, chart, palette } from "../charts.js";
import { card, fmtDuration, h, link, table, type Child } from "../dom.js";

/** One side of a what-if (POST /api/v1/whatif): the pending queue's forecast. */
export interface WhatIfSummary {
  readonly pending: number;
  readonly meanDelayS: number;
  readonly p50DelayS: number;
  readonly p90DelayS: number;
  readonly maxDelayS: number;
  readonly utilizationNext1h: number;
  readonly utilizationNext6h: number;
  readonly neverStart: number;
}

export interface WhatIfJob {
  readonly id: string;
  readonly name?: string;
  readonly queue: string;
  readonly beforeStartMs?: number;
  readonly afterStartMs?: number;
  readonly deltaS?: number;
}

export interface WhatIfAnswer {
  readonly before: WhatIfSummary;
  readonly after: WhatIfSummary;
  readonly jobs: readonly WhatIfJob[];
  readonly gainers: readonly WhatIfJob[];
  readonly losers: readonly WhatIfJob[];
  readonly utilization: { readonly before: readonly (readonly [number, number])[]; readonly after: readonly (readonly [number, number])[] };
  readonly computedMs: number;
}

type Better = "lower" | "higher" | "none";
const ROWS: readonly { key: keyof WhatIfSummary; label: string; kind: "count" | "delay" | "ratio"; better: Better }[] = [
  { key: "pending", label: "Pending jobs", kind: "count", better: "none" },
  { key: "meanDelayS", label: "Mean wait", kind: "delay", better: "lower" },
  { key: "p50DelayS", label: "Median wait", kind: "delay", better: "lower" },
  { key: "p90DelayS", label: "p90 wait", kind: "delay", better: "lower" },
  { key: "maxDelayS", label: "Longest wait", kind: "delay", better: "lower" },
  { key: "neverStart", label: "Never start (within the horizon)", kind: "count", better: "lower" },
  // neither better nor worse: added nodes lower it while the same work finishes sooner
  { key: "utilizationNext1h", label: "GPU utilization, next hour", kind: "ratio", better: "none" },
  { key: "utilizationNext6h", label: "GPU utilization, next 6 hours", kind: "ratio", better: "none" },
];

function show(kind: "count" | "delay" | "ratio", v: number): string {
  if (kind === "delay") return fmtDuration(v);
  if (kind === "ratio") return `${(v * 100).toFixed(1)}%`;
  return String(v);
}

/** "−12.0 min (gain)": the change from before to after, and whether it is a gain. */
function change(kind: "count" | "delay" | "ratio", better: Better, before: number, after: number): Child {
  const d = after - before;
  if (Math.abs(d) < 1e-9) return h("span", { class: "muted" }, "no change");
  const sign = d > 0 ? "+" : "−";
  const text = kind === "ratio" ? `${sign}${Math.abs(d * 100).toFixed(1)} pts` : `${sign}${show(kind, Math.abs(d))}`;
  if (better === "none") return text;
  const gain = better === "lower" ? d < 0 : d > 0;
  return h(
    "span",
    { class: `badge badge-${gain ? "succeeded" : "failed"}`, "data-gain": gain ? "gain" : "loss" },
    `${text} (${gain ? "gain" : "loss"})`,
  );
}

/** The before/after table of the summaries. */
export function summaryTable(a: WhatIfAnswer): HTMLElement {
  const el = table(
    ["", "Before", "After", "Change"],
    ROWS.map((r) => [
      h("strong", {}, r.label),
      show(r.kind, a.before[r.key]),
      show(r.kind, a.after[r.key]),
      change(r.kind, r.better, a.before[r.key], a.after[r.key]),
    ]),
  );
  el.id = "whatif-summary";
  return el;
}

function jobRows(list: readonly WhatIfJob[], nowMs: number): Child[][] {
  const wait = (t: number | undefined): string =>
    t === undefined ? "never" : t - nowMs < 1000 ? "now" : `in ${fmtDuration((t - nowMs) / 1000)}`;
  return list.map((j) => [
    link(`/jobs/${encodeURIComponent(j.id)}`, j.name ?? j.id),
    j.queue,
    wait(j.beforeStartMs),
    wait(j.afterStartMs),
    j.deltaS === undefined ? "—" : `${j.deltaS < 0 ? "−" : "+"}${fmtDuration(Math.abs(j.deltaS))}`,
  ]);
}

/** The jobs that gain and lose most. */
export function movers(a: WhatIfAnswer, nowMs: number): HTMLElement {
  const head = ["Job", "Queue", "Starts before", "Starts after", "Change"];
  return h(
    "div",
    { class: "grid-2 grid-even" },
    card("Start earlier", h("div", { id: "whatif-gainers" }, table(head, jobRows(a.gainers, nowMs), "No job starts earlier."))),
    card("Start later", h("div", { id: "whatif-losers" }, table(head, jobRows(a.losers, nowMs), "No job starts later."))),
  );
}

/** Forecast starts as a cumulative count over time from now (0 jobs), before and after. */
function startsSeries(jobs: readonly WhatIfJob[], pick: (j: WhatIfJob) => number | undefined, nowMs: number): [number, number][] {
  const times = jobs
    .map(pick)
    .filter((t): t is number => t !== undefined)
    .map((t) => Math.max(t, nowMs))
    .sort((x, y) => x - y);
  return [[nowMs, 0], ...times.map((t, i): [number, number] => [t, i + 1])];
}

export const DELAY_BUCKETS: readonly { label: string; maxS: number }[] = [
  { label: "< 5 min", maxS: 300 },
  { label: "5–15 min", maxS: 900 },
  { label: "15–30 min", maxS: 1800 },
  { label: "30 min–1 h", maxS: 3600 },
  { label: "1–2 h", maxS: 7200 },
  { label: "2–6 h", maxS: 21_600 },
  { label: "6–24 h", maxS: 86_400 },
  { label: "> 24 h", maxS: Infinity },
];

/** How many jobs wait how long from now until their forecast start (and how many never start). */
export function delayHistogram(jobs: readonly WhatIfJob[], pick: (j: WhatIfJob) => number | undefined, nowMs: number): number[] {
  const counts = new Array<number>(DELAY_BUCKETS.length + 1).fill(0);
  for (const j of jobs) {
    const t = pick(j);
    const i = t === undefined ? DELAY_BUCKETS.length : DELAY_BUCKETS.findIndex((b) => Math.max(0, (t - nowMs) / 1000) < b.maxS);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/** Three charts: forecast starts over time, the wait distribution and GPU utilization, before and after. */
export function charts(a: WhatIfAnswer, nowMs: number): HTMLElement {
  const startsEl = h("div", {
    class: "chart",
    id: "whatif-timeline",
    role: "img",
    "aria-label": "Forecast starts over time, before and after",
  });
  const delayEl = h("div", { class: "chart", id: "whatif-delays", role: "img", "aria-label": "Distribution of waits, before and after" });
  const utilEl = h("div", { class: "chart", id: "whatif-util", role: "img", "aria-label": "Forecast GPU utilization, before and after" });
  queueMicrotask(() => {
    const legend = { top: 0, itemGap: 24, textStyle: { color: palette().text } };
    const grid = { left: 56, right: 16, top: 36, bottom: 28 };
    const timeAxis = { type: "time", ...axisStyle() };
    const before = (j: WhatIfJob): number | undefined => j.beforeStartMs;
    const after = (j: WhatIfJob): number | undefined => j.afterStartMs;
    chart(startsEl, {
      tooltip: { trigger: "axis" },
      legend,
      grid,
      xAxis: timeAxis,
      yAxis: { type: "value", name: "jobs started", minInterval: 1, ...axisStyle() },
      series: [
        { name: "Before", type: "line", step: "end", showSymbol: false, data: startsSeries(a.jobs, before, nowMs) },
        { name: "After", type: "line", step: "end", showSymbol: false, data: startsSeries(a.jobs, after, nowMs) },
      ],
    });
    chart(delayEl, {
      tooltip: { trigger: "axis" },
      legend,
      grid,
      xAxis: { type: "category", data: [...DELAY_BUCKETS.map((b) => b.label), "never"], ...axisStyle() },
      yAxis: { type: "value", name: "jobs", minInterval: 1, ...axisStyle() },
      series: [
        { name: "Before", type: "bar", data: delayHistogram(a.jobs, before, nowMs) },
        { name: "After", type: "bar", data: delayHistogram(a.jobs, after, nowMs) },
      ],
    });
    const pct = (l: readonly (readonly [number, number])[]): [number, number][] => l.map(([t, r]) => [t, +(r * 100).toFixed(1)]);
    chart(utilEl, {
      tooltip: { trigger: "axis" },
      legend,
      grid,
      xAxis: timeAxis,
      yAxis: { type: "value", max: 100, ...axisStyle(), axisLabel: { color: palette().text, formatter: "{value}%" } },
      series: [
        { name: "Before", type: "line", step: "end", showSymbol: false, data: pct(a.utilization.before) },
        { name: "After", type: "line", step: "end", showSymbol: false, data: pct(a.utilization.after) },
      ],
    });
  });
  return h(
    "div",
    { class: "stack" },
    card("Forecast starts", startsEl),
    h("div", { class: "grid-2 grid-even" }, card("Wait until start", delayEl), card("GPU utilization", utilEl)),
  );
}

import type { SeriesPoint, SimMetrics } from "@aidc/simulator";
import { FONT_FAMILY, REPORT_PALETTE, axisStyle, barOption, renderChart, type RenderedChart } from "./charts.js";
import { fmtDuration, fmtNumber, pct } from "./format.js";
import { chartCard, htmlPage, tableHtml, card, esc } from "./page.js";

export interface PolicyRun {
  readonly metrics: SimMetrics;
  readonly series: readonly SeriesPoint[];
}

export interface SimReportInput {
  readonly trace: string;
  readonly cluster: string;
  readonly runs: readonly PolicyRun[];
}

export interface Report {
  readonly html: string;
  readonly charts: readonly RenderedChart[];
}

const MAX_POINTS = 240;

/** Average consecutive points so a long replay draws at most MAX_POINTS per line (deterministic). */
export function downsample(series: readonly SeriesPoint[], pick: (p: SeriesPoint) => number): [number, number][] {
  const per = Math.max(1, Math.ceil(series.length / MAX_POINTS));
  const out: [number, number][] = [];
  for (let i = 0; i < series.length; i += per) {
    const chunk = series.slice(i, i + per);
    const mean = chunk.reduce((a, p) => a + pick(p), 0) / chunk.length;
    out.push([Number(((chunk[0]?.timeS ?? 0) / 3600).toFixed(3)), Number(mean.toFixed(3))]);
  }
  return out;
}

function lineOption(runs: readonly PolicyRun[], pick: (p: SeriesPoint) => number, yAxis: Record<string, unknown>): Record<string, unknown> {
  return {
    legend: { top: 0, itemGap: 24, textStyle: { color: REPORT_PALETTE.text, fontFamily: FONT_FAMILY } },
    grid: { left: 72, right: 24, top: 36, bottom: 44 },
    xAxis: {
      type: "value",
      name: "hours since the first submission",
      nameLocation: "middle",
      nameGap: 28,
      nameTextStyle: { color: REPORT_PALETTE.text },
      ...axisStyle(),
    },
    yAxis: { type: "value", ...axisStyle(), ...yAxis },
    series: runs.map((r) => ({
      name: r.metrics.policy,
      type: "line",
      showSymbol: false,
      lineStyle: { width: 1.5 },
      data: downsample(r.series, pick),
    })),
  };
}

function simCharts(runs: readonly PolicyRun[]): RenderedChart[] {
  const names = runs.map((r) => r.metrics.policy);
  const durationAxis = { axisLabel: { ...(axisStyle()["axisLabel"] as object), formatter: (v: number) => fmtDuration(v) } };
  const charts = [
    renderChart({
      id: "waiting-and-completion",
      title: "Waiting and completion time",
      description: `average and p99 queueing delay and average job completion time for ${names.join(", ")}`,
      option: barOption(
        names,
        [
          { name: "Avg queueing", data: runs.map((r) => r.metrics.avgQueueS) },
          { name: "p99 queueing", data: runs.map((r) => r.metrics.p99QueueS) },
          { name: "Avg completion", data: runs.map((r) => r.metrics.avgJctS) },
        ],
        durationAxis,
      ),
    }),
    renderChart({
      id: "gpu-utilization",
      title: "GPU utilization",
      description: names.map((n, i) => `${n} ${pct(runs[i]?.metrics.gpuUtilization ?? 0)}`).join(", "),
      option: barOption(names, [{ name: "GPU utilization", data: runs.map((r) => Number((100 * r.metrics.gpuUtilization).toFixed(1))) }], {
        max: 100,
        axisLabel: { ...(axisStyle()["axisLabel"] as object), formatter: "{value}%" },
      }),
    }),
    renderChart({
      id: "utilization-over-time",
      title: "GPU utilization over time",
      description: `busy GPUs as a share of all GPUs over the replay, one line per policy (${names.join(", ")})`,
      option: lineOption(runs, (p) => 100 * p.utilization, {
        max: 100,
        axisLabel: { ...(axisStyle()["axisLabel"] as object), formatter: "{value}%" },
      }),
      widthPx: 1200,
    }),
    renderChart({
      id: "pending-over-time",
      title: "Pending jobs over time",
      description: `jobs waiting in the queue over the replay, one line per policy (${names.join(", ")})`,
      option: lineOption(runs, (p) => p.pendingJobs, {}),
      widthPx: 1200,
    }),
  ];
  const queues = [...new Set(runs.flatMap((r) => Object.keys(r.metrics.byQueue)))].sort();
  if (queues.length > 1)
    charts.push(
      renderChart({
        id: "queueing-per-queue",
        title: "Average queueing per queue",
        description: `average queueing delay of each queue (${queues.join(", ")}) under each policy`,
        option: barOption(
          queues,
          runs.map((r) => ({ name: r.metrics.policy, data: queues.map((q) => r.metrics.byQueue[q]?.avgQueueS ?? 0) })),
          durationAxis,
        ),
        widthPx: 1200,
      }),
    );
  return charts;
}

/** `aidc sim compare --format html`: the console simulator's results table and charts as one page. */
export function simCompareReport(input: SimReportInput): Report {
  const { runs } = input;
  const charts = simCharts(runs);
  const table = tableHtml(
    "Results per policy",
    [
      "Policy",
      "Jobs",
      "Finished",
      "Unschedulable",
      "Avg queueing",
      "p99 queueing",
      "Avg completion",
      "p99 completion",
      "Avg slowdown",
      "Makespan",
      "GPU util.",
      "Preemptions",
    ],
    runs.map(({ metrics: m }) => [
      m.policy,
      m.jobs,
      m.finished,
      m.unschedulable,
      fmtDuration(m.avgQueueS),
      fmtDuration(m.p99QueueS),
      fmtDuration(m.avgJctS),
      fmtDuration(m.p99JctS),
      fmtNumber(m.avgSlowdown),
      fmtDuration(m.makespanS),
      pct(m.gpuUtilization),
      m.preemptions,
    ]),
  );
  const [first, second, ...rest] = charts;
  const pair = first && second ? `<div class="grid-2">${chartCard(first)}${chartCard(second)}</div>` : "";
  const jobs = runs[0]?.metrics.jobs ?? 0;
  const html = htmlPage(
    `${runs.length === 1 ? "Simulation" : "Policy comparison"}: ${runs.map((r) => r.metrics.policy).join(" vs ")}`,
    `${jobs} jobs from ${input.trace} replayed on ${input.cluster} under ${runs.length} scheduling ${runs.length === 1 ? "policy" : "policies"}.`,
    [card("Results", table), pair, ...rest.map(chartCard), `<p class="muted">Trace: <code>${esc(input.trace)}</code></p>`],
  );
  return { html, charts };
}

/** Host CPU and memory use over the last hour, from the node agent's series (/api/v1/metrics/series). */
import { api } from "./api.js";
import { axisStyle, chart, palette } from "./charts.js";
import { h, mount } from "./dom.js";

interface Series {
  readonly labels: Record<string, string>;
  readonly points: [number, number][];
}

const METRICS = [
  { name: "aidc_node_cpu_utilization_ratio", label: "CPU" },
  { name: "aidc_node_memory_used_ratio", label: "memory" },
] as const;

/** Fills `el` with a chart and refreshes it; returns a stop function. */
export function hostMetrics(el: HTMLElement): () => void {
  const chartEl = h("div", { class: "chart", id: "host-chart", role: "img", "aria-label": "Host CPU and memory use over the last hour" });
  mount(el, chartEl);
  const c = chart(chartEl, {
    tooltip: { trigger: "axis", valueFormatter: (v: number) => `${v.toFixed(1)}%` },
    legend: { top: 0, itemGap: 24, textStyle: { color: palette().text } },
    grid: { left: 44, right: 24, top: 36, bottom: 28 },
    xAxis: {
      type: "time",
      ...axisStyle(),
      axisLabel: { color: palette().text, fontSize: 11, hideOverlap: true },
      splitLine: { show: false },
    },
    yAxis: { type: "value", min: 0, max: 100, ...axisStyle(), axisLabel: { color: palette().text, fontSize: 11, formatter: "{value}%" } },
    series: [],
  });
  let stopped = false;
  const load = (): void => {
    Promise.all(
      METRICS.map((m) =>
        api<{ series: Series[]; fromMs: number; toMs: number }>(`/api/v1/metrics/series?name=${m.name}`).then((r) => ({ m, ...r })),
      ),
    )
      .then((all) => {
        if (stopped) return;
        const series = all.flatMap(({ m, series: list }) =>
          list.map((s) => ({
            name: `${s.labels.node ?? "host"} ${m.label}`,
            type: "line",
            showSymbol: s.points.length < 3,
            data: s.points.map(([t, v]) => [t, +(v * 100).toFixed(2)]),
          })),
        );
        if (series.length === 0) {
          mount(el, h("p", { class: "muted" }, "No host samples yet; the node agent reports every few seconds."));
          return;
        }
        c.setOption({ xAxis: { min: all[0]?.fromMs, max: all[0]?.toMs }, series }, { replaceMerge: ["series"] });
      })
      .catch(() => {
        if (!stopped) mount(el, h("p", { class: "muted" }, "Host metrics are not enabled on this server."));
      });
  };
  load();
  const timer = setInterval(load, 15_000);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

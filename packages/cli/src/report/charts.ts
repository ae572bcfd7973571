import * as echarts from "echarts";

/** One chart of a report: an ECharts option rendered on the server to an SVG string (no browser, no script). */
export interface ChartSpec {
  /** File-name safe id: `<id>.png`, and the prefix of the SVG's internal ids. */
  readonly id: string;
  readonly title: string;
  /** What the chart shows, for screen readers (the SVG's aria-label). */
  readonly description: string;
  readonly option: Record<string, unknown>;
  readonly widthPx?: number;
  readonly heightPx?: number;
}

export interface RenderedChart {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly svg: string;
  readonly widthPx: number;
  readonly heightPx: number;
}

/** The console's light palette (packages/console/src/charts.ts), so reports look like the console. */
export const REPORT_PALETTE = {
  text: "#3b4452",
  grid: "#e3e8ef",
  colors: ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0d9488"],
} as const;

export const FONT_FAMILY = "DejaVu Sans, Liberation Sans, Arial, sans-serif";

export function axisStyle(): Record<string, unknown> {
  return {
    axisLine: { lineStyle: { color: REPORT_PALETTE.grid } },
    splitLine: { lineStyle: { color: REPORT_PALETTE.grid } },
    axisLabel: { color: REPORT_PALETTE.text, fontSize: 11, fontFamily: FONT_FAMILY },
  };
}

/**
 * ECharts numbers its SVG ids with process-wide counters (zr0-c0, zr1-cls-6, …); rename them per chart in order of
 * appearance so the same input always gives the same bytes and two charts on one page never share an id.
 */
function stableIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  return svg.replace(/\bzr\d+-(cls-|[a-z]+)(\d+)\b/g, (token, kind: string) => {
    let name = names.get(token);
    if (name === undefined) {
      name = `${prefix}-${kind.replace("-", "")}${names.size}`;
      names.set(token, name);
    }
    return name;
  });
}

const escapeAttr = (t: string): string => t.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");

/** Render one chart to a standalone SVG document (also valid inline in HTML), with role="img" and an aria-label. */
export function renderChart(spec: ChartSpec): RenderedChart {
  const widthPx = spec.widthPx ?? 720;
  const heightPx = spec.heightPx ?? 320;
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: widthPx, height: heightPx });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: "#ffffff",
      color: [...REPORT_PALETTE.colors],
      textStyle: { color: REPORT_PALETTE.text, fontFamily: FONT_FAMILY },
      ...spec.option,
    });
    const raw = stableIds(chart.renderToSVGString(), `c-${spec.id}`);
    const svg = raw.replace(/^<svg /, `<svg role="img" aria-label="${escapeAttr(`${spec.title}: ${spec.description}`)}" `);
    return { id: spec.id, title: spec.title, description: spec.description, svg, widthPx, heightPx };
  } finally {
    chart.dispose();
  }
}

/** A grouped bar chart with a legend: one series per entry of `series`, one bar group per category. */
export function barOption(
  categories: readonly string[],
  series: readonly { name: string; data: readonly number[] }[],
  yAxis: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    legend: { top: 0, itemGap: 24, textStyle: { color: REPORT_PALETTE.text, fontFamily: FONT_FAMILY } },
    grid: { left: 72, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: [...categories], ...axisStyle() },
    yAxis: { type: "value", ...axisStyle(), ...yAxis },
    series: series.map((s) => ({ name: s.name, type: "bar", data: [...s.data] })),
  };
}

/** A horizontal bar chart of labelled values (the console planner's breakdown charts), largest at the top. */
export function breakdownOption(
  name: string,
  entries: readonly (readonly [string, number])[],
  format: (v: number) => string,
  options: { readonly scaleToRange?: boolean } = {},
): Record<string, unknown> {
  const sorted = entries.filter(([, v]) => v > 0).sort((a, b) => a[1] - b[1]);
  // a comparison of close values (sites' TCO) starts its axis near the smallest, or every bar looks full
  const scale = options.scaleToRange === true ? { scale: true } : {};
  return {
    legend: { show: false, data: [name] },
    grid: { left: 170, right: 72, top: 8, bottom: 24 },
    xAxis: { type: "value", ...scale, ...axisStyle(), axisLabel: { ...(axisStyle()["axisLabel"] as object), formatter: format } },
    yAxis: { type: "category", data: sorted.map(([k]) => k), ...axisStyle() },
    series: [
      {
        name,
        type: "bar",
        data: sorted.map(([, v]) => v),
        label: { show: true, position: "right", color: REPORT_PALETTE.text, formatter: (p: { value: number }) => format(p.value) },
      },
    ],
  };
}

/** Height that fits `n` horizontal bars. */
export const barsHeight = (n: number): number => Math.max(160, n * 30 + 40);

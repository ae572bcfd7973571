/** ECharts, imported piece by piece so the bundle stays small; charts follow the light/dark theme. */
import * as echarts from "echarts/core";
import { BarChart, HeatmapChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([LineChart, BarChart, HeatmapChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

const live = new Set<echarts.ECharts>();
window.addEventListener("resize", () => live.forEach((c) => c.resize()));

export function isDark(): boolean {
  return document.documentElement.dataset.theme === "dark";
}

export function palette(): { text: string; grid: string; colors: string[] } {
  return isDark()
    ? { text: "#c9d1dc", grid: "#2c3442", colors: ["#5b9cff", "#3ecf8e", "#f5a524", "#f06a6a", "#a78bfa", "#2dd4bf"] }
    : { text: "#3b4452", grid: "#e3e8ef", colors: ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0d9488"] };
}

/** Create a chart in `el` (which must be in the document); call dispose() when the page goes away. */
export function chart(el: HTMLElement, option: ChartOption): echarts.ECharts {
  const c = echarts.init(el, undefined, { renderer: "svg" });
  const p = palette();
  c.setOption({ color: p.colors, textStyle: { color: p.text, fontFamily: "inherit" }, animationDuration: 300, ...option });
  live.add(c);
  return c;
}

export function disposeAll(): void {
  live.forEach((c) => c.dispose());
  live.clear();
}

export function axisStyle(): Record<string, unknown> {
  const p = palette();
  return {
    axisLine: { lineStyle: { color: p.grid } },
    splitLine: { lineStyle: { color: p.grid } },
    axisLabel: { color: p.text, fontSize: 11 },
  };
}

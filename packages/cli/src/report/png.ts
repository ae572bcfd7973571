import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import type { RenderedChart } from "./charts.js";

/** Rasterize a chart's SVG at `scale` (2 = crisp on high-DPI screens and in slides). */
export function chartPng(chart: RenderedChart, scale = 2): Buffer {
  const resvg = new Resvg(chart.svg, {
    fitTo: { mode: "width", value: Math.round(chart.widthPx * scale) },
    background: "#ffffff",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}

/** Write `<dir>/<chart id>.png` for every chart; returns the paths written. */
export function writeChartPngs(dir: string, charts: readonly RenderedChart[], scale = 2): string[] {
  mkdirSync(dir, { recursive: true });
  return charts.map((c) => {
    const file = join(dir, `${c.id}.png`);
    writeFileSync(file, chartPng(c, scale));
    return file;
  });
}

export { renderChart, type ChartSpec, type RenderedChart } from "./charts.js";
export { chartPng, writeChartPngs } from "./png.js";
export { simCompareReport, type PolicyRun, type Report, type SimReportInput } from "./sim-report.js";
export { datacenterReport } from "./plan-report.js";
export { datacenterTables, type PlanTable } from "./datacenter-tables.js";

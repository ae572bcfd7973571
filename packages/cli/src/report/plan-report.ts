import type { DatacenterPlan } from "@aidc/planner";
import { barsHeight, breakdownOption, renderChart, type RenderedChart } from "./charts.js";
import { datacenterTables } from "./datacenter-tables.js";
import { fmtNumber, fmtUsd } from "./format.js";
import { card, chartCard, htmlPage, statsHtml, tableHtml } from "./page.js";
import type { Report } from "./sim-report.js";

function datacenterCharts(p: DatacenterPlan): RenderedChart[] {
  const capex: [string, number][] = [
    ["Systems", p.capex.systemsUsd],
    ["Network", p.capex.networkUsd],
    ["Storage", p.capex.storageUsd],
    ["Facility", p.capex.facilityUsd],
  ];
  const power: [string, number][] = [
    ["Compute", p.power.computeKw],
    ["Network", p.power.networkKw],
    ["Storage", p.power.storageKw],
  ];
  const tco: [string, number][] = p.sites.map((s) => [s.site, s.tcoUsd]);
  const energy: [string, number][] = p.sites.map((s) => [s.site, s.energyMWhPerYear]);
  const kw = (v: number): string => `${fmtNumber(v)} kW`;
  return [
    renderChart({
      id: "capex",
      title: "Capex (USD)",
      description: capex.map(([k, v]) => `${k} ${fmtUsd(v)}`).join(", "),
      option: breakdownOption("Capex", capex, fmtUsd),
      widthPx: 600,
      heightPx: barsHeight(capex.length),
    }),
    renderChart({
      id: "power",
      title: "Power (kW)",
      description: power.map(([k, v]) => `${k} ${kw(v)}`).join(", "),
      option: breakdownOption("Power", power, kw),
      widthPx: 600,
      heightPx: barsHeight(power.length),
    }),
    renderChart({
      id: "tco-by-site",
      title: `Total cost of ownership per site (${p.years} years, USD)`,
      description: tco.map(([k, v]) => `${k} ${fmtUsd(v)}`).join(", "),
      option: breakdownOption("TCO", tco, fmtUsd, { scaleToRange: true }),
      widthPx: 1200,
      heightPx: barsHeight(tco.length),
    }),
    renderChart({
      id: "energy-by-site",
      title: "Facility energy per year per site (MWh)",
      description: energy.map(([k, v]) => `${k} ${fmtNumber(v)} MWh`).join(", "),
      option: breakdownOption("Energy", energy, (v) => `${fmtNumber(v)} MWh`, { scaleToRange: true }),
      widthPx: 1200,
      heightPx: barsHeight(energy.length),
    }),
  ];
}

/** `aidc plan datacenter --format html`: the plan's tables (as in the markdown) plus the console planner's charts. */
export function datacenterReport(p: DatacenterPlan): Report {
  const charts = datacenterCharts(p);
  const [capex, power, ...rest] = charts;
  const tables = datacenterTables(p);
  const [summary, ...sections] = tables;
  const body = [
    statsHtml([
      { label: "GPUs", value: fmtNumber(p.gpus), hint: `${p.gpusRequested} requested, ${p.accelerator}` },
      { label: "Nodes", value: fmtNumber(p.nodes), hint: `${p.gpusPerNode} GPUs each` },
      { label: "Racks", value: fmtNumber(p.racks), hint: `${p.rackPowerKw.toFixed(1)} kW of ${p.rackPowerBudgetKw} kW` },
      { label: "IT power", value: `${fmtNumber(p.power.itKw)} kW`, hint: `cooling: ${p.cooling}` },
      { label: "Capex", value: fmtUsd(p.capex.totalUsd) },
      { label: "Years", value: fmtNumber(p.years) },
    ]),
    summary ? card("Summary", tableHtml("Summary", summary.header, summary.rows)) : "",
    capex && power ? `<div class="grid-2">${chartCard(capex)}${chartCard(power)}</div>` : "",
    ...rest.map(chartCard),
    ...sections.map((t) => card(t.title ?? "", tableHtml(t.title ?? "", t.header, t.rows))),
  ];
  const html = htmlPage(`Data center plan: ${p.scenario}`, `${p.system} (${p.gpusPerNode} x ${p.accelerator})`, body);
  return { html, charts };
}

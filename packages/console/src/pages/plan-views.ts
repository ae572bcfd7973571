import { axisStyle, chart } from "../charts.js";
import { card, fmtDuration, fmtNumber, h, stat } from "../dom.js";

export type Plan = Record<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const numbers = (o: Record<string, unknown>): [string, number][] =>
  Object.entries(o).filter((e): e is [string, number] => typeof e[1] === "number");

/** "stepTimeS" -> "Step time (s)"; units at the end of field names become the unit label. */
export function labelOf(key: string): string {
  const m = /^(.*?)(S|Ms|Bytes|Gib|GiB|GB|TB|Kw|Mw|MWh|Usd|Days)?$/.exec(key);
  const base = (m?.[1] || key).replace(/([A-Z])/g, " $1").toLowerCase();
  return base.charAt(0).toUpperCase() + base.slice(1) + (m?.[2] ? ` (${m[2].toLowerCase()})` : "");
}

function barChart(title: string, entries: [string, number][]): HTMLElement {
  const el = h("div", { class: "chart", role: "img", "aria-label": title });
  const sorted = entries.filter(([, v]) => v > 0).sort((a, b) => a[1] - b[1]);
  el.style.height = `${Math.max(160, sorted.length * 30 + 40)}px`;
  queueMicrotask(() =>
    chart(el, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 170, right: 40, top: 8, bottom: 24 },
      xAxis: { type: "value", ...axisStyle(), axisLabel: { ...(axisStyle().axisLabel as object), formatter: (v: number) => fmtNumber(v) } },
      yAxis: { type: "category", data: sorted.map(([k]) => (/^[a-z]+[A-Z]/.test(k) ? labelOf(k) : k)), ...axisStyle() },
      series: [
        {
          type: "bar",
          data: sorted.map(([, v]) => v),
          label: { show: true, position: "right", formatter: (p: { value: number }) => fmtNumber(p.value) },
        },
      ],
    }),
  );
  return card(title, el);
}

export function trainingResult(plan: Plan): HTMLElement[] {
  const est = isRecord(plan.estimate) ? plan.estimate : {};
  const totals = isRecord(plan.totals) ? plan.totals : {};
  const parallel = isRecord(plan.parallel) ? plan.parallel : {};
  const num = (o: Record<string, unknown>, k: string): number | undefined => (typeof o[k] === "number" ? o[k] : undefined);
  const mem = isRecord(est.memory) ? est.memory : {};
  const out: HTMLElement[] = [
    h(
      "div",
      { class: "stats", id: "plan-stats" },
      stat("GPUs", fmtNumber(num(est, "gpus") ?? num(plan, "gpus")), String(plan.accelerator ?? "")),
      stat("Step time", fmtDuration(num(est, "stepTimeS"))),
      stat("MFU", num(est, "mfu") !== undefined ? `${((num(est, "mfu") ?? 0) * 100).toFixed(1)}%` : "—"),
      stat("Tokens/s", fmtNumber(num(est, "tokensPerS"))),
      stat("Wall clock", totals.wallClockDays !== undefined ? `${fmtNumber(num(totals, "wallClockDays"))} days` : "—"),
      stat(
        "Cost",
        totals.costUsd !== undefined ? `$${fmtNumber(num(totals, "costUsd"))}` : "—",
        `${fmtNumber(num(totals, "gpuHours"))} GPU-hours`,
      ),
      stat("Energy", fmtNumber((num(totals, "energyMWh") ?? NaN) * 1e6, "Wh"), `${fmtNumber(num(totals, "co2eTonnes"))} t CO2e`),
      stat("Memory / GPU", fmtNumber(num(mem, "totalBytes"), "B"), est.fits === false ? "does not fit" : "fits"),
    ),
  ];
  if (Object.keys(parallel).length)
    out.push(
      card(
        "Parallelism",
        h("p", { class: "chips" }, ...Object.entries(parallel).map(([k, v]) => h("span", { class: "chip" }, `${k} = ${String(v)}`))),
      ),
    );
  if (isRecord(est.breakdown)) out.push(barChart("Step time breakdown", numbers(est.breakdown)));
  if (Object.keys(mem).length)
    out.push(
      barChart(
        "Memory per GPU",
        numbers(mem).filter(([k]) => k.endsWith("Bytes") && k !== "totalBytes"),
      ),
    );
  return out;
}

/** Any other plan: its numbers as stats, numeric sub-objects as bar charts, the rest as fields. */
export function genericResult(plan: Plan): HTMLElement[] {
  const out: HTMLElement[] = [
    h(
      "div",
      { class: "stats", id: "plan-stats" },
      ...numbers(plan)
        .slice(0, 12)
        .map(([k, v]) => stat(labelOf(k), fmtNumber(v))),
    ),
  ];
  for (const [k, v] of Object.entries(plan)) {
    if (isRecord(v) && numbers(v).length >= 2)
      out.push(
        barChart(
          labelOf(k),
          numbers(v).filter(([n]) => !n.startsWith("total")),
        ),
      );
    else if (Array.isArray(v) && v.length && v.every(isRecord)) {
      const rows = v as Record<string, unknown>[];
      const cols = Object.keys(rows[0] ?? {})
        .filter((c) => rows.every((r) => typeof r[c] !== "object"))
        .slice(0, 8);
      out.push(
        card(
          labelOf(k),
          h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              {},
              h("thead", {}, h("tr", {}, ...cols.map((c) => h("th", { scope: "col" }, labelOf(c))))),
              h(
                "tbody",
                {},
                ...rows
                  .slice(0, 50)
                  .map((r) =>
                    h("tr", {}, ...cols.map((c) => h("td", {}, typeof r[c] === "number" ? fmtNumber(r[c]) : String(r[c] ?? "—")))),
                  ),
              ),
            ),
          ),
        ),
      );
    }
  }
  return out;
}

/** Inference: the best tensor-parallel option and how every option compares. */
export function inferenceResult(plan: Plan): HTMLElement[] {
  type Option = { tp: number; gpus: number; replicas: number; meetsSlo: boolean; estimate: Record<string, number | boolean> };
  const options = (Array.isArray(plan.options) ? plan.options : []) as Option[];
  const best = (isRecord(plan.best) ? plan.best : undefined) as Option | undefined;
  const e = best?.estimate ?? {};
  const ms = (v: unknown): string => (typeof v === "number" ? `${(v * 1000).toFixed(0)} ms` : "—");
  const out: HTMLElement[] = [
    h(
      "div",
      { class: "stats", id: "plan-stats" },
      stat("Best option", best ? `TP ${best.tp}` : "none", best ? `${best.replicas} replica(s)` : "no option meets the SLO"),
      stat("GPUs", best?.gpus ?? "—", String(plan.accelerator ?? "")),
      stat("Time to first token", ms(e.ttftS)),
      stat("Inter-token latency", ms(e.interTokenLatencyS)),
      stat("Output tokens/s", fmtNumber(typeof e.outputTokensPerS === "number" ? e.outputTokensPerS : undefined), "per replica"),
      stat("Batch", typeof e.batch === "number" ? e.batch : "—", typeof e.maxBatch === "number" ? `max ${e.maxBatch}` : undefined),
    ),
  ];
  if (options.length) {
    out.push(
      barChart(
        "GPUs needed per tensor-parallel option",
        options.map((o) => [`tp ${o.tp}${o.meetsSlo ? "" : " (misses SLO)"}`, o.gpus]),
      ),
    );
    out.push(
      card(
        "Options",
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["TP", "GPUs", "Replicas", "Batch", "TTFT", "ITL", "Tokens/s per GPU", "Meets SLO"].map((c) =>
                  h("th", { scope: "col" }, c),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              ...options.map((o) =>
                h(
                  "tr",
                  {},
                  ...[
                    String(o.tp),
                    String(o.gpus),
                    String(o.replicas),
                    String(o.estimate.batch ?? "—"),
                    ms(o.estimate.ttftS),
                    ms(o.estimate.interTokenLatencyS),
                    fmtNumber(typeof o.estimate.outputTokensPerSPerGpu === "number" ? o.estimate.outputTokensPerSPerGpu : undefined),
                    o.meetsSlo ? "✓" : "✗",
                  ].map((c) => h("td", {}, c)),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
  return out;
}

function fieldList(o: Record<string, unknown>): HTMLElement {
  return h(
    "dl",
    { class: "fields" },
    ...Object.entries(o).flatMap(([k, v]) => [h("dt", {}, labelOf(k)), h("dd", {}, typeof v === "number" ? fmtNumber(v) : String(v))]),
  );
}

/** Data center: its size, power, money per site; money and power as charts, network and storage as fields. */
export function datacenterResult(plan: Plan): HTMLElement[] {
  const rec = (k: string): Record<string, unknown> => (isRecord(plan[k]) ? plan[k] : {});
  const n = (o: Record<string, unknown>, k: string): number | undefined => (typeof o[k] === "number" ? o[k] : undefined);
  const capex = rec("capex");
  const power = rec("power");
  const sites = (Array.isArray(plan.sites) ? plan.sites : []) as Record<string, unknown>[];
  const out: HTMLElement[] = [
    h(
      "div",
      { class: "stats", id: "plan-stats" },
      stat("GPUs", fmtNumber(n(plan, "gpus")), String(plan.accelerator ?? "")),
      stat("Nodes", fmtNumber(n(plan, "nodes")), `${fmtNumber(n(plan, "gpusPerNode"))} GPUs each`),
      stat(
        "Racks",
        fmtNumber(n(plan, "racks")),
        `${fmtNumber(n(plan, "rackPowerKw"))} kW of ${fmtNumber(n(plan, "rackPowerBudgetKw"))} kW`,
      ),
      stat("IT power", fmtNumber((n(power, "itKw") ?? NaN) * 1000, "W"), `cooling: ${String(plan.cooling ?? "—")}`),
      stat("Capex", n(capex, "totalUsd") !== undefined ? `$${fmtNumber(n(capex, "totalUsd"))}` : "—"),
      stat("Years", fmtNumber(n(plan, "years"))),
    ),
    h(
      "div",
      { class: "grid-2" },
      barChart(
        "Capex (USD)",
        numbers(capex).filter(([k]) => !k.startsWith("total")),
      ),
      barChart(
        "Power (kW)",
        numbers(power).filter(([k]) => k !== "itKw"),
      ),
    ),
  ];
  if (sites.length) {
    out.push(
      barChart(
        "Total cost of ownership per site (USD)",
        sites.map((s) => [String(s.site), typeof s.tcoUsd === "number" ? s.tcoUsd : 0]),
      ),
    );
    out.push(...genericResult({ sites }).slice(1));
  }
  out.push(h("div", { class: "grid-2" }, card("Network", fieldList(rec("network"))), card("Storage", fieldList(rec("storage")))));
  return out;
}

import { api } from "../api.js";
import { issuesBox } from "../issues-box.js";
import { axisStyle, chart, disposeAll, palette } from "../charts.js";
import { card, errorBox, fmtDuration, fmtNumber, h, mount, table } from "../dom.js";
import type { Page } from "../routes.js";

const POLICIES = ["fifo", "greedy", "sjf", "las", "priority", "drf", "backfill-easy", "backfill-conservative", "topology"] as const;
const TRACE_KEYS = ["id", "submitS", "durationS", "gpus", "gpuMilli", "queue", "priority", "estimateS"];

interface SimResult {
  readonly policy: string;
  readonly finished: number;
  readonly unschedulable: number;
  readonly avgJctS: number;
  readonly p99JctS: number;
  readonly avgQueueS: number;
  readonly p99QueueS: number;
  readonly avgSlowdown: number;
  readonly makespanS: number;
  readonly gpuUtilization: number;
}

/** A seeded synthetic trace: mostly small jobs, some 8-16 GPU gangs, on the research and production queues. */
export function syntheticTrace(n: number, seed = 7): Record<string, unknown>[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const sizes = [1, 1, 1, 2, 2, 4, 4, 8, 8, 16];
  let t = 0;
  return Array.from({ length: n }, (_, i) => {
    t += -Math.log(1 - rnd()) * 300;
    const durationS = Math.round(300 + -Math.log(1 - rnd()) * 3600);
    return {
      id: `job-${i}`,
      submitS: Math.round(t),
      durationS,
      gpus: sizes[Math.floor(rnd() * sizes.length)] ?? 1,
      queue: rnd() < 0.6 ? "research" : "production",
      estimateS: Math.round(durationS * (0.5 + rnd())),
    };
  });
}

function parseJsonl(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((o) => o.kind !== "Trace")
    .map((o) => Object.fromEntries(Object.entries(o).filter(([k]) => TRACE_KEYS.includes(k))));
}

function results(list: readonly SimResult[]): HTMLElement[] {
  const names = list.map((r) => r.policy);
  const timeEl = h("div", { class: "chart", role: "img", "aria-label": "Queueing delay and completion time per policy" });
  const utilEl = h("div", { class: "chart", role: "img", "aria-label": "GPU utilization per policy" });
  queueMicrotask(() => {
    const base = {
      tooltip: { trigger: "axis" },
      legend: { top: 0, itemGap: 24, textStyle: { color: palette().text } },
      grid: { left: 64, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: names, ...axisStyle() },
    };
    chart(timeEl, {
      ...base,
      yAxis: { type: "value", ...axisStyle(), axisLabel: { color: palette().text, formatter: (v: number) => fmtDuration(v) } },
      series: [
        { name: "Avg queueing", type: "bar", data: list.map((r) => r.avgQueueS) },
        { name: "p99 queueing", type: "bar", data: list.map((r) => r.p99QueueS) },
        { name: "Avg completion", type: "bar", data: list.map((r) => r.avgJctS) },
      ],
    });
    chart(utilEl, {
      ...base,
      yAxis: { type: "value", max: 100, ...axisStyle(), axisLabel: { color: palette().text, formatter: "{value}%" } },
      series: [{ name: "GPU utilization", type: "bar", data: list.map((r) => +(r.gpuUtilization * 100).toFixed(1)) }],
    });
  });
  return [
    card(
      "Results",
      table(
        [
          "Policy",
          "Finished",
          "Unschedulable",
          "Avg queueing",
          "p99 queueing",
          "Avg completion",
          "p99 completion",
          "Avg slowdown",
          "Makespan",
          "GPU util.",
        ],
        list.map((r) => [
          h("strong", {}, r.policy),
          r.finished,
          r.unschedulable,
          fmtDuration(r.avgQueueS),
          fmtDuration(r.p99QueueS),
          fmtDuration(r.avgJctS),
          fmtDuration(r.p99JctS),
          fmtNumber(r.avgSlowdown),
          fmtDuration(r.makespanS),
          `${(r.gpuUtilization * 100).toFixed(1)}%`,
        ]),
      ),
    ),
    h("div", { class: "grid-2 grid-even" }, card("Waiting and completion time", timeEl), card("GPU utilization", utilEl)),
  ];
}

/** What-if: replay a trace on this cluster under several policies and compare them. */
export const simPage: Page = (el) => {
  const boxes = POLICIES.map((p) => {
    const input = h("input", { type: "checkbox", value: p, id: `policy-${p}`, checked: p === "fifo" || p === "sjf" });
    return { input, label: h("label", { class: "check", for: `policy-${p}` }, input, ` ${p}`) };
  });
  const source = h(
    "select",
    { id: "trace-source", class: "input" },
    h("option", { value: "synthetic" }, "Synthetic: 300 jobs (seeded)"),
    h("option", { value: "history" }, "This cluster's finished jobs"),
    h("option", { value: "paste" }, "Paste a trace (JSON lines)"),
  );
  const pasted = h("textarea", { id: "trace-text", class: "input code", rows: 8, hidden: true, "aria-label": "Trace (JSON lines)" });
  pasted.value =
    '{"id":"a","submitS":0,"durationS":3600,"gpus":16,"queue":"research"}\n{"id":"b","submitS":60,"durationS":600,"gpus":4,"queue":"production"}\n';
  source.addEventListener("change", () => (pasted.hidden = source.value !== "paste"));
  const scale = h("input", { id: "node-scale", class: "input", type: "number", min: 0.1, max: 10, step: 0.1, value: 1 });
  const issues = h("div", { id: "sim-issues", "aria-live": "polite" });
  const out = h("div", { id: "sim-result", class: "stack" });
  const run = h("button", { class: "btn btn-primary", type: "submit", id: "run-sim" }, "Compare policies");
  const form = h(
    "form",
    { class: "card" },
    h("fieldset", { class: "checks" }, h("legend", {}, "Policies"), ...boxes.map((b) => b.label)),
    h(
      "div",
      { class: "filters" },
      h("label", { for: "trace-source" }, "Trace"),
      source,
      h("label", { for: "node-scale" }, "Node scale"),
      scale,
    ),
    pasted,
    issues,
    h("div", { class: "actions" }, run),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    mount(issues);
    const policies = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
    let jobs: Record<string, unknown>[] | undefined;
    try {
      jobs = source.value === "synthetic" ? syntheticTrace(300) : source.value === "paste" ? parseJsonl(pasted.value) : undefined;
    } catch (err) {
      mount(issues, errorBox(`The trace is not JSON lines: ${(err as Error).message}`));
      return;
    }
    run.disabled = true;
    mount(out, h("p", { class: "loading" }, "Simulating…"));
    api<{ jobs: number; results: SimResult[] }>("/api/v1/simulations", {
      method: "POST",
      body: { policies, nodeScale: Number(scale.value) || 1, ...(jobs ? { jobs } : {}) },
    })
      .then((r) => {
        disposeAll();
        mount(out, h("p", { class: "muted" }, `${r.jobs} jobs replayed on this cluster.`), ...results(r.results));
      })
      .catch((err: unknown) => {
        mount(out);
        mount(issues, issuesBox(err));
      })
      .finally(() => (run.disabled = false));
  });
  mount(
    el,
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Simulator"),
      h("p", { class: "muted" }, "Replay a trace under several scheduling policies."),
    ),
    form,
    out,
  );
  return undefined;
};

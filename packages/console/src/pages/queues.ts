import { api } from "../api.js";
import { axisStyle, chart, palette } from "../charts.js";
import { card, errorBox, h, link, mount, meter, table } from "../dom.js";
import type { Page } from "../routes.js";
import type { QueueView } from "../types.js";

/** Queues with their quotas, GPUs in use and job counts. */
export const queuesPage: Page = (el) => {
  const list = h("div", { id: "queues-list" }, h("p", { class: "loading" }, "Loading queues…"));
  const chartEl = h("div", { class: "chart", role: "img", "aria-label": "GPUs used versus quota per queue" });
  const err = h("div");
  mount(
    el,
    h("div", { class: "page-head" }, h("h1", {}, "Queues and quotas")),
    err,
    h("section", { class: "card" }, list),
    card("Use versus quota", chartEl),
  );
  const c = chart(chartEl, {
    tooltip: { trigger: "axis" },
    legend: { top: 0, itemGap: 24, textStyle: { color: palette().text } },
    grid: { left: 48, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: [], ...axisStyle() },
    yAxis: { type: "value", name: "GPUs", minInterval: 1, ...axisStyle() },
    series: [
      { name: "Used", type: "bar", data: [] },
      { name: "Quota", type: "bar", data: [] },
    ],
  });
  const load = (): void => {
    api<{ queues: QueueView[] }>("/api/v1/queues")
      .then(({ queues }) => {
        mount(err);
        mount(
          list,
          table(
            ["Queue", "Partition", "Priority", "Weight", "Cohort", "GPUs used / quota", "Borrow limit", "Running", "Pending"],
            queues.map((q) => [
              h("strong", {}, q.name),
              q.partition ?? "—",
              q.priority ?? "—",
              q.weight ?? "—",
              q.cohort ?? "—",
              q.quota?.gpus !== undefined ? meter(q.usedGpus, q.quota.gpus, `${q.name} quota use`) : `${q.usedGpus} (no quota)`,
              q.borrowingLimit?.gpus ?? "—",
              link(`/jobs?state=running&queue=${encodeURIComponent(q.name)}`, String(q.runningJobs)),
              link(`/jobs?state=pending&queue=${encodeURIComponent(q.name)}`, String(q.pendingJobs)),
            ]),
            "No queues are defined.",
          ),
        );
        c.setOption({
          xAxis: { data: queues.map((q) => q.name) },
          series: [{ data: queues.map((q) => q.usedGpus) }, { data: queues.map((q) => q.quota?.gpus ?? 0) }],
        });
      })
      .catch((e: unknown) => mount(err, errorBox(e)));
  };
  load();
  const timer = setInterval(load, 5000);
  return () => clearInterval(timer);
};

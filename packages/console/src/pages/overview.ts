import { api } from "../api.js";
import { axisStyle, chart, palette } from "../charts.js";
import { badge, card, errorBox, fmtTime, h, link, mount, stat } from "../dom.js";
import { gpuSamples, onSample, sampleNow } from "../sampler.js";
import { hostMetrics } from "../host-metrics.js";
import type { ClusterView, JobView, NodeView } from "../types.js";
import type { Page } from "../routes.js";

const WINDOW_MS = 10 * 60 * 1000;

interface AlertView {
  readonly id?: string;
  readonly fingerprint: string;
  readonly alertname: string;
  readonly severity: string;
  readonly state: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly activeAtMs: number;
  readonly acknowledged?: { readonly by: string };
}

function alertList(list: readonly AlertView[], reload: () => void): HTMLElement {
  const active = list.filter((a) => a.state !== "resolved");
  if (active.length === 0) return h("p", { class: "ok-note" }, "✓ No active alerts.");
  return h(
    "ul",
    { class: "alert-list" },
    ...active.map((a) =>
      h(
        "li",
        {},
        badge(a.state === "firing" ? a.severity : "pending", a.state === "firing" ? "failed" : "pending"),
        " ",
        h("strong", {}, a.alertname),
        a.labels.node ? h("span", { class: "muted" }, ` on ${a.labels.node}`) : null,
        a.annotations.summary ? h("div", { class: "small muted" }, a.annotations.summary) : null,
        h(
          "div",
          { class: "small muted" },
          `since ${fmtTime(a.activeAtMs)}`,
          a.acknowledged ? ` · acknowledged by ${a.acknowledged.by}` : "",
        ),
        a.acknowledged ? null : ackButton(a, reload),
      ),
    ),
  );
}

function ackButton(a: AlertView, reload: () => void): HTMLElement {
  const b = h("button", { class: "btn btn-small", type: "button" }, "Acknowledge");
  b.addEventListener("click", () => {
    b.disabled = true;
    api(`/api/v1/alerts/${encodeURIComponent(a.id ?? a.fingerprint)}/ack`, { method: "POST", body: {} })
      .then(reload)
      .catch((e: unknown) => b.replaceWith(errorBox(e)));
  });
  return b;
}

/** Cluster totals, GPU use over time, job counts, a per-node GPU heatmap and alerts. */
export const overviewPage: Page = (el) => {
  const title = h("h1", {}, "Overview");
  const subtitle = h("p", { class: "muted" }, "Loading cluster…");
  const stats = h("div", { class: "stats" });
  const lineEl = h("div", { class: "chart", id: "util-chart", role: "img", "aria-label": "GPUs in use over time" });
  const heatEl = h("div", { class: "chart chart-tall", id: "gpu-heatmap", role: "img", "aria-label": "GPU allocation per node" });
  const alerts = h("div", {}, h("p", { class: "muted" }, "Checking alerts…"));
  const err = h("div");
  const hostEl = h("div", {}, h("p", { class: "muted" }, "Loading host metrics…"));
  mount(
    el,
    h("div", { class: "page-head" }, h("div", {}, title, subtitle)),
    err,
    stats,
    h("div", { class: "grid-2" }, card("GPUs in use", lineEl), card("Alerts", alerts)),
    card("GPU allocation per node", h("p", { class: "muted small" }, "One cell per GPU: allocated, free or cordoned."), heatEl),
    card("Host CPU and memory, last hour", hostEl),
  );
  const line = chart(lineEl, {
    tooltip: { trigger: "axis" },
    legend: { top: 0, itemGap: 24, textStyle: { color: palette().text } },
    grid: { left: 40, right: 24, top: 36, bottom: 28 },
    xAxis: {
      type: "time",
      ...axisStyle(),
      axisLabel: { color: palette().text, fontSize: 11, hideOverlap: true },
      splitLine: { show: false },
    },
    yAxis: { type: "value", minInterval: 1, ...axisStyle() },
    series: [
      { name: "Used GPUs", type: "line", showSymbol: false, areaStyle: { opacity: 0.15 }, data: [] },
      { name: "Total GPUs", type: "line", showSymbol: false, lineStyle: { type: "dashed" }, data: [] },
    ],
  });
  const surface = getComputedStyle(document.documentElement).getPropertyValue("--surface").trim() || "#fff";
  const heat = chart(heatEl, {
    tooltip: {
      formatter: (p: { value: [number, number, number] }) => `GPU ${p.value[0]}: ${["free", "allocated", "cordoned"][p.value[2]] ?? ""}`,
    },
    grid: { left: 80, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: [], ...axisStyle(), splitArea: { show: false } },
    yAxis: { type: "category", data: [], inverse: true, ...axisStyle() },
    visualMap: {
      type: "piecewise",
      orient: "horizontal",
      right: 16,
      top: 0,
      itemGap: 16,
      textStyle: { color: palette().text },
      pieces: [
        { value: 0, label: "free", color: palette().grid },
        { value: 1, label: "allocated", color: palette().colors[0] },
        { value: 2, label: "cordoned", color: palette().colors[3] },
      ],
    },
    series: [{ type: "heatmap", data: [], itemStyle: { borderColor: surface, borderWidth: 3, borderRadius: 4 } }],
  });
  let cluster: ClusterView | undefined;
  let counts = { running: 0, pending: 0 };

  const drawStats = (nodes: readonly NodeView[]): void => {
    const total = nodes.reduce((s, n) => s + n.gpus, 0);
    const used = nodes.reduce((s, n) => s + n.gpus - n.freeGpus, 0);
    const cordoned = nodes.filter((n) => n.cordoned !== undefined).length;
    mount(
      stats,
      stat("Nodes", nodes.length, cordoned ? `${cordoned} cordoned` : "all schedulable"),
      stat("GPUs", total, `${total - used} free`),
      stat("GPU allocation", total ? `${Math.round((used / total) * 100)}%` : "—", `${used} in use`),
      h("a", { href: "/jobs?state=running", "data-nav": true, class: "stat-link" }, stat("Running jobs", counts.running)),
      h("a", { href: "/jobs?state=pending", "data-nav": true, class: "stat-link" }, stat("Pending jobs", counts.pending)),
      stat("CPUs", cluster?.totals.cpus ?? "—", cluster ? `${cluster.totals.memoryGiB} GiB memory` : undefined),
    );
  };
  const draw = (nodes: readonly NodeView[]): void => {
    drawStats(nodes);
    const s = gpuSamples();
    const last = s.at(-1)?.atMs ?? Date.now();
    const first = s[0]?.atMs ?? last;
    line.setOption({
      // a window of at least ten minutes that fills in as samples arrive
      xAxis: { min: Math.min(first, last - WINDOW_MS), max: last },
      series: [
        { data: s.map((x) => [x.atMs, x.usedGpus]), showSymbol: s.length < 3 },
        { data: s.map((x) => [x.atMs, x.totalGpus]), showSymbol: s.length < 3 },
      ],
    });
    const maxGpus = Math.max(1, ...nodes.map((n) => n.gpus));
    const withGpus = nodes.filter((n) => n.gpus > 0);
    const cells = withGpus.flatMap((n, y) =>
      Array.from({ length: n.gpus }, (_, x) => [x, y, n.cordoned !== undefined ? 2 : x < n.gpus - n.freeGpus ? 1 : 0]),
    );
    heatEl.style.height = `${Math.max(160, withGpus.length * 34 + 70)}px`;
    heat.resize();
    heat.setOption({
      xAxis: { data: Array.from({ length: maxGpus }, (_, i) => String(i)) },
      yAxis: { data: withGpus.map((n) => n.name) },
      series: [{ data: cells }],
    });
  };
  const refreshJobs = async (): Promise<void> => {
    const [running, pending] = await Promise.all([
      api<{ jobs: JobView[] }>("/api/v1/jobs?state=admitted,running"),
      api<{ jobs: JobView[] }>("/api/v1/jobs?state=pending"),
    ]);
    counts = { running: running.jobs.length, pending: pending.jobs.length };
  };

  const refresh = (): void => {
    refreshJobs()
      .then(() => sampleNow())
      .then(() => mount(err))
      .catch((e: unknown) => mount(err, errorBox(e)));
  };
  api<ClusterView>("/api/v1/cluster")
    .then((c) => {
      cluster = c;
      title.textContent = `Cluster ${c.name}`;
      subtitle.textContent = `${c.description ?? ""}${c.description ? " · " : ""}${c.fabric.topology} fabric · ${c.racks.length} racks in ${c.pods.length} pod(s)`;
    })
    .catch((e: unknown) => mount(err, errorBox(e)));
  const loadAlerts = (): void => {
    api<{ alerts?: AlertView[] }>("/api/v1/alerts")
      .then((a) => mount(alerts, alertList(a.alerts ?? [], loadAlerts)))
      .catch(() =>
        mount(alerts, h("p", { class: "muted" }, "Alerting is not enabled on this server. "), link("/nodes", "See node health →")),
      );
  };
  loadAlerts();
  const unsubscribe = onSample(draw);
  const stopHost = hostMetrics(hostEl);
  refresh();
  const timer = setInterval(() => {
    refreshJobs().catch(() => undefined);
    loadAlerts();
  }, 5000);
  return () => {
    unsubscribe();
    stopHost();
    clearInterval(timer);
  };
};

import { api } from "../api.js";
import { chart } from "../charts.js";
import { badge, errorBox, fmtNumber, fmtTime, h, link, loading, mount, stat, table } from "../dom.js";
import type { Page } from "../routes.js";

/** A federated run as GET /api/v1/federated/runs(/:id) answers it. */
export interface FederatedRunView {
  id: string;
  name: string;
  user: string;
  status: "running" | "succeeded" | "failed";
  message?: string;
  createdAtMs: number;
  phase: { round: number; jobs: Record<string, string> };
  sites: number;
  rounds: number;
  secureAggregation: boolean;
  dp?: { clip: number; noiseMultiplier: number; delta: number };
  joinBytes: number[];
  history: {
    round: number;
    participants: number[];
    dropped?: number[];
    jobs: string[];
    bytesSent: number[];
    trainLoss?: number;
    trainAccuracy?: number;
    testAccuracy?: number;
    epsilon?: number;
    finishedAtMs: number;
  }[];
  model?: { project: string; name: string; version: number };
}

const REFRESH_MS = 3000;
const fmt = (x: number | undefined, d = 4): string => (x === undefined ? "—" : x.toFixed(d));
const bytes = (b: number): string => (b >= 1 << 20 ? `${fmtNumber(b / (1 << 20))} MiB` : `${fmtNumber(b / 1024)} KiB`);
const statusBadge = (s: FederatedRunView["status"]): HTMLSpanElement => badge(s, s === "running" ? "running" : s);

/** Mean bytes a participating site sent in a round. */
export function meanBytes(sent: readonly number[]): number {
  const live = sent.filter((b) => b > 0);
  return live.length === 0 ? 0 : live.reduce((a, b) => a + b, 0) / live.length;
}

function privacyLine(r: FederatedRunView): string {
  const parts = [r.secureAggregation ? "secure aggregation (the coordinator sees only sums)" : "plain aggregation"];
  if (r.dp) parts.push(`DP on updates: σ = ${r.dp.noiseMultiplier}, clip ${r.dp.clip}, δ = ${r.dp.delta}`);
  return parts.join(" · ");
}

function runDetail(el: HTMLElement, id: string): () => void {
  const body = h("div", {}, loading("Loading the run…"));
  mount(el, h("div", { class: "page-head" }, h("h1", {}, "Federated run"), link("/federated", "All runs")), body);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const load = (): void => {
    api<FederatedRunView>(`/api/v1/federated/runs/${encodeURIComponent(id)}`)
      .then((r) => {
        const last = r.history.at(-1);
        const curve = h("div", { id: "federated-curve", class: "chart", style: "height:260px" });
        mount(
          body,
          h(
            "p",
            {},
            h("strong", {}, r.name),
            " ",
            statusBadge(r.status),
            " ",
            h("code", {}, r.id),
            ` · ${r.user} · started ${fmtTime(r.createdAtMs)}`,
          ),
          r.message ? h("p", { class: "error" }, r.message) : null,
          h("p", { class: "muted" }, privacyLine(r)),
          h(
            "div",
            { class: "stats" },
            stat("Round", `${Math.min(r.phase.round, r.rounds)} / ${r.rounds}`),
            stat("Sites", r.sites),
            stat("Test accuracy", fmt(last?.testAccuracy)),
            ...(r.dp ? [stat("ε spent", fmt(last?.epsilon, 3), `δ = ${r.dp.delta}`)] : []),
            stat("Model", r.model ? `${r.model.project}/${r.model.name}:${r.model.version}` : "—"),
          ),
          r.history.some((x) => x.testAccuracy !== undefined) ? curve : null,
          h(
            "section",
            { class: "card" },
            h("h2", {}, "Rounds"),
            table(
              ["Round", "Sites", "Train loss", "Train acc", "Test acc", "ε", "Bytes per site", "Jobs"],
              r.history.map((x) => [
                x.round,
                `${x.participants.length} (${x.participants.join(", ")})${x.dropped?.length ? `; dropped ${x.dropped.join(", ")}` : ""}`,
                fmt(x.trainLoss),
                fmt(x.trainAccuracy),
                fmt(x.testAccuracy),
                fmt(x.epsilon, 3),
                bytes(meanBytes(x.bytesSent)),
                h("span", {}, ...x.jobs.flatMap((j, i) => [i > 0 ? " " : "", link(`/jobs/${j}`, j.slice(0, 8))])),
              ]),
              r.status === "running" ? "The first round is under way." : "No training round finished.",
            ),
          ),
        );
        if (r.history.some((x) => x.testAccuracy !== undefined)) {
          chart(curve, {
            tooltip: { trigger: "axis" },
            xAxis: { type: "category", name: "round", data: r.history.map((x) => x.round) },
            yAxis: { type: "value", name: "test accuracy", min: "dataMin" },
            series: [{ type: "line", name: "test accuracy", data: r.history.map((x) => x.testAccuracy ?? null) }],
          });
        }
        if (r.status === "running") timer = setTimeout(load, REFRESH_MS);
      })
      .catch((e: unknown) => mount(body, errorBox(e)));
  };
  load();
  return () => clearTimeout(timer);
}

/** Federated runs: the list (newest first), or one run's rounds, sites, metrics and bytes sent (refreshing while it runs). */
export const federatedPage: Page = (el, params) => {
  const id = params[0];
  if (id) return runDetail(el, id); // the router passes "" when the optional part is absent
  const list = h("div", { id: "federated-list" }, loading("Loading federated runs…"));
  mount(
    el,
    h("div", { class: "page-head" }, h("h1", {}, "Federated runs")),
    h(
      "p",
      { class: "muted" },
      "Training across sites: one job per site per round; only model updates leave a site. Start one with aidc federated start.",
    ),
    h("section", { class: "card" }, list),
  );
  api<{ runs: FederatedRunView[] }>("/api/v1/federated/runs")
    .then(({ runs }) =>
      mount(
        list,
        table(
          ["Run", "Name", "User", "Status", "Round", "Sites", "Test accuracy", "Privacy"],
          runs.map((r) => [
            link(`/federated/${r.id}`, r.id),
            r.name,
            r.user,
            statusBadge(r.status),
            `${Math.min(r.phase.round, r.rounds)} / ${r.rounds}`,
            r.sites,
            fmt(r.history.at(-1)?.testAccuracy),
            [r.secureAggregation ? "secure agg." : "", r.dp ? "DP" : ""].filter(Boolean).join(", ") || "—",
          ]),
          "No federated runs yet.",
        ),
      ),
    )
    .catch((e: unknown) => mount(list, errorBox(e)));
  return undefined;
};

import { api } from "../api.js";
import { badge, card, errorBox, fmtNumber, fmtTime, h, loading, mount, stat } from "../dom.js";
import type { Page } from "../routes.js";

interface Recommendation {
  id: string;
  kind: string;
  severity: "info" | "warning" | "critical";
  title: string;
  evidence: Record<string, unknown> & { source: string };
  expectedGain: { value: number; unit: string; basis: string };
  action: { description: string; command?: string; api?: string };
  /** The what-if forecast of the proposed change on the live queue. */
  forecast?: { pending: number; meanDelayBeforeS: number; meanDelayAfterS: number; neverStartBefore: number; neverStartAfter: number };
}

function forecastText(f: NonNullable<Recommendation["forecast"]>): string {
  const t = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.round(s / 60)} min`);
  const never = f.neverStartBefore !== f.neverStartAfter ? `; jobs that never start ${f.neverStartBefore} → ${f.neverStartAfter}` : "";
  return `mean wait of the ${f.pending} pending jobs ${t(f.meanDelayBeforeS)} → ${t(f.meanDelayAfterS)}${never}`;
}

/** Severity -> an existing badge style (red, amber, grey). */
const SEVERITY_STYLE: Record<Recommendation["severity"], string> = { critical: "failed", warning: "pending", info: "cancelled" };

const UNITS: Record<string, string> = {
  gpuHoursPerWeek: "GPU-h / week",
  gpus: "GPUs",
  queueDelayReductionPct: "% less queueing",
  runtimeReductionPct: "% shorter runtime",
  costUsdPerRun: "USD / run",
};

function gain(g: Recommendation["expectedGain"]): string {
  return g.unit === "bytes" ? fmtNumber(g.value, "B") : `${fmtNumber(g.value)} ${UNITS[g.unit] ?? g.unit}`;
}

function item(r: Recommendation): HTMLElement {
  return h(
    "article",
    { class: "card", "data-kind": r.kind, "aria-labelledby": `reco-${r.id.replace(/[^a-zA-Z0-9_-]/g, "_")}` },
    h(
      "div",
      { class: "card-head" },
      h(
        "h2",
        {
          id: `reco-${r.id.replace(/[^a-zA-Z0-9_-]/g, "_")}`,
          style: "text-transform:none;letter-spacing:0;font-size:1.05em;color:var(--text)",
        },
        r.title,
      ),
      h("span", {}, badge(r.severity, SEVERITY_STYLE[r.severity]), " ", badge(r.kind, "kind")),
    ),
    h("p", {}, h("strong", {}, "Expected gain: "), gain(r.expectedGain), h("span", { class: "muted" }, ` — ${r.expectedGain.basis}`)),
    r.forecast !== undefined ? h("p", { class: "forecast" }, h("strong", {}, "What-if forecast: "), forecastText(r.forecast)) : null,
    h("p", {}, h("strong", {}, "Action: "), r.action.description),
    r.action.command !== undefined ? h("pre", { class: "code" }, `$ ${r.action.command}`) : null,
    r.action.api !== undefined ? h("pre", { class: "code" }, r.action.api) : null,
    h(
      "details",
      {},
      h("summary", {}, `Evidence (${r.evidence.source})`),
      h("pre", { class: "code", tabindex: 0, "aria-label": `Evidence for ${r.title}` }, JSON.stringify(r.evidence, null, 2)),
    ),
  );
}

/** Recommendations from the live state, the simulator and the planner, most severe first. */
export const recommendationsPage: Page = (el) => {
  const summary = h("div", { class: "stats", id: "reco-summary" });
  const list = h("div", { id: "reco-list", class: "page" }, loading("Computing recommendations…"));
  const err = h("div");
  const when = h("p", { class: "muted" });
  const catalog = h("input", { type: "checkbox", id: "reco-catalog" });
  const refresh = h("button", { class: "btn btn-small", type: "button" }, "Refresh");
  mount(
    el,
    h(
      "div",
      { class: "page-head" },
      h("div", {}, h("h1", {}, "Recommendations"), when),
      h(
        "div",
        { class: "actions" },
        h("label", { for: "reco-catalog" }, catalog, " Compare with accelerators this cluster lacks"),
        refresh,
      ),
    ),
    err,
    summary,
    list,
  );
  let busy = false;
  const load = (): void => {
    if (busy) return;
    busy = true;
    refresh.setAttribute("disabled", "");
    api<{ recommendations: Recommendation[]; generatedAtMs: number }>(`/api/v1/recommendations${catalog.checked ? "?catalog=true" : ""}`)
      .then(({ recommendations, generatedAtMs }) => {
        mount(err);
        when.textContent = `Computed ${fmtTime(generatedAtMs)}`;
        const count = (s: string): number => recommendations.filter((r) => r.severity === s).length;
        mount(summary, stat("Critical", count("critical")), stat("Warnings", count("warning")), stat("Suggestions", count("info")));
        mount(
          list,
          ...(recommendations.length > 0
            ? recommendations.map(item)
            : [
                card(
                  "Nothing stands out",
                  h("p", { class: "empty" }, "No idle GPUs, fragmentation, quota imbalance, storage or policy findings."),
                ),
              ]),
        );
      })
      .catch((e: unknown) => mount(err, errorBox(e)))
      .finally(() => {
        busy = false;
        refresh.removeAttribute("disabled");
      });
  };
  refresh.addEventListener("click", load);
  catalog.addEventListener("change", load);
  load();
  const timer = setInterval(load, 30_000);
  return () => clearInterval(timer);
};

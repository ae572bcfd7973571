import { api } from "../api.js";
import { issuesBox } from "../issues-box.js";
import { badge, card, errorBox, fmtTime, h, loading, mount, table } from "../dom.js";
import type { Page } from "../routes.js";

interface AlertView {
  readonly id: string;
  readonly alertname: string;
  readonly severity: "info" | "warning" | "critical";
  readonly state: "pending" | "firing" | "resolved";
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly activeAtMs: number;
  readonly silencedBy: readonly string[];
  readonly acknowledged?: { readonly by: string };
}

interface Matcher {
  readonly name: string;
  readonly value: string;
  readonly regex?: boolean;
}

interface SilenceView {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** Severity -> an existing badge style (red, amber, grey). */
const SEVERITY_STYLE: Record<string, string> = { critical: "failed", warning: "pending", info: "cancelled" };

/** Labels other than the ones shown in their own columns. */
function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .filter(([k]) => k !== "alertname" && k !== "severity")
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

function matcherText(m: Matcher): string {
  return `${m.name}${m.regex ? "=~" : "="}${m.value}`;
}

/** "node=dgx-a-02, gpu=~[0-3]" -> matchers; a part without "=" is sent as a name so the server names the problem. */
function parseMatchers(text: string): Matcher[] {
  return text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      if (eq < 0) return { name: p, value: "" };
      const regex = p[eq + 1] === "~";
      return { name: p.slice(0, eq).trim(), value: p.slice(eq + (regex ? 2 : 1)).trim(), ...(regex ? { regex: true } : {}) };
    });
}

/** Active alerts (acknowledge), silences (delete) and a form to create a silence. */
export const alertsPage: Page = (el) => {
  const err = h("div");
  const alertsEl = h("div", { id: "alerts-list" }, loading("Loading alerts…"));
  const silencesEl = h("div", { id: "silences-list" }, loading("Loading silences…"));
  const matchers = h("input", {
    id: "silence-matchers",
    class: "input",
    type: "text",
    placeholder: "alertname=GpuEccErrors, node=dgx-a-02",
    "aria-describedby": "silence-matchers-hint",
  });
  const minutes = h("input", { id: "silence-minutes", class: "input", type: "number", min: 1, step: 1, value: 60 });
  const comment = h("input", { id: "silence-comment", class: "input", type: "text" });
  const submit = h("button", { id: "create-silence", class: "btn btn-primary", type: "submit" }, "Create silence");
  const formIssues = h("div", { id: "silence-issues", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "page", "aria-label": "Create a silence" },
    h(
      "div",
      {},
      h("label", { for: "silence-matchers" }, "Matchers"),
      matchers,
      h("div", { class: "hint", id: "silence-matchers-hint" }, "label=value pairs separated by commas; label=~regex matches a pattern."),
    ),
    h("div", {}, h("label", { for: "silence-minutes" }, "Duration (minutes)"), minutes),
    h("div", {}, h("label", { for: "silence-comment" }, "Comment"), comment),
    formIssues,
    h("div", { class: "actions" }, submit),
  );
  mount(
    el,
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "Alerts"))),
    err,
    card("Active alerts", alertsEl),
    card("Silences", silencesEl),
    card("New silence", form),
  );

  const ackButton = (a: AlertView): HTMLElement => {
    const b = h("button", { class: "btn btn-small", type: "button" }, "Acknowledge");
    b.addEventListener("click", () => {
      b.disabled = true;
      api(`/api/v1/alerts/${encodeURIComponent(a.id)}/ack`, { method: "POST", body: {} })
        .then(load)
        .catch((e: unknown) => b.replaceWith(errorBox(e)));
    });
    return b;
  };

  const deleteButton = (s: SilenceView): HTMLElement => {
    const b = h("button", { class: "btn btn-small btn-danger", type: "button", "aria-label": `Delete silence ${s.id}` }, "Delete");
    b.addEventListener("click", () => {
      b.disabled = true;
      fetchDelete(s.id)
        .then(load)
        .catch((e: unknown) => b.replaceWith(errorBox(e)));
    });
    return b;
  };

  const render = (alerts: readonly AlertView[], silences: readonly SilenceView[]): void => {
    const active = alerts.filter((a) => a.state !== "resolved");
    mount(
      alertsEl,
      active.length === 0
        ? h("p", { class: "ok-note" }, "✓ No active alerts.")
        : table(
            ["Alert", "Severity", "State", "Node / labels", "Since", "Summary", ""],
            active.map((a) => [
              h("strong", {}, a.alertname),
              badge(a.severity, SEVERITY_STYLE[a.severity] ?? "cancelled"),
              h(
                "span",
                {},
                badge(a.state, a.state === "firing" ? "failed" : "pending"),
                a.silencedBy.length > 0 ? h("span", { class: "muted small" }, " silenced") : null,
              ),
              h("span", {}, a.labels.node ? h("strong", {}, a.labels.node) : null, h("div", { class: "small muted" }, labelText(a.labels))),
              fmtTime(a.activeAtMs),
              a.annotations.summary ?? "—",
              a.acknowledged ? h("span", { class: "muted small" }, `acknowledged by ${a.acknowledged.by}`) : ackButton(a),
            ]),
          ),
    );
    mount(
      silencesEl,
      table(
        ["Matchers", "Starts", "Ends", "Created by", "Comment", ""],
        silences.map((s) => [
          h("code", {}, s.matchers.map(matcherText).join(", ")),
          fmtTime(s.startsAtMs),
          fmtTime(s.endsAtMs),
          s.createdBy,
          s.comment || "—",
          deleteButton(s),
        ]),
        "No silences.",
      ),
    );
  };

  let busy = false;
  function load(): void {
    if (busy) return;
    busy = true;
    Promise.all([api<{ alerts: AlertView[] }>("/api/v1/alerts"), api<{ silences: SilenceView[] }>("/api/v1/silences")])
      .then(([a, s]) => {
        mount(err);
        render(a.alerts, s.silences);
      })
      .catch((e: unknown) => mount(err, errorBox(e)))
      .finally(() => (busy = false));
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit.disabled = true;
    mount(formIssues);
    const body = { matchers: parseMatchers(matchers.value), durationS: Number(minutes.value) * 60, comment: comment.value };
    api<SilenceView>("/api/v1/silences", { method: "POST", body })
      .then(() => {
        matchers.value = "";
        comment.value = "";
        load();
      })
      .catch((e: unknown) => mount(formIssues, issuesBox(e)))
      .finally(() => (submit.disabled = false));
  });

  load();
  const timer = setInterval(load, 5_000);
  return () => clearInterval(timer);
};

/** DELETE answers 204 without a body, so it cannot go through api() (which parses JSON). */
async function fetchDelete(id: string): Promise<void> {
  await api<unknown>(`/api/v1/silences/${encodeURIComponent(id)}`, { method: "DELETE" }).catch((e: unknown) => {
    if (e instanceof SyntaxError) return; // 204: the body is empty
    throw e;
  });
}

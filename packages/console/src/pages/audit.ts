import { api } from "../api.js";
import { badge, errorBox, fmtTime, h, mount, table } from "../dom.js";
import type { Page } from "../routes.js";

/** One audit log entry as GET /api/v1/audit answers it. */
export interface AuditEntryView {
  id: number;
  atMs: number;
  actor: string;
  actorRole?: string;
  action: string;
  outcome: "allowed" | "denied";
  project: string;
  resource: string;
  jobId?: string;
  detail: Record<string, unknown>;
}

const ACTIONS = ["", "dataset.read", "dataset.job-read", "permission.set", "retention.set", "retention.delete", "pii.scan"] as const;
const OUTCOMES = ["", "allowed", "denied"] as const;
const PAGE = 100;

/** The detail worth a column: why it was denied, the byte range, the scan counts, the rule set. */
export function auditDetail(e: AuditEntryView): string {
  const d = e.detail;
  if (typeof d["reason"] === "string") return d["reason"];
  if (typeof d["range"] === "string") return d["range"];
  if (d["counts"] !== undefined && typeof d["counts"] === "object") {
    return Object.entries(d["counts"] as Record<string, number>)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
  }
  if (typeof d["minRole"] === "string") return `${String(d["permission"])} → ${d["minRole"]}`;
  if (d["cleared"] === true) return "rule removed";
  if (typeof d["keepVersions"] === "number" || typeof d["maxAgeDays"] === "number") {
    return [
      d["keepVersions"] !== undefined ? `keep ${String(d["keepVersions"])}` : "",
      d["maxAgeDays"] !== undefined ? `≤ ${String(d["maxAgeDays"])} days` : "",
    ]
      .filter((s) => s !== "")
      .join(", ");
  }
  if (typeof d["version"] === "number") return `version ${d["version"]}`;
  return "";
}

/**
 * The audit log: who read which dataset (downloads and job inputs) and who changed a project's data
 * rules, allowed and denied, newest first, with filters kept in the URL and older entries on demand.
 * Owners see their projects, operators and admins everything (the API decides).
 */
export const auditPage: Page = (el, _params, query) => {
  const project = h("input", { id: "audit-project", class: "input", placeholder: "project", value: query.get("project") ?? "" });
  const actor = h("input", { id: "audit-actor", class: "input", placeholder: "user", value: query.get("actor") ?? "" });
  const action = h("select", { id: "audit-action", class: "input" }, ...ACTIONS.map((a) => h("option", { value: a }, a || "all actions")));
  const outcome = h(
    "select",
    { id: "audit-outcome", class: "input" },
    ...OUTCOMES.map((o) => h("option", { value: o }, o || "all outcomes")),
  );
  action.value = query.get("action") ?? "";
  outcome.value = query.get("outcome") ?? "";
  const list = h("div", { id: "audit-list" }, h("p", { class: "loading" }, "Loading the audit log…"));
  const more = h("button", { id: "audit-more", class: "btn", type: "button", hidden: true }, "Older entries");
  const verifyOut = h("span", { id: "audit-verify-result" });
  const verify = h("button", { id: "audit-verify", class: "btn", type: "button" }, "Verify the chain");
  const err = h("div");
  mount(
    el,
    h("div", { class: "page-head" }, h("h1", {}, "Audit log"), h("div", {}, verify, " ", verifyOut)),
    h(
      "p",
      { class: "muted" },
      "Every dataset download and job input (allowed or denied) and every change to a project's data rules. Entries cannot be changed or removed.",
    ),
    h(
      "div",
      { class: "filters" },
      h("label", { for: "audit-project" }, "Project"),
      project,
      h("label", { for: "audit-actor" }, "User"),
      actor,
      h("label", { for: "audit-action" }, "Action"),
      action,
      h("label", { for: "audit-outcome" }, "Outcome"),
      outcome,
    ),
    err,
    h("section", { class: "card" }, list, more),
  );

  let entries: AuditEntryView[] = [];
  let next: number | undefined;
  const filters = (): URLSearchParams => {
    const q = new URLSearchParams();
    if (project.value.trim()) q.set("project", project.value.trim());
    if (actor.value.trim()) q.set("actor", actor.value.trim());
    if (action.value) q.set("action", action.value);
    if (outcome.value) q.set("outcome", outcome.value);
    return q;
  };
  const render = (): void => {
    mount(
      list,
      table(
        ["#", "Time", "User", "Action", "Outcome", "Resource", "Job", "Detail"],
        entries.map((e) => [
          e.id,
          fmtTime(e.atMs),
          e.actorRole ? `${e.actor} (${e.actorRole})` : e.actor,
          e.action,
          badge(e.outcome, e.outcome === "denied" ? "failed" : "succeeded"),
          h("code", {}, e.resource),
          e.jobId ?? "—",
          auditDetail(e),
        ]),
        "No audit entries match these filters (owners see their projects' entries).",
      ),
    );
    more.hidden = next === undefined;
  };
  const load = (older: boolean): void => {
    const q = filters();
    q.set("limit", String(PAGE));
    if (older && next !== undefined) q.set("before", String(next));
    api<{ entries: AuditEntryView[]; next?: number }>(`/api/v1/audit?${q.toString()}`)
      .then((page) => {
        mount(err);
        entries = older ? [...entries, ...page.entries] : page.entries;
        next = page.next;
        render();
      })
      .catch((e: unknown) => mount(err, errorBox(e)));
  };
  const onFilter = (): void => {
    const q = filters();
    history.replaceState(null, "", `/audit${q.size ? `?${q.toString()}` : ""}`);
    load(false);
  };
  for (const input of [project, actor]) input.addEventListener("change", onFilter);
  for (const sel of [action, outcome]) sel.addEventListener("change", onFilter);
  more.addEventListener("click", () => load(true));
  verify.addEventListener("click", () => {
    verifyOut.textContent = "checking…";
    api<{ ok: boolean; entries: number; firstBadId?: number; reason?: string }>("/api/v1/audit/verify")
      .then((v) => {
        verifyOut.textContent = v.ok ? `intact (${v.entries} entries)` : `BROKEN at entry ${v.firstBadId ?? "?"}: ${v.reason ?? ""}`;
        verifyOut.className = v.ok ? "ok" : "error";
      })
      .catch((e: unknown) => {
        verifyOut.textContent = (e as Error).message;
        verifyOut.className = "error";
      });
  });
  load(false);
  return undefined;
};

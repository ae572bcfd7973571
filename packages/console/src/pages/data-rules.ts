import { api } from "../api.js";
import { errorBox, h, mount, table } from "../dom.js";
import type { Page } from "../routes.js";

interface Permissions {
  permissions: { permission: string; minRole: string; isDefault: boolean }[];
}
interface Retention {
  rule: { keepVersions?: number; maxAgeDays?: number; kinds: string[]; setBy: string } | null;
}

const ROLES = ["reader", "publisher", "owner"] as const;

/** A retention rule in words. */
export function ruleText(r: Retention["rule"]): string {
  if (r === null) return "none: every version is kept";
  const parts = [
    r.keepVersions !== undefined ? `keep the newest ${r.keepVersions}` : "",
    r.maxAgeDays !== undefined ? `none older than ${r.maxAgeDays} days` : "",
  ].filter((s) => s !== "");
  return `${parts.join(" and ")} (${r.kinds.join(", ")}; set by ${r.setBy})`;
}

/**
 * A project's data rules: which project role holds dataset:read and the retention rule, shown to its
 * members; owners change them here (the API refuses others, and every change is on the audit log).
 */
export const dataRulesPage: Page = (el, _params, query) => {
  const project = h("input", { id: "rules-project", class: "input", placeholder: "project", value: query.get("project") ?? "" });
  const out = h("div", { id: "rules-view" }, h("p", { class: "muted" }, "Name a project to see its rules."));
  const err = h("div");
  const role = h("select", { id: "rules-read-role", class: "input" }, ...ROLES.map((r) => h("option", { value: r }, r)));
  const keep = h("input", { id: "rules-keep", class: "input", type: "number", min: 1, placeholder: "versions" });
  const saveRole = h("button", { id: "rules-save-role", class: "btn", type: "button" }, "Set dataset:read");
  const saveKeep = h("button", { id: "rules-save-keep", class: "btn", type: "button" }, "Set retention");
  mount(
    el,
    h("div", { class: "page-head" }, h("h1", {}, "Data rules")),
    h("div", { class: "filters" }, h("label", { for: "rules-project" }, "Project"), project),
    err,
    h("section", { class: "card" }, out),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Change (owners)"),
      h("div", { class: "filters" }, h("label", { for: "rules-read-role" }, "Least role that reads datasets"), role, saveRole),
      h("div", { class: "filters" }, h("label", { for: "rules-keep" }, "Keep the newest versions of each dataset"), keep, saveKeep),
    ),
  );
  const base = (): string => `/api/v1/projects/${encodeURIComponent(project.value.trim())}`;
  const load = (): void => {
    if (project.value.trim() === "") return;
    history.replaceState(null, "", `/data-rules?project=${encodeURIComponent(project.value.trim())}`);
    Promise.all([api<Permissions>(`${base()}/permissions`), api<Retention>(`${base()}/retention`)])
      .then(([p, r]) => {
        mount(err);
        const read = p.permissions.find((x) => x.permission === "dataset:read");
        if (read !== undefined) role.value = read.minRole;
        mount(
          out,
          table(
            ["Rule", "Setting"],
            [
              ...p.permissions.map((x) => [x.permission, `${x.minRole} and up${x.isDefault ? " (default)" : ""}`]),
              ["retention", ruleText(r.rule)],
            ],
          ),
        );
      })
      .catch((e: unknown) => mount(err, errorBox(e)));
  };
  const act = (p: Promise<unknown>): void => {
    p.then(load).catch((e: unknown) => mount(err, errorBox(e)));
  };
  project.addEventListener("change", load);
  saveRole.addEventListener("click", () =>
    act(api(`${base()}/permissions`, { method: "PUT", body: { permission: "dataset:read", minRole: role.value } })),
  );
  saveKeep.addEventListener("click", () => act(api(`${base()}/retention`, { method: "PUT", body: { keepVersions: Number(keep.value) } })));
  load();
  return undefined;
};

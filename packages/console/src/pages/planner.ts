import { parseText } from "@aidc/core";
import { api, ApiError, issueLine } from "../api.js";
import { disposeAll } from "../charts.js";
import { errorBox, h, mount } from "../dom.js";
import { datacenterResult, inferenceResult, trainingResult, type Plan } from "./plan-views.js";
import type { Page } from "../routes.js";
import { PLAN_KINDS, type PlanKind } from "./planner-examples.js";

/** What-if planning: post a scenario to /api/v1/plans/<kind> and chart the answer. */
export const plannerPage: Page = (el, _params, query) => {
  let kind: PlanKind = (query.get("kind") as PlanKind | null) ?? "train";
  if (!(kind in PLAN_KINDS)) kind = "train";
  const text = h("textarea", { id: "scenario-yaml", class: "input code", rows: 18, spellcheck: "false", "aria-label": "Scenario (YAML)" });
  const issues = h("div", { id: "plan-issues", "aria-live": "polite" });
  const result = h("div", { id: "plan-result", class: "stack" });
  const tabs = h("div", { class: "tabs", role: "tablist" });
  const run = h("button", { class: "btn btn-primary", type: "submit", id: "run-plan" }, "Run plan");
  const drawTabs = (): void =>
    mount(
      tabs,
      ...(Object.keys(PLAN_KINDS) as PlanKind[]).map((k) => {
        const b = h(
          "button",
          { type: "button", role: "tab", class: k === kind ? "active" : "", "aria-selected": k === kind ? "true" : "false" },
          PLAN_KINDS[k].label,
        );
        b.addEventListener("click", () => {
          kind = k;
          text.value = PLAN_KINDS[k].example;
          history.replaceState(null, "", `/planner?kind=${k}`);
          disposeAll();
          mount(result);
          mount(issues);
          drawTabs();
        });
        return b;
      }),
    );
  text.value = PLAN_KINDS[kind].example;
  drawTabs();
  const form = h("form", { class: "card" }, tabs, text, issues, h("div", { class: "actions" }, run));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    mount(issues);
    const parsed = parseText(text.value);
    if (parsed.data === undefined || parsed.issues.length) {
      mount(
        issues,
        h(
          "div",
          { class: "alert alert-error" },
          h("ul", { class: "issues" }, ...parsed.issues.map((i) => h("li", {}, h("code", {}, issueLine(i))))),
        ),
      );
      return;
    }
    run.disabled = true;
    api<Plan>(`/api/v1/plans/${kind}`, { method: "POST", body: parsed.data })
      .then((plan) => {
        disposeAll();
        mount(result, ...(kind === "train" ? trainingResult(plan) : kind === "infer" ? inferenceResult(plan) : datacenterResult(plan)));
      })
      .catch((err: unknown) => {
        const list = err instanceof ApiError ? err.issues : [];
        mount(
          issues,
          list.length
            ? h(
                "div",
                { class: "alert alert-error", role: "alert" },
                h("ul", { class: "issues" }, ...list.map((i) => h("li", {}, h("code", {}, issueLine(i))))),
              )
            : errorBox(err),
        );
      })
      .finally(() => (run.disabled = false));
  });
  mount(
    el,
    h("div", { class: "page-head" }, h("h1", {}, "Planner"), h("p", { class: "muted" }, "What-if estimates from the analytic planner.")),
    form,
    result,
  );
  return undefined;
};

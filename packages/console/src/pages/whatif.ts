import { api } from "../api.js";
import { disposeAll } from "../charts.js";
import { card, errorBox, h, mount } from "../dom.js";
import { issuesBox } from "../issues-box.js";
import type { Page } from "../routes.js";
import type { ClusterView, NodeView, QueueView } from "../types.js";
import { charts, movers, summaryTable, type WhatIfAnswer } from "./whatif-views.js";

const POLICIES = ["fifo", "greedy", "sjf", "las", "priority", "drf", "backfill-easy", "backfill-conservative", "topology"] as const;

/** The body of POST /api/v1/whatif the form describes (only the changes the user made). */
export interface WhatIfRequest {
  addNodes?: { system?: string; accelerator?: string; gpus?: number; count: number; rack?: string }[];
  policy?: string;
  quotas?: { queue: string; nominalGpus: number; cohort?: string; borrowingLimitGpus?: number }[];
}

const option = (value: string, text = value, selected = false): HTMLOptionElement => h("option", { value, selected }, text);

function field(id: string, label: string, input: HTMLElement): HTMLElement[] {
  return [h("label", { for: id }, label), input];
}

/**
 * What-if from the live state: add nodes of a system to a rack, switch the policy, change a queue's
 * quota, and compare the forecast of the pending queue before and after (POST /api/v1/whatif).
 */
export const whatifPage: Page = (el) => {
  const count = h("input", { id: "whatif-count", class: "input", type: "number", min: 0, max: 1000, step: 1, value: 0 });
  const system = h("select", { id: "whatif-system", class: "input" });
  const rack = h("select", { id: "whatif-rack", class: "input" }, option("", "(any rack)"));
  const policy = h("select", { id: "whatif-policy", class: "input" }, option("", "(unchanged)"), ...POLICIES.map((p) => option(p)));
  const queue = h("select", { id: "whatif-queue", class: "input" }, option("", "(none)"));
  const quota = h("input", { id: "whatif-quota", class: "input", type: "number", min: 0, step: 1, placeholder: "GPUs" });
  const issues = h("div", { id: "whatif-issues", "aria-live": "polite" });
  const out = h("div", { id: "whatif-result", class: "stack", "aria-live": "polite" });
  const run = h("button", { class: "btn btn-primary", type: "submit", id: "run-whatif" }, "Run what-if");
  let queues: readonly QueueView[] = [];

  const form = h(
    "form",
    { class: "card", id: "whatif-form" },
    h(
      "fieldset",
      { class: "filters" },
      h("legend", {}, "Add nodes"),
      ...field("whatif-count", "Nodes to add", count),
      ...field("whatif-system", "Node kind", system),
      ...field("whatif-rack", "Rack", rack),
    ),
    h("fieldset", { class: "filters" }, h("legend", {}, "Scheduling policy"), ...field("whatif-policy", "Policy", policy)),
    h(
      "fieldset",
      { class: "filters" },
      h("legend", {}, "Queue quota"),
      ...field("whatif-queue", "Queue", queue),
      ...field("whatif-quota", "Quota (GPUs)", quota),
    ),
    issues,
    h("div", { class: "actions" }, run),
  );

  Promise.all([
    api<ClusterView>("/api/v1/cluster"),
    api<{ nodes: (NodeView & { system?: string })[] }>("/api/v1/nodes"),
    api<{ queues: QueueView[] }>("/api/v1/queues"),
  ])
    .then(([cluster, { nodes }, q]) => {
      // the kinds of node the cluster has: a catalog system, or an accelerator with its GPUs per node
      const kinds = new Map<string, string>();
      for (const n of nodes) {
        if (n.system !== undefined) kinds.set(`system:${n.system}`, n.system);
        else if (n.accelerator !== undefined && n.gpus > 0)
          kinds.set(`accelerator:${n.accelerator}:${n.gpus}`, `${n.accelerator} × ${n.gpus} GPUs`);
      }
      mount(system, ...[...kinds].map(([value, text]) => option(value, text)));
      mount(rack, option("", "(any rack)"), ...cluster.racks.map((r) => option(r.name)));
      queues = q.queues;
      mount(queue, option("", "(none)"), ...queues.map((x) => option(x.name, `${x.name} (quota ${x.quota?.gpus ?? "none"})`)));
    })
    .catch((err: unknown) => mount(issues, errorBox(err)));

  queue.addEventListener("change", () => {
    const q = queues.find((x) => x.name === queue.value);
    quota.value = q?.quota?.gpus !== undefined ? String(q.quota.gpus) : "";
  });

  const request = (): WhatIfRequest => {
    const body: WhatIfRequest = {};
    const n = Math.trunc(Number(count.value));
    const [kind, name, gpus] = system.value.split(":");
    if (n > 0 && name !== undefined) {
      const what = kind === "system" ? { system: name } : { accelerator: name, gpus: Number(gpus) };
      body.addNodes = [{ ...what, count: n, ...(rack.value !== "" ? { rack: rack.value } : {}) }];
    }
    if (policy.value !== "") body.policy = policy.value;
    const q = queues.find((x) => x.name === queue.value);
    if (q !== undefined && quota.value !== "") {
      body.quotas = [
        {
          queue: q.name,
          nominalGpus: Number(quota.value),
          ...(q.cohort !== undefined ? { cohort: q.cohort } : {}),
          ...(q.borrowingLimit?.gpus !== undefined ? { borrowingLimitGpus: q.borrowingLimit.gpus } : {}),
        },
      ];
    }
    return body;
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    mount(issues);
    const body = request();
    if (Object.keys(body).length === 0) {
      mount(issues, errorBox("Change something first: add nodes, pick a policy or set a queue's quota."));
      return;
    }
    run.disabled = true;
    mount(out, h("p", { class: "loading", "aria-busy": "true" }, "Forecasting…"));
    api<WhatIfAnswer>("/api/v1/whatif", { method: "POST", body })
      .then((a) => {
        const nowMs = Date.now();
        disposeAll();
        mount(
          out,
          card(
            "Before and after",
            summaryTable(a),
            h("p", { class: "muted" }, `${a.before.pending} pending jobs forecast in ${a.computedMs} ms.`),
          ),
          charts(a, nowMs),
          movers(a, nowMs),
        );
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
      h("h1", {}, "What-if"),
      h("p", { class: "muted" }, "Change the cluster, the policy or a quota and see when the pending jobs would start."),
    ),
    form,
    out,
  );
  return () => disposeAll();
};

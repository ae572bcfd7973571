import { api } from "../api.js";
import { badge, errorBox, fmtDuration, fmtTime, h, link, mount, table } from "../dom.js";
import type { Page } from "../routes.js";
import type { JobView, QueueView } from "../types.js";

const STATES = ["", "pending", "admitted", "running", "succeeded", "failed", "cancelled", "preempted"] as const;

export function runtimeS(j: JobView, nowMs = Date.now()): number | undefined {
  if (j.startedAtMs === undefined) return undefined;
  return ((j.finishedAtMs ?? nowMs) - j.startedAtMs) / 1000;
}

export function gpusOf(j: JobView): number {
  const tasks = (j.spec.tasks ?? []) as { replicas?: number; resources?: { gpus?: number; gpuMilli?: number } }[];
  return tasks.reduce((s, t) => s + (t.replicas ?? 1) * ((t.resources?.gpuMilli ?? (t.resources?.gpus ?? 0) * 1000) / 1000), 0);
}

/** The job list with state/queue filters (kept in the URL), refreshed every few seconds. */
export const jobsPage: Page = (el, _params, query) => {
  const stateSel = h("select", { id: "state-filter", class: "input" }, ...STATES.map((s) => h("option", { value: s }, s || "all states")));
  const queueSel = h("select", { id: "queue-filter", class: "input" }, h("option", { value: "" }, "all queues"));
  stateSel.value = query.get("state") ?? "";
  const list = h("div", { id: "jobs-list" }, h("p", { class: "loading" }, "Loading jobs…"));
  const err = h("div");
  mount(
    el,
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Jobs"),
      h("a", { href: "/jobs/new", "data-nav": true, class: "btn btn-primary" }, "Submit a job"),
    ),
    h(
      "div",
      { class: "filters" },
      h("label", { for: "state-filter" }, "State"),
      stateSel,
      h("label", { for: "queue-filter" }, "Queue"),
      queueSel,
    ),
    err,
    h("section", { class: "card" }, list),
  );
  api<{ queues: QueueView[] }>("/api/v1/queues")
    .then(({ queues }) => {
      for (const q of queues) queueSel.append(h("option", { value: q.name }, q.name));
      queueSel.value = query.get("queue") ?? "";
    })
    .catch(() => undefined);

  const load = (): void => {
    const q = new URLSearchParams();
    if (stateSel.value) q.set("state", stateSel.value);
    if (queueSel.value) q.set("queue", queueSel.value);
    api<{ jobs: JobView[] }>(`/api/v1/jobs?${q.toString()}&limit=500`)
      .then(({ jobs }) => {
        mount(err);
        mount(
          list,
          table(
            ["Job", "Name", "State", "Queue", "User", "GPUs", "Submitted", "Runtime"],
            jobs.map((j) => [
              link(`/jobs/${encodeURIComponent(j.id)}`, h("code", {}, j.id)),
              j.name,
              badge(j.state),
              j.queue,
              j.user,
              gpusOf(j) || "—",
              fmtTime(j.submittedAtMs),
              fmtDuration(runtimeS(j)),
            ]),
            "No jobs match these filters.",
          ),
        );
      })
      .catch((e: unknown) => mount(err, errorBox(e)));
  };
  const onFilter = (): void => {
    const q = new URLSearchParams();
    if (stateSel.value) q.set("state", stateSel.value);
    if (queueSel.value) q.set("queue", queueSel.value);
    history.replaceState(null, "", `/jobs${q.size ? `?${q.toString()}` : ""}`);
    load();
  };
  stateSel.addEventListener("change", onFilter);
  queueSel.addEventListener("change", onFilter);
  load();
  const timer = setInterval(load, 3000);
  return () => clearInterval(timer);
};

import { api, stream } from "../api.js";
import { badge, card, errorBox, fmtDuration, fmtTime, h, link, mount, table } from "../dom.js";
import type { Page } from "../routes.js";
import { TERMINAL, type EventView, type Explain, type JobView } from "../types.js";
import { gpusOf, runtimeS } from "./jobs.js";

function field(label: string, value: Node | string | number): HTMLElement[] {
  return [h("dt", {}, label), h("dd", {}, value)];
}

/** "main[0] → dgx-a-01 (GPUs 0,1)" per task replica. */
function placementText(p: Record<string, unknown> | undefined): string {
  const tasks = p?.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0) return "—";
  return tasks
    .map((t: { task?: string; replica?: number; node?: string; gpuIndices?: number[] }) => {
      const gpus = t.gpuIndices?.length ? ` (GPU ${t.gpuIndices.join(",")})` : "";
      return `${t.task ?? "task"}[${t.replica ?? 0}] → ${t.node ?? "?"}${gpus}`;
    })
    .join("; ");
}

/** An event payload as one line: from=pending · event=admit */
function detailsText(data: unknown): string {
  if (typeof data !== "object" || data === null || Object.keys(data).length === 0) return "—";
  return Object.entries(data)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
}

/** One job: its state, why it is pending, its events and its live log. */
export const jobDetailPage: Page = (el, params) => {
  const id = params[0] ?? "";
  const abort = new AbortController();
  const head = h("div", { class: "page-head" }, h("h1", {}, "Job ", h("code", {}, id)));
  const summary = h("dl", { class: "fields" });
  const why = h("div", { id: "why-pending" }, h("p", { class: "muted" }, "…"));
  const events = h("div", { id: "job-events" });
  const logs = h("pre", { class: "logs", id: "job-logs", role: "log", tabindex: 0, "aria-label": "Job log", "aria-live": "polite" });
  const logState = h("span", { class: "muted small", id: "log-state" }, "connecting…");
  const err = h("div");
  const cancel = h("button", { class: "btn btn-danger", type: "button", id: "cancel-job", hidden: true }, "Cancel job");
  mount(
    el,
    h("p", {}, link("/jobs", "← All jobs")),
    head,
    err,
    h("div", { class: "grid-2" }, card("Summary", summary, h("div", { class: "actions" }, cancel)), card("Why pending", why)),
    h("section", { class: "card" }, h("div", { class: "card-head" }, h("h2", {}, "Logs"), logState), logs),
    card("Events", events),
  );

  let job: JobView | undefined;
  const draw = (j: JobView): void => {
    job = j;
    mount(head, h("h1", {}, j.name, " ", h("code", { class: "muted" }, j.id)), badge(j.state));
    head.querySelector(".badge")?.setAttribute("id", "job-state");
    mount(
      summary,
      ...field("User", j.user),
      ...field("Queue", j.queue),
      ...field("Priority", j.priority),
      ...field("GPUs", gpusOf(j) || "none"),
      ...field("Submitted", fmtTime(j.submittedAtMs)),
      ...field("Started", fmtTime(j.startedAtMs)),
      ...field("Finished", fmtTime(j.finishedAtMs)),
      ...field("Runtime", fmtDuration(runtimeS(j))),
      ...field("Attempts", j.attempts),
      ...field("Placement", placementText(j.placement)),
      ...(j.exitCode !== undefined ? field("Exit code", j.exitCode) : []),
      ...(j.message ? field("Message", j.message) : []),
    );
    cancel.hidden = TERMINAL.includes(j.state);
  };
  const loadWhy = (): Promise<void> =>
    api<Explain>(`/api/v1/jobs/${encodeURIComponent(id)}/explain`).then((x) =>
      mount(
        why,
        x.state === "pending"
          ? h(
              "div",
              {},
              h("p", {}, badge(x.reason, "reason")),
              h("p", {}, x.message),
              x.forecast !== undefined
                ? h(
                    "div",
                    { id: "forecast" },
                    h("p", {}, h("strong", {}, "Forecast: "), x.forecast.message),
                    h(
                      "p",
                      { class: "muted small" },
                      `Start ${fmtTime(x.forecast.startMs)} (80 % band ${fmtTime(x.forecast.bandStartMs[0])} – ${fmtTime(x.forecast.bandStartMs[1])})`,
                      x.forecast.endMs !== undefined ? `, end ${fmtTime(x.forecast.endMs)}` : "",
                      ` · run time from ${x.forecast.basis}`,
                    ),
                  )
                : x.estimatedStartMs !== undefined
                  ? h("p", { class: "muted" }, `Estimated start: ${fmtTime(x.estimatedStartMs)}`)
                  : h("p", { class: "muted small" }, "Forecast: not computed yet (the twin runs every few seconds)."),
            )
          : h("p", { class: "muted" }, `Not pending: the job is ${x.state}.`),
      ),
    );
  const loadEvents = (): Promise<void> =>
    api<{ events: EventView[] }>(`/api/v1/jobs/${encodeURIComponent(id)}/events`).then(({ events: list }) =>
      mount(
        events,
        table(
          ["Time", "Event", "Details"],
          list.map((e) => [fmtTime(e.atMs), h("code", {}, e.type ?? ""), h("span", { class: "small muted" }, detailsText(e.data))]),
          "No events yet.",
        ),
      ),
    );
  const load = (): void => {
    api<JobView>(`/api/v1/jobs/${encodeURIComponent(id)}`, { signal: abort.signal })
      .then(async (j) => {
        mount(err);
        draw(j);
        await Promise.all([loadWhy(), loadEvents()]);
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== "AbortError") mount(err, errorBox(e));
      });
  };
  const follow = (): void => {
    logs.textContent = "";
    logState.textContent = "following…";
    stream(
      `/api/v1/jobs/${encodeURIComponent(id)}/logs?follow=1`,
      (chunk) => {
        const atBottom = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
        logs.textContent += chunk;
        if (atBottom) logs.scrollTop = logs.scrollHeight;
      },
      abort.signal,
    )
      .then(() => {
        logState.textContent = "stream ended";
        if (!logs.textContent) logs.textContent = "(no output)";
        load();
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== "AbortError") logState.textContent = `log unavailable: ${(e as Error).message}`;
      });
  };
  cancel.addEventListener("click", () => {
    if (!job) return;
    cancel.disabled = true;
    api<JobView>(`/api/v1/jobs/${encodeURIComponent(id)}`, { method: "DELETE" })
      .then(draw)
      .then(loadEvents)
      .catch((e: unknown) => mount(err, errorBox(e)))
      .finally(() => (cancel.disabled = false));
  });
  load();
  follow();
  const timer = setInterval(() => {
    if (!job || !TERMINAL.includes(job.state)) load();
  }, 2000);
  return () => {
    clearInterval(timer);
    abort.abort();
  };
};

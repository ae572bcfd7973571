import { api } from "../api.js";
import { issuesBox } from "../issues-box.js";
import { h, mount } from "../dom.js";
import type { Page } from "../routes.js";
import type { JobView } from "../types.js";
import { navigate } from "../nav.js";

const EXAMPLE = `apiVersion: aidc/v1
kind: Job
name: hello
tasks:
  - resources: { cpus: 1, memoryGiB: 1 }
run:
  command: echo hello
`;

/** Submit a JobSpec as YAML; the server's issues are listed with their paths and lines. */
export const submitPage: Page = (el) => {
  const text = h("textarea", { id: "job-yaml", class: "input code", rows: 16, spellcheck: "false", "aria-describedby": "job-issues" });
  text.value = EXAMPLE;
  const issues = h("div", { id: "job-issues", "aria-live": "polite" });
  const submit = h("button", { class: "btn btn-primary", type: "submit", id: "submit-job" }, "Submit");
  const form = h(
    "form",
    { class: "card" },
    h("label", { for: "job-yaml" }, "Job spec (YAML or JSON)"),
    text,
    h("p", { class: "hint" }, "The server validates the spec; every problem is shown with its path."),
    issues,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit.disabled = true;
    mount(issues);
    const body = text.value;
    const json = body.trimStart().startsWith("{");
    api<JobView>("/api/v1/jobs", { method: "POST", body, contentType: json ? "application/json" : "application/yaml" })
      .then((job) => navigate(`/jobs/${encodeURIComponent(job.id)}`))
      .catch((err: unknown) => {
        mount(issues, issuesBox(err));
      })
      .finally(() => (submit.disabled = false));
  });
  mount(el, h("div", { class: "page-head" }, h("h1", {}, "Submit a job")), form);
  return undefined;
};

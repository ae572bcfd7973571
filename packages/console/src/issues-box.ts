import { ApiError, issueLine } from "./api.js";
import { h } from "./dom.js";

/** An error alert: the message, then the server's path-qualified issues when it sent any. */
export function issuesBox(err: unknown): HTMLElement {
  const list = err instanceof ApiError ? err.issues : [];
  return h(
    "div",
    { class: "alert alert-error", role: "alert" },
    h("strong", {}, (err as Error).message),
    list.length ? h("ul", { class: "issues" }, ...list.map((i) => h("li", {}, h("code", {}, issueLine(i))))) : null,
  );
}

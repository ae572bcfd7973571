import { api, ApiError, setToken } from "../api.js";
import { h } from "../dom.js";

/** Token login: the token is checked against /api/v1/whoami before it is stored. */
export function loginPage(done: () => void): HTMLElement {
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "current-password",
    required: true,
    placeholder: "Bearer token",
    class: "input",
  });
  const error = h("p", { class: "form-error", role: "alert", "aria-live": "polite" });
  const submit = h("button", { class: "btn btn-primary", type: "submit" }, "Log in");
  const form = h(
    "form",
    { class: "login-card card" },
    h("h1", { class: "brand login-brand" }, h("span", { class: "logo", "aria-hidden": "true" }, "◆"), " aidc"),
    h("p", { class: "muted" }, "Plan, simulate, run and observe an AI data center."),
    h("label", { for: "token" }, "Access token"),
    input,
    h("p", { class: "hint" }, "aidc serve writes an admin token to ", h("code", {}, "<data-dir>/admin-token"), " on first start."),
    error,
    submit,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    submit.disabled = true;
    error.textContent = "";
    api<{ user: string; role: string }>("/api/v1/whoami", { token })
      .then(() => {
        setToken(token);
        done();
      })
      .catch((err: unknown) => {
        error.textContent = err instanceof ApiError && err.status === 401 ? "This token is unknown or revoked." : (err as Error).message;
      })
      .finally(() => (submit.disabled = false));
  });
  queueMicrotask(() => input.focus());
  return h("main", { class: "login" }, form);
}

import "./style.css";
import { getToken, setToken, setUnauthorizedHandler } from "./api.js";
import { disposeAll } from "./charts.js";
import { h, mount } from "./dom.js";
import { ROUTES, type Page } from "./routes.js";
import { loginPage } from "./pages/login.js";
import { navigate, NAVIGATE_EVENT } from "./nav.js";
import { startSampler } from "./sampler.js";

const THEME_KEY = "aidc.theme";
const root = document.getElementById("app") ?? document.body;
let cleanup: (() => void) | undefined;

function applyTheme(theme: string | null): void {
  const dark = theme === "dark" || (theme === null && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

/** Like Jupyter: `?token=` logs in once, then disappears from the address bar. */
function takeTokenFromUrl(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get("token");
  if (token === null) return;
  setToken(token);
  url.searchParams.delete("token");
  history.replaceState(null, "", url.pathname + url.search + url.hash);
}

function shell(active: string, content: HTMLElement): HTMLElement {
  const nav = h(
    "nav",
    { class: "nav", "aria-label": "Main" },
    ...ROUTES.filter((r) => r.title).map((r) =>
      h(
        "a",
        {
          href: r.href,
          "data-nav": true,
          class: r.href === active ? "active" : "",
          "aria-current": r.href === active ? "page" : undefined,
        },
        r.title ?? "",
      ),
    ),
  );
  const themeBtn = h("button", { class: "btn btn-ghost", type: "button", "aria-label": "Toggle light/dark theme" }, "◐");
  themeBtn.addEventListener("click", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
    render();
  });
  const logout = h("button", { class: "btn btn-ghost", type: "button" }, "Log out");
  logout.addEventListener("click", () => {
    setToken(undefined);
    navigate("/login");
  });
  return h(
    "div",
    { class: "layout" },
    h(
      "header",
      { class: "topbar" },
      h("a", { class: "brand", href: "/", "data-nav": true }, h("span", { class: "logo" }, "◆"), " aidc"),
      nav,
      h("div", { class: "topbar-actions" }, themeBtn, logout),
    ),
    h("main", { class: "content", id: "main" }, content),
  );
}

function match(path: string): { page: Page; params: string[]; href: string } {
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (m) return { page: r.page, params: m.slice(1).map((x) => (x === undefined ? "" : decodeURIComponent(x))), href: r.href };
  }
  return { page: ROUTES[0]!.page, params: [], href: "/" };
}

function render(): void {
  cleanup?.();
  cleanup = undefined;
  disposeAll();
  const path = window.location.pathname;
  if (!getToken() || path === "/login") {
    if (getToken() && path === "/login") {
      navigate("/", true);
      return;
    }
    mount(
      root,
      loginPage(() => navigate("/", true)),
    );
    return;
  }
  const { page, params, href } = match(path);
  const content = h("div", { class: "page" });
  mount(root, shell(href, content));
  cleanup = page(content, params, new URLSearchParams(window.location.search));
}

document.addEventListener("click", (e) => {
  const a = (e.target as Element | null)?.closest("a[data-nav]");
  if (!(a instanceof HTMLAnchorElement) || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute("href") ?? "/");
});
window.addEventListener("popstate", render);
window.addEventListener(NAVIGATE_EVENT, render);
setUnauthorizedHandler(() => {
  setToken(undefined);
  if (window.location.pathname !== "/login") history.replaceState(null, "", "/login");
  render();
});

applyTheme(localStorage.getItem(THEME_KEY));
takeTokenFromUrl();
startSampler();
render();

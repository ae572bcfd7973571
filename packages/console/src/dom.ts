/** A tiny typed DOM builder: h("div", { class: "card" }, "text", child). */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "number" ? String(c) : c);
  }
}

/** Replace an element's children. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** A link handled by the client-side router. */
export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return h("a", { href, "data-nav": true }, ...children);
}

export function fmtTime(ms: number | undefined): string {
  if (ms === undefined) return "—";
  const d = new Date(ms);
  return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function fmtDuration(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return "—";
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 90) return `${s.toFixed(1)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}

/** 1234567 -> "1.23 M" (SI prefixes, three significant digits). */
export function fmtNumber(n: number | undefined, unit = ""): string {
  if (n === undefined || !Number.isFinite(n)) return "—";
  const abs = Math.abs(n);
  const sep = unit ? " " : "";
  for (const [div, p] of [
    [1e15, "P"],
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ] as const) {
    if (abs >= div) return `${(n / div).toPrecision(3)} ${p}${unit}`;
  }
  return `${Number.isInteger(n) ? n : n.toPrecision(3)}${sep}${unit}`;
}

export function badge(text: string, kind = text): HTMLSpanElement {
  return h("span", { class: `badge badge-${kind}` }, text);
}

export function card(title: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

export function stat(label: string, value: string | number, hint?: string): HTMLElement {
  return h(
    "div",
    { class: "stat" },
    h("div", { class: "stat-value" }, String(value)),
    h("div", { class: "stat-label" }, label),
    hint ? h("div", { class: "stat-hint" }, hint) : null,
  );
}

export function table(headers: readonly string[], rows: readonly (readonly Child[])[], empty = "Nothing here yet."): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))),
    ),
  );
}

/** A horizontal bar showing used / total. */
export function meter(used: number, total: number, label?: string): HTMLElement {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  const level = pct >= 90 ? "high" : pct >= 60 ? "mid" : "low";
  return h(
    "div",
    { class: "meter", role: "meter", "aria-valuemin": 0, "aria-valuemax": total, "aria-valuenow": used, "aria-label": label ?? "usage" },
    h("div", { class: `meter-fill meter-${level}`, style: `width:${pct.toFixed(1)}%` }),
    h("span", { class: "meter-text" }, `${fmtNumber(used)} / ${fmtNumber(total)}`),
  );
}

export function errorBox(err: unknown): HTMLElement {
  const message = err instanceof Error ? err.message : String(err);
  return h("div", { class: "alert alert-error", role: "alert" }, message);
}

export function loading(text = "Loading…"): HTMLElement {
  return h("p", { class: "loading", "aria-busy": "true" }, text);
}

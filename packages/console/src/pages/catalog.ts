import { api } from "../api.js";
import { errorBox, fmtNumber, h, link, mount, table } from "../dom.js";
import type { Page } from "../routes.js";

type Item = Record<string, unknown>;

function scalar(v: unknown): string | undefined {
  if (typeof v === "number") return fmtNumber(v);
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "yes" : "no";
  return undefined;
}

/** The scalar fields most items of a section share, in first-seen order (id/name first). */
function columns(items: readonly Item[]): string[] {
  const count = new Map<string, number>();
  for (const it of items) for (const [k, v] of Object.entries(it)) if (scalar(v) !== undefined) count.set(k, (count.get(k) ?? 0) + 1);
  const keys = [...count.keys()].filter(
    (k) => !["apiVersion", "kind", "description", "source", "notes"].includes(k) && (count.get(k) ?? 0) >= items.length / 2,
  );
  return keys.sort((a, b) => Number(b === "id" || b === "name") - Number(a === "id" || a === "name")).slice(0, 7);
}

function details(item: Item): HTMLElement {
  const rows = Object.entries(item).filter(([k]) => k !== "apiVersion");
  return h(
    "dl",
    { class: "fields" },
    ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, scalar(v) ?? h("code", { class: "small" }, JSON.stringify(v)))]),
  );
}

/** Browse the hardware and model catalog by section; click an item to see all its fields. */
export const catalogPage: Page = (el, params) => {
  const section = params[0] || undefined;
  const tabs = h("nav", { class: "tabs", "aria-label": "Catalog sections" });
  const body = h("section", { class: "card" }, h("p", { class: "loading" }, "Loading catalog…"));
  const detail = h("div");
  mount(el, h("div", { class: "page-head" }, h("h1", {}, "Catalog")), tabs, detail, body);
  api<{ sections: Record<string, number> }>("/api/v1/catalog")
    .then(({ sections }) => {
      const names = Object.keys(sections);
      const current = section ?? names[0];
      mount(
        tabs,
        ...names.map((n) =>
          h(
            "a",
            {
              href: `/catalog/${n}`,
              "data-nav": true,
              class: n === current ? "active" : "",
              "aria-current": n === current ? "page" : undefined,
            },
            `${n} `,
            h("span", { class: "count" }, sections[n] ?? 0),
          ),
        ),
      );
      if (!current) return;
      return api<{ items: Item[] }>(`/api/v1/catalog/${current}`).then(({ items }) => {
        const cols = columns(items);
        mount(
          body,
          table(
            cols,
            items.map((it) =>
              cols.map((c, i) => {
                const text = scalar(it[c]) ?? "—";
                if (i > 0) return text;
                const a = h("a", { href: "#", role: "button" }, text);
                a.addEventListener("click", (e) => {
                  e.preventDefault();
                  mount(
                    detail,
                    h(
                      "section",
                      { class: "card" },
                      h("div", { class: "card-head" }, h("h2", {}, text), link(`/catalog/${current}`, "close")),
                      details(it),
                    ),
                  );
                  detail.scrollIntoView({ behavior: "smooth" });
                });
                return a;
              }),
            ),
            "This section is empty.",
          ),
        );
      });
    })
    .catch((e: unknown) => mount(body, errorBox(e)));
  return undefined;
};

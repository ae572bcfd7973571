import { api } from "../api.js";
import { badge, errorBox, h, mount, meter, table } from "../dom.js";
import type { Page } from "../routes.js";
import type { NodeView } from "../types.js";

/** Nodes with free GPUs and cordon state; operators can cordon and uncordon. */
export const nodesPage: Page = (el) => {
  const list = h("div", { id: "nodes-list" }, h("p", { class: "loading" }, "Loading nodes…"));
  const err = h("div");
  mount(el, h("div", { class: "page-head" }, h("h1", {}, "Nodes")), err, h("section", { class: "card" }, list));
  const toggle = (n: NodeView): void => {
    const path = `/api/v1/nodes/${encodeURIComponent(n.name)}/cordon`;
    (n.cordoned === undefined ? api(path, { method: "POST", body: {} }) : api(path, { method: "DELETE" }))
      .then(load)
      .catch((e: unknown) => mount(err, errorBox(e)));
  };
  const load = (): void => {
    api<{ nodes: NodeView[] }>("/api/v1/nodes")
      .then(({ nodes }) =>
        mount(
          list,
          table(
            ["Node", "Rack", "Accelerator", "GPUs allocated", "CPUs", "Memory", "Partitions", "Status", "Action"],
            nodes.map((n) => {
              const btn = h("button", { class: "btn btn-small", type: "button" }, n.cordoned === undefined ? "Cordon" : "Uncordon");
              btn.addEventListener("click", () => toggle(n));
              return [
                h("strong", {}, n.name),
                `${n.rack} · ${n.pod}`,
                n.accelerator ?? (n.gpus ? "GPU" : "—"),
                n.gpus ? meter(n.gpus - n.freeGpus, n.gpus, `${n.name} GPUs allocated`) : h("span", { class: "muted" }, "no GPUs"),
                n.cpus,
                `${n.memoryGiB} GiB`,
                n.partitions.join(", ") || "—",
                n.cordoned !== undefined
                  ? h("span", { title: n.cordoned }, badge("cordoned"), " ", h("span", { class: "muted small" }, n.cordoned))
                  : badge("ready"),
                btn,
              ];
            }),
            "This cluster has no nodes.",
          ),
        ),
      )
      .then(() => mount(err))
      .catch((e: unknown) => mount(err, errorBox(e)));
  };
  load();
  const timer = setInterval(load, 5000);
  return () => clearInterval(timer);
};

import { api } from "../api.js";
import { badge, card, errorBox, fmtNumber, fmtTime, h, mount, table } from "../dom.js";
import type { Page } from "../routes.js";

interface Artifact {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly kind: string;
  readonly sizeBytes: number;
  readonly tier: string;
  readonly jobId?: string;
  readonly createdBy: string;
  readonly createdAtMs: number;
}

/** A served name and the artifact version it answers with (promoted), or an operator's package. */
interface ServedModel {
  readonly name: string;
  readonly project: string | null;
  readonly source: "promoted" | "package";
  readonly artifact?: { readonly project: string; readonly name: string; readonly version: number };
  readonly promotedBy?: string;
  readonly promotedAtMs?: number;
}

/** A DP-trained model's budget as the model API returns it (`privacy`; null when trained without DP). */
interface Privacy {
  readonly epsilon: number;
  readonly delta: number;
  readonly targetEpsilon: number | null;
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
  readonly samplingRate: number;
  readonly steps: number;
  readonly epochs: number;
  readonly stoppedByBudget: boolean;
}

interface Prediction {
  readonly label: string;
  readonly score: number;
  readonly explanation?: readonly { readonly token: string; readonly weight: number }[];
  /** How to read the weights: SHAP gives log-odds from the empty text's base; occlusion and LIME P(positive). */
  readonly attribution?: { readonly method: string; readonly output: "probability" | "log-odds"; readonly base?: number };
}

const METHODS = [
  ["occlusion", "Occlusion"],
  ["lime", "LIME"],
  ["shap", "SHAP"],
] as const;

/** One line on how to read the colours, for the method that produced them. */
function legend(p: Prediction): string {
  const a = p.attribution;
  if (a?.output === "log-odds") {
    const sum = (p.explanation ?? []).reduce((s, t) => s + t.weight, 0);
    return (
      `Green words push towards positive, red towards negative (SHAP, in log-odds): from the empty text's ` +
      `${(a.base ?? 0).toFixed(3)} they add up to ${((a.base ?? 0) + sum).toFixed(3)}, the log-odds of P(positive).`
    );
  }
  return `Green words push towards positive, red towards negative (${a?.method === "lime" ? "LIME" : "occlusion"}).`;
}

/** Tokens tinted by how much they push the prediction: green towards positive, red towards negative. */
function highlighted(tokens: readonly { token: string; weight: number }[]): HTMLElement {
  const max = Math.max(1e-9, ...tokens.map((t) => Math.abs(t.weight)));
  return h(
    "p",
    { class: "explained", id: "explanation" },
    ...tokens.map((t) => {
      const a = Math.min(1, Math.abs(t.weight) / max);
      const color = t.weight >= 0 ? `rgba(22,163,74,${(a * 0.55).toFixed(2)})` : `rgba(220,38,38,${(a * 0.55).toFixed(2)})`;
      return h("span", { class: "tok", style: `background:${color}`, title: `weight ${t.weight.toFixed(4)}` }, t.token);
    }),
  );
}

function tryIt(models: readonly string[]): HTMLElement {
  const select = h(
    "select",
    { id: "model-select", class: "input", "aria-label": "Model" },
    ...models.map((m) => h("option", { value: m }, m)),
  );
  const method = h(
    "select",
    { id: "explain-method", class: "input", "aria-label": "Explanation method" },
    ...METHODS.map(([value, label]) => h("option", { value }, label)),
  );
  const text = h("textarea", { id: "predict-text", class: "input", rows: 3, "aria-label": "Text to classify" });
  text.value = "A wonderful, moving film with a brilliant cast. I loved it.";
  const out = h("div", { id: "prediction", "aria-live": "polite" });
  const run = h("button", { class: "btn btn-primary", type: "submit" }, "Predict and explain");
  const form = h(
    "form",
    {},
    h(
      "div",
      { class: "filters" },
      h("label", { for: "model-select" }, "Model"),
      select,
      h("label", { for: "explain-method" }, "Explained by"),
      method,
    ),
    text,
    h("div", { class: "actions" }, run),
    out,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    run.disabled = true;
    api<{ predictions: Prediction[] }>(
      `/api/v1/models/${encodeURIComponent(select.value)}:predict?explain=${encodeURIComponent(method.value)}`,
      {
        method: "POST",
        body: { instances: [text.value] },
      },
    )
      .then(({ predictions }) => {
        const p = predictions[0];
        if (!p) return mount(out);
        mount(
          out,
          h(
            "p",
            {},
            badge(p.label, p.label === "positive" ? "succeeded" : "failed"),
            " ",
            h("strong", {}, `P(positive) = ${p.score.toFixed(3)}`),
          ),
          p.explanation ? highlighted(p.explanation) : null,
          p.explanation ? h("p", { class: "hint", id: "explanation-legend" }, legend(p)) : null,
        );
      })
      .catch((err: unknown) => mount(out, errorBox(err)))
      .finally(() => (run.disabled = false));
  });
  return form;
}

/** The privacy cell: the (ε, δ) a DP model spent, its mechanism's figures on hover; filled when the detail arrives. */
function privacyCell(name: string): HTMLElement {
  const cell = h("span", { class: "muted", "data-privacy": name }, "…");
  api<{ privacy: Privacy | null }>(`/api/v1/models/${encodeURIComponent(name)}`)
    .then(({ privacy: p }) => {
      if (p === null || p === undefined) {
        mount(cell, "none (not trained with DP)");
        return;
      }
      cell.className = "";
      cell.title =
        `DP-SGD, RDP accountant: noise multiplier σ=${p.noiseMultiplier.toFixed(3)}, clipping norm ${p.clipNorm}, ` +
        `Poisson sampling q=${p.samplingRate.toPrecision(3)}, ${p.steps} steps in ${p.epochs} epochs` +
        (p.targetEpsilon === null ? "" : `, target ε ${p.targetEpsilon}`) +
        (p.stoppedByBudget ? ", stopped early by the budget" : "");
      mount(cell, badge(`ε = ${p.epsilon.toFixed(2)}`, "ready"), ` δ = ${p.delta}`);
    })
    .catch(() => mount(cell, "—"));
  return cell;
}

function servedTable(models: readonly ServedModel[]): HTMLElement {
  return table(
    ["Model", "Project", "Serves", "Promoted", "Privacy budget"],
    models.map((m) => [
      h("strong", {}, m.name),
      m.project ?? "—",
      m.artifact ? `${m.artifact.project}/${m.artifact.name} v${m.artifact.version}` : "package in the models folder",
      m.promotedAtMs !== undefined ? `${fmtTime(m.promotedAtMs)} by ${m.promotedBy ?? "?"}` : "—",
      privacyCell(m.name),
    ]),
    "No model is served.",
  );
}

/** Stored artifacts (datasets, checkpoints, models) and the models this server serves, with a try-it box. */
export const modelsPage: Page = (el) => {
  const arts = h("div", { id: "artifacts-list" }, h("p", { class: "loading" }, "Loading artifacts…"));
  const models = h("div", { id: "models" }, h("p", { class: "loading" }, "Loading models…"));
  mount(el, h("div", { class: "page-head" }, h("h1", {}, "Models and artifacts")), card("Try a model", models), card("Artifacts", arts));
  api<{ models: ServedModel[] }>("/api/v1/models")
    .then(({ models: served }) =>
      mount(
        models,
        ...(served.length
          ? [servedTable(served), tryIt(served.map((m) => m.name))]
          : [h("p", { class: "empty" }, "No model is deployed on this server yet (aidc models promote <name> <project/name:version>).")]),
      ),
    )
    .catch(() => mount(models, h("p", { class: "muted" }, "Model serving is not enabled on this server.")));
  api<{ artifacts: Artifact[] }>("/api/v1/artifacts")
    .then(({ artifacts }) =>
      mount(
        arts,
        table(
          ["Artifact", "Version", "Kind", "Size", "Tier", "Job", "Created"],
          artifacts.map((a) => [
            h("strong", {}, `${a.project}/${a.name}`),
            `v${a.version}`,
            badge(a.kind, "kind"),
            fmtNumber(a.sizeBytes, "B"),
            a.tier,
            a.jobId ?? "—",
            `${fmtTime(a.createdAtMs)} by ${a.createdBy}`,
          ]),
          "No artifacts stored yet.",
        ),
      ),
    )
    .catch((e: unknown) => mount(arts, errorBox(e)));
  return undefined;
};

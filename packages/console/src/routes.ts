import { alertsPage } from "./pages/alerts.js";
import { auditPage } from "./pages/audit.js";
import { dataRulesPage } from "./pages/data-rules.js";
import { catalogPage } from "./pages/catalog.js";
import { federatedPage } from "./pages/federated.js";
import { jobDetailPage } from "./pages/job-detail.js";
import { jobsPage } from "./pages/jobs.js";
import { modelsPage } from "./pages/models.js";
import { nodesPage } from "./pages/nodes.js";
import { overviewPage } from "./pages/overview.js";
import { queuesPage } from "./pages/queues.js";
import { recommendationsPage } from "./pages/recommendations.js";
import { simPage } from "./pages/sim.js";
import { submitPage } from "./pages/submit.js";
import { whatifPage } from "./pages/whatif.js";

/** A page renders into `el` and returns a cleanup (stop timers, abort streams). */
export type Page = (el: HTMLElement, params: readonly string[], query: URLSearchParams) => (() => void) | undefined;

/** A page whose code (and its libraries, e.g. the YAML parser) loads on first visit. */
function lazy(load: () => Promise<Page>): Page {
  return (el, params, query) => {
    let gone = false;
    let cleanup: (() => void) | undefined;
    el.textContent = "Loading…";
    load()
      .then((page) => {
        if (!gone) cleanup = page(el, params, query);
      })
      .catch((err: unknown) => (el.textContent = `Cannot load this page: ${(err as Error).message}`));
    return () => {
      gone = true;
      cleanup?.();
    };
  };
}

const plannerPage = lazy(() => import("./pages/planner.js").then((m) => m.plannerPage));

export interface Route {
  readonly pattern: RegExp;
  readonly href: string;
  readonly title?: string;
  readonly page: Page;
}

export const ROUTES: readonly Route[] = [
  { pattern: /^\/$/, href: "/", title: "Overview", page: overviewPage },
  { pattern: /^\/jobs\/new$/, href: "/jobs", page: submitPage },
  { pattern: /^\/jobs\/([^/]+)$/, href: "/jobs", page: jobDetailPage },
  { pattern: /^\/jobs$/, href: "/jobs", title: "Jobs", page: jobsPage },
  { pattern: /^\/nodes$/, href: "/nodes", title: "Nodes", page: nodesPage },
  { pattern: /^\/queues$/, href: "/queues", title: "Queues", page: queuesPage },
  { pattern: /^\/catalog(?:\/([^/]+))?$/, href: "/catalog", title: "Catalog", page: catalogPage },
  { pattern: /^\/models$/, href: "/models", title: "Models", page: modelsPage },
  { pattern: /^\/planner$/, href: "/planner", title: "Planner", page: plannerPage },
  { pattern: /^\/simulator$/, href: "/simulator", title: "Simulator", page: simPage },
  { pattern: /^\/whatif$/, href: "/whatif", title: "What-if", page: whatifPage },
  { pattern: /^\/alerts$/, href: "/alerts", title: "Alerts", page: alertsPage },
  { pattern: /^\/recommendations$/, href: "/recommendations", title: "Recommendations", page: recommendationsPage },
  { pattern: /^\/audit$/, href: "/audit", title: "Audit", page: auditPage },
  { pattern: /^\/data-rules$/, href: "/data-rules", title: "Data rules", page: dataRulesPage },
  { pattern: /^\/federated(?:\/([^/]+))?$/, href: "/federated", title: "Federated", page: federatedPage },
];

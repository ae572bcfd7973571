import { DOCUMENT_KINDS, defaultCatalog, checkCluster, parseText, validateDocument, withLines, type Issue } from "@aidc/core";
import { checkAlertRules } from "@aidc/observability";
import { SCENARIO_SCHEMAS, parseConventions, parseScenario } from "@aidc/planner";
import { parseProfile } from "@aidc/scheduler";

/** The outcome of validating one aidc file of any kind. */
export interface ValidatedDocument {
  readonly ok: boolean;
  readonly kind?: string;
  readonly name?: string;
  readonly summary?: string;
  readonly issues: readonly Issue[];
}

type Validator = (text: string, data: Record<string, unknown>) => ValidatedDocument;

/** The document's name: `name`, or `metadata.name` (scheduler profiles). */
const named = (data: Record<string, unknown>): string | undefined => {
  const meta = data["metadata"] as { name?: unknown } | undefined;
  const name = data["name"] ?? meta?.name;
  return typeof name === "string" ? name : undefined;
};

/**
 * Kinds owned by packages above core (core cannot import them): scenarios and the validation
 * set's per-source conventions (planner), scheduler profiles (scheduler), alert rules (observability). One entry per kind.
 */
const EXTRA_KINDS: Readonly<Record<string, Validator>> = {
  ...Object.fromEntries(
    Object.keys(SCENARIO_SCHEMAS).map((kind): [string, Validator] => [
      kind,
      (text, data) => {
        const r = parseScenario(data);
        return r.scenario
          ? { ok: true, kind, ...(named(data) ? { name: named(data) } : {}), issues: [] }
          : { ok: false, issues: withLines(text, r.issues) };
      },
    ]),
  ),
  PlannerConventions: (text, data) => {
    const r = parseConventions(data);
    return r.table
      ? { ok: true, kind: "PlannerConventions", summary: `${Object.keys(r.table).length} source(s)`, issues: [] }
      : { ok: false, issues: withLines(text, r.issues) };
  },
  SchedulerProfile: (text, data) => {
    const r = parseProfile(text);
    return r.ok
      ? { ok: true, kind: "SchedulerProfile", ...(named(data) ? { name: named(data) } : {}), summary: `policy ${r.value.name}`, issues: [] }
      : { ok: false, issues: r.issues };
  },
  AlertRules: (text, data) => {
    const r = checkAlertRules(data);
    return r.rules
      ? {
          ok: true,
          kind: "AlertRules",
          ...(named(data) ? { name: named(data) } : {}),
          summary: `${r.rules.groups.reduce((s, g) => s + g.rules.length, 0)} rule(s)`,
          issues: [],
        }
      : { ok: false, issues: withLines(text, r.issues) };
  },
};

export const ALL_KINDS: readonly string[] = [...DOCUMENT_KINDS, ...Object.keys(EXTRA_KINDS)];

/**
 * A planner-validation set (what `aidc plan check` reads): no kind, `entries` of measurements each
 * with an id and a kind. Recognised by its shape so `aidc validate examples/` covers it too.
 */
function plannerValidation(text: string, data: Record<string, unknown>): ValidatedDocument | undefined {
  const entries = data["entries"];
  if (data["kind"] !== undefined || !Array.isArray(entries)) return undefined;
  const issues: Issue[] = [];
  entries.forEach((e: unknown, i) => {
    const entry = (e !== null && typeof e === "object" ? e : {}) as Record<string, unknown>;
    for (const field of ["id", "kind"])
      if (typeof entry[field] !== "string" || entry[field] === "")
        issues.push({ code: "invalid_type", path: `entries[${i}].${field}`, message: "is required (expected string)" });
  });
  if (issues.length > 0) return { ok: false, issues: withLines(text, issues) };
  return { ok: true, kind: "PlannerValidation", summary: `${entries.length} entries; check them with aidc plan check`, issues: [] };
}

/** Validate the text of any aidc document (YAML or JSON), with path- and line-qualified issues. */
export function validateAny(text: string): ValidatedDocument {
  const parsed = parseText(text);
  const data = parsed.data as Record<string, unknown> | undefined;
  const kind = data !== null && typeof data === "object" && !Array.isArray(data) ? data["kind"] : undefined;
  const extra = typeof kind === "string" ? EXTRA_KINDS[kind] : undefined;
  if (extra !== undefined && data !== undefined) return extra(text, data);
  const validation = data !== null && typeof data === "object" && !Array.isArray(data) ? plannerValidation(text, data) : undefined;
  if (validation !== undefined) return validation;
  const catalog = defaultCatalog();
  const r = validateDocument(text, catalog);
  if (r.document === undefined) {
    // the kinds of every package (core knows only its own), and what the file said
    const got = typeof kind === "string" ? `, got "${kind}"` : kind === undefined ? " (kind is missing)" : "";
    const issues = r.issues.map((i) => (i.code === "invalid_kind" ? { ...i, message: `must be one of ${ALL_KINDS.join(", ")}${got}` } : i));
    return { ok: false, issues };
  }
  const doc = r.document;
  const name = "id" in doc.value ? doc.value.id : doc.value.name;
  let summary: string = doc.value.name;
  if (doc.kind === "Cluster") {
    const m = checkCluster(doc.value, catalog).model;
    summary = m ? `${m.totals.nodes} nodes, ${m.totals.gpus} GPUs in ${m.racks.length} racks` : "";
  } else if (doc.kind === "Job") {
    const replicas = doc.value.tasks.reduce((s, t) => s + t.replicas, 0);
    summary = `${doc.value.tasks.length} task(s), ${replicas} replica(s), queue ${doc.value.queue}`;
  }
  return { ok: true, kind: doc.kind, name, summary, issues: [] };
}

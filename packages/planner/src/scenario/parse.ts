import type { z } from "zod";
import { API_VERSION, issue, issuesFromZod, type Issue } from "@aidc/core";
import { SCENARIO_SCHEMAS, type DatacenterScenario, type InferenceScenario, type ScenarioKind, type TrainingScenario } from "./schemas.js";

export type ParsedScenario =
  | { readonly kind: "TrainingScenario"; readonly value: TrainingScenario }
  | { readonly kind: "InferenceScenario"; readonly value: InferenceScenario }
  | { readonly kind: "DatacenterScenario"; readonly value: DatacenterScenario };

/** Check already-parsed YAML/JSON data against the scenario schemas; every problem as an Issue with its path. */
export function parseScenario(data: unknown, expect?: ScenarioKind): { scenario?: ParsedScenario; issues: Issue[] } {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { issues: [issue("invalid_type", "(document)", "expected a mapping with apiVersion and kind")] };
  }
  const head = data as { apiVersion?: unknown; kind?: unknown };
  const kinds = Object.keys(SCENARIO_SCHEMAS);
  if (typeof head.kind !== "string" || !kinds.includes(head.kind)) {
    return { issues: [issue("invalid_kind", "kind", `must be one of ${kinds.join(", ")}`)] };
  }
  if (expect !== undefined && head.kind !== expect) {
    return { issues: [issue("invalid_kind", "kind", `this command needs a ${expect}, got ${head.kind}`)] };
  }
  const issues: Issue[] = [];
  if (head.apiVersion !== API_VERSION) issues.push(issue("invalid_value", "apiVersion", `must be ${API_VERSION}`));
  const schema = SCENARIO_SCHEMAS[head.kind as ScenarioKind] as z.ZodType;
  const r = schema.safeParse(data);
  if (!r.success) return { issues: [...issues, ...issuesFromZod(r.error, data)] };
  if (issues.length > 0) return { issues };
  return { scenario: { kind: head.kind, value: r.data } as ParsedScenario, issues: [] };
}

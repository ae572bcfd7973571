import type { Catalog, CatalogKind } from "./catalog/catalog.js";
import { issue, type Issue } from "./errors.js";
import { API_VERSION } from "./schemas/common.js";

type Data = Record<string, unknown>;

const isMap = (v: unknown): v is Data => v !== null && typeof v === "object" && !Array.isArray(v);
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Kinds whose aidc documents are written metadata/spec style (the rest keep their fields at the top level). */
const METADATA_SPEC_KINDS = new Set(["SchedulerProfile"]);

/**
 * A document that is not an aidc document but looks like one of another tool: a Kubernetes manifest
 * (`apiVersion: batch/v1` … `metadata`/`spec`), or an aidc kind written Kubernetes-style. One issue
 * that says what aidc expected, instead of a list of schema complaints about a file of another kind.
 */
export function foreignDocument(data: Data): Issue | undefined {
  const api = data["apiVersion"];
  const kind = data["kind"];
  const k8sShape = isMap(data["metadata"]) || isMap(data["spec"]);
  if (!k8sShape) return undefined;
  if (typeof kind === "string" && METADATA_SPEC_KINDS.has(kind)) return undefined;
  const expected = `aidc documents have apiVersion: ${API_VERSION}, a kind such as Job or Cluster, and their fields at the top level (a Job has name:, tasks: and run:; see examples/)`;
  if (api !== API_VERSION) {
    const what = `${typeof api === "string" ? `apiVersion ${api}` : "no apiVersion"}${typeof kind === "string" ? `, kind ${kind}` : ""}`;
    return issue("foreign_document", "(document)", `this looks like a Kubernetes manifest (${what}, metadata/spec); ${expected}`);
  }
  return issue(
    "foreign_document",
    "(document)",
    `this ${typeof kind === "string" ? kind : "document"} is written Kubernetes-style (metadata/spec); ${expected}`,
  );
}

/**
 * The catalog references of a document that failed its schema, read from the raw data wherever a
 * reference is a string: so one run reports an unknown accelerator together with a bad `replicas`.
 */
export function rawReferenceIssues(kind: string, data: Data, catalog: Catalog): Issue[] {
  const refs: [unknown, CatalogKind, PropertyKey[]][] = [];
  if (kind === "Job") {
    listOf(data["tasks"]).forEach((t, i) => {
      const res = isMap(t) ? t["resources"] : undefined;
      if (isMap(res)) refs.push([res["gpuType"], "Accelerator", ["tasks", i, "resources", "gpuType"]]);
    });
  } else if (kind === "Cluster") {
    const fabric = data["fabric"];
    if (isMap(fabric)) {
      refs.push([fabric["switch"], "Switch", ["fabric", "switch"]]);
      refs.push([fabric["nic"], "Nic", ["fabric", "nic"]]);
    }
    listOf(data["racks"]).forEach((rack, ri) =>
      listOf(isMap(rack) ? rack["nodes"] : undefined).forEach((g, gi) => {
        if (!isMap(g)) return;
        refs.push([g["system"], "System", ["racks", ri, "nodes", gi, "system"]]);
        refs.push([g["accelerator"], "Accelerator", ["racks", ri, "nodes", gi, "accelerator"]]);
      }),
    );
  } else if (kind === "System") {
    refs.push([data["accelerator"], "Accelerator", ["accelerator"]]);
    listOf(data["nics"]).forEach((n, i) => refs.push([isMap(n) ? n["nic"] : undefined, "Nic", ["nics", i, "nic"]]));
  }
  const out: Issue[] = [];
  for (const [name, k, path] of refs) {
    if (typeof name !== "string" || name === "") continue;
    const r = catalog.checkRef(name, k, path);
    if (r !== undefined) out.push(r);
  }
  return out;
}

/** `extra` without the issues whose path is already in `issues` (one complaint per field). */
export function mergeIssues(issues: readonly Issue[], extra: readonly Issue[]): Issue[] {
  const seen = new Set(issues.map((i) => i.path));
  return [...issues, ...extra.filter((i) => !seen.has(i.path))];
}

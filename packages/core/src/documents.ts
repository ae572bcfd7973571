import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type { z } from "zod";
import { CATALOG_KINDS, parseCatalogItem, type Catalog, type CatalogItem } from "./catalog/catalog.js";
import { issue, type Issue } from "./errors.js";
import { checkCluster } from "./cluster/expand.js";
import { checkJob } from "./jobs/check.js";
import { API_VERSION } from "./schemas/common.js";
import { Cluster } from "./schemas/cluster.js";
import { JobSpec } from "./schemas/job.js";
import { issuesFromZod } from "./schemas/zod-issues.js";

/** Kinds of user files (besides catalog items) that `aidc validate` understands. */
export const USER_KINDS = { Cluster, Job: JobSpec } as const;
export type UserKind = keyof typeof USER_KINDS;
export const DOCUMENT_KINDS = [...Object.keys(USER_KINDS), ...Object.keys(CATALOG_KINDS)] as readonly string[];

export type ParsedDocument =
  | { readonly kind: "Cluster"; readonly value: Cluster }
  | { readonly kind: "Job"; readonly value: JobSpec }
  | { readonly kind: CatalogItem["kind"]; readonly value: CatalogItem };

export interface DocumentResult {
  readonly document?: ParsedDocument;
  readonly issues: readonly Issue[];
}

/** Parse YAML or JSON text into plain data, reporting syntax errors with their line. */
export function parseText(text: string): { data?: unknown; issues: Issue[]; locate: (path: readonly PropertyKey[]) => number | undefined } {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const locate = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  if (doc.errors.length > 0) {
    // the first few syntax errors: after one, the parser's follow-on complaints are noise
    const issues = doc.errors.slice(0, 3).map((e) => {
      const pos = e.linePos?.[0];
      return {
        ...issue("syntax", "(document)", `invalid YAML/JSON: ${e.message.split("\n")[0] ?? e.code}`),
        ...(pos ? { line: pos.line } : {}),
      };
    });
    return { issues, locate };
  }
  return { data: doc.toJS({ maxAliasCount: 100 }) as unknown, issues: [], locate };
}

function pathParts(path: string): PropertyKey[] {
  const parts: PropertyKey[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ""));
  return parts;
}

/** Give each issue the line of its path in `text` (YAML/JSON), where it can be found. */
export function withLines(text: string, issues: readonly Issue[]): Issue[] {
  const parsed = parseText(text);
  return issues.map((i) => {
    const line = i.line ?? parsed.locate(pathParts(i.path));
    return line === undefined ? i : { ...i, line };
  });
}

/**
 * Validate any aidc document: YAML/JSON syntax, `apiVersion`/`kind`, the kind's schema and its
 * references to the catalog. Returns the typed document or every issue found (with lines).
 */
export function validateDocument(text: string, catalog: Catalog): DocumentResult {
  const parsed = parseText(text);
  if (parsed.issues.length > 0) return { issues: parsed.issues };
  if (parsed.data === undefined || parsed.data === null) return { issues: [issue("empty", "(document)", "the file is empty")] };
  const result = validateData(parsed.data, catalog);
  const issues = result.issues.map((i) => {
    const line = i.line ?? parsed.locate(pathParts(i.path));
    return line === undefined ? i : { ...i, line };
  });
  return result.document ? { document: result.document, issues } : { issues };
}

/** Validate already-parsed data (e.g. a JSON request body) as an aidc document. */
export function validateData(data: unknown, catalog: Catalog): DocumentResult {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { issues: [issue("invalid_type", "(document)", "expected a mapping with apiVersion and kind")] };
  }
  const head = data as { apiVersion?: unknown; kind?: unknown };
  const issues: Issue[] = [];
  if (head.apiVersion !== API_VERSION) {
    issues.push(
      issue("invalid_value", "apiVersion", head.apiVersion === undefined ? `is required (use ${API_VERSION})` : `must be ${API_VERSION}`),
    );
  }
  if (typeof head.kind !== "string" || !DOCUMENT_KINDS.includes(head.kind)) {
    issues.push(issue("invalid_kind", "kind", `must be one of ${DOCUMENT_KINDS.join(", ")}`));
    return { issues };
  }
  if (head.kind === "Cluster" || head.kind === "Job") {
    const schema = USER_KINDS[head.kind] as z.ZodType;
    const r = schema.safeParse(data);
    if (!r.success) return { issues: [...issues, ...issuesFromZod(r.error, data)] };
    const refs = head.kind === "Cluster" ? checkCluster(r.data as Cluster, catalog).issues : checkJob(r.data as JobSpec, catalog);
    issues.push(...refs);
    return issues.length > 0 ? { issues } : { document: { kind: head.kind, value: r.data } as ParsedDocument, issues };
  }
  const r = parseCatalogItem(data);
  issues.push(...r.issues);
  if (r.item?.kind === "System") {
    const sys = r.item;
    const refs = [
      catalog.checkRef(sys.accelerator, "Accelerator", ["accelerator"]),
      ...sys.nics.map((n, i) => catalog.checkRef(n.nic, "Nic", ["nics", i, "nic"])),
    ];
    for (const ref of refs) if (ref !== undefined) issues.push(ref);
  }
  return issues.length > 0 || r.item === undefined ? { issues } : { document: { kind: r.item.kind, value: r.item }, issues };
}

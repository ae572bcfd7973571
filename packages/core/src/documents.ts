import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type { z } from "zod";
import { CATALOG_KINDS, parseCatalogItem, type Catalog, type CatalogItem } from "./catalog/catalog.js";
import { issue, type Issue } from "./errors.js";
import { checkCluster } from "./cluster/expand.js";
import { foreignDocument, mergeIssues, rawReferenceIssues } from "./document-hints.js";
import { checkJob } from "./jobs/check.js";
import { API_VERSION } from "./schemas/common.js";
import { Cluster } from "./schemas/cluster.js";
import { JobSpec } from "./schemas/job.js";
import { issuesFromZod } from "./schemas/zod-issues.js";
import { checkParsed, dataDepth, DEFAULT_PARSE_LIMITS, exceedsBytes, flowDepth, tooDeep, type ParseLimits } from "./parse-limits.js";

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

type Parsed = { data?: unknown; issues: Issue[]; locate: (path: readonly PropertyKey[]) => number | undefined };

/**
 * Parse YAML or JSON text into plain data, reporting syntax errors with their line. Bounded by
 * `limits` (size, aliases, depth): an expensive or hostile document becomes an issue, never a
 * long computation or an exception.
 */
export function parseText(text: string, limits: Partial<ParseLimits> = {}): Parsed {
  const max = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const nowhere = (): undefined => undefined;
  if (exceedsBytes(text, max.maxBytes)) {
    return { issues: [issue("too_large", "(document)", `is larger than ${max.maxBytes} bytes`)], locate: nowhere };
  }
  if (flowDepth(text) > max.maxDepth) return { issues: [tooDeep(max.maxDepth)], locate: nowhere };
  const lines = new LineCounter();
  // uniqueKeys off: the yaml package's check is quadratic in a mapping's keys; checkParsed does it in one pass
  const doc: Document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false });
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
      // block nesting deep enough to overflow the parser's stack
      if (e.message.includes("call stack")) return tooDeep(max.maxDepth, pos?.line);
      return {
        ...issue("syntax", "(document)", `invalid YAML/JSON: ${e.message.split("\n")[0] ?? e.code}`),
        ...(pos ? { line: pos.line } : {}),
      };
    });
    return { issues, locate };
  }
  const checked = checkParsed(doc, lines, max);
  if (checked.length > 0) return { issues: checked, locate };
  try {
    return { data: doc.toJS({ maxAliasCount: max.maxAliasCount }) as unknown, issues: [], locate };
  } catch (err) {
    // the yaml package refuses an alias that expands too far ("billion laughs") with a ReferenceError
    const message = err instanceof Error ? err.message : String(err);
    const code = /alias/i.test(message) ? "too_many_aliases" : "syntax";
    const text = code === "too_many_aliases" ? `YAML aliases expand beyond ${max.maxAliasCount} nodes` : `invalid YAML/JSON: ${message}`;
    return { issues: [issue(code, "(document)", text)], locate };
  }
}

function pathParts(path: string): PropertyKey[] {
  const parts: PropertyKey[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ""));
  return parts;
}

/** Give each issue the line of its path in `text` (YAML/JSON), where it can be found. */
export function withLines(text: string, issues: readonly Issue[]): Issue[] {
  const parsed = parseText(text);
  return capIssues(issues, DEFAULT_PARSE_LIMITS.maxIssues).map((i) => {
    const line = i.line ?? parsed.locate(pathParts(i.path));
    return line === undefined ? i : { ...i, line };
  });
}

/**
 * Validate any aidc document: YAML/JSON syntax, `apiVersion`/`kind`, the kind's schema and its
 * references to the catalog. Returns the typed document or every issue found (with lines).
 */
export function validateDocument(text: string, catalog: Catalog, limits: Partial<ParseLimits> = {}): DocumentResult {
  const parsed = parseText(text, limits);
  if (parsed.issues.length > 0) return { issues: parsed.issues };
  if (parsed.data === undefined || parsed.data === null) return { issues: [issue("empty", "(document)", "the file is empty")] };
  const result = validateData(parsed.data, catalog, limits);
  const issues = result.issues.map((i) => {
    const line = i.line ?? parsed.locate(pathParts(i.path));
    return line === undefined ? i : { ...i, line };
  });
  return result.document ? { document: result.document, issues } : { issues };
}

/** The first `max` issues, and one saying how many more there were. */
export function capIssues(issues: readonly Issue[], max: number): Issue[] {
  if (issues.length <= max) return [...issues];
  return [...issues.slice(0, max), issue("too_many_issues", "(document)", `and ${issues.length - max} more problem(s)`)];
}

/**
 * Validate already-parsed data (e.g. a JSON request body) as an aidc document; nesting deeper
 * than `limits.maxDepth` is refused before anything walks it, and at most `maxIssues` are reported.
 */
export function validateData(data: unknown, catalog: Catalog, limits: Partial<ParseLimits> = {}): DocumentResult {
  const max = { ...DEFAULT_PARSE_LIMITS, ...limits };
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { issues: [issue("invalid_type", "(document)", "expected a mapping with apiVersion and kind")] };
  }
  if (dataDepth(data, max.maxDepth) > max.maxDepth) return { issues: [tooDeep(max.maxDepth)] };
  const result = checkData(data, catalog);
  return result.issues.length > max.maxIssues ? { issues: capIssues(result.issues, max.maxIssues) } : result;
}

function checkData(data: object, catalog: Catalog): DocumentResult {
  const head = data as { apiVersion?: unknown; kind?: unknown };
  const foreign = foreignDocument(data as Record<string, unknown>);
  if (foreign !== undefined) return { issues: [foreign] };
  const issues: Issue[] = [];
  if (head.apiVersion !== API_VERSION) {
    issues.push(
      issue(
        "invalid_value",
        "apiVersion",
        head.apiVersion === undefined
          ? `is required (use ${API_VERSION})`
          : `must be ${API_VERSION}, got ${JSON.stringify(head.apiVersion)}`,
      ),
    );
  }
  if (typeof head.kind !== "string" || !DOCUMENT_KINDS.includes(head.kind)) {
    const got = typeof head.kind === "string" ? `, got "${head.kind}"` : head.kind === undefined ? " (kind is missing)" : "";
    issues.push(issue("invalid_kind", "kind", `must be one of ${DOCUMENT_KINDS.join(", ")}${got}`));
    return { issues };
  }
  // the schema's complaints, then the catalog references it could not reach (one run reports both)
  const schemaIssues = (zodIssues: Issue[]): Issue[] =>
    mergeIssues(mergeIssues(issues, zodIssues), rawReferenceIssues(head.kind as string, data as Record<string, unknown>, catalog));
  if (head.kind === "Cluster" || head.kind === "Job") {
    const schema = USER_KINDS[head.kind] as z.ZodType;
    const r = schema.safeParse(data);
    if (!r.success) return { issues: schemaIssues(issuesFromZod(r.error, data)) };
    const refs = head.kind === "Cluster" ? checkCluster(r.data as Cluster, catalog).issues : checkJob(r.data as JobSpec, catalog);
    issues.push(...refs);
    return issues.length > 0 ? { issues } : { document: { kind: head.kind, value: r.data } as ParsedDocument, issues };
  }
  const r = parseCatalogItem(data);
  if (r.item === undefined) return { issues: schemaIssues(r.issues) };
  issues.push(...r.issues);
  if (r.item.kind === "System") {
    const sys = r.item;
    const refs = [
      catalog.checkRef(sys.accelerator, "Accelerator", ["accelerator"]),
      ...sys.nics.map((n, i) => catalog.checkRef(n.nic, "Nic", ["nics", i, "nic"])),
    ];
    for (const ref of refs) if (ref !== undefined) issues.push(ref);
  }
  return issues.length > 0 ? { issues } : { document: { kind: r.item.kind, value: r.item }, issues };
}

import { issue, issuesFromZod, parseText, type Issue } from "@aidc/core";
import { parseExpr } from "./expr.js";
import { AlertRules } from "./schema.js";

/** Checks zod cannot express: expressions parse, alert names are unique within a group. */
function semanticIssues(rules: AlertRules): Issue[] {
  const out: Issue[] = [];
  rules.groups.forEach((g, gi) => {
    const seen = new Map<string, number>();
    g.rules.forEach((r, ri) => {
      if (r.expr !== undefined) {
        const p = parseExpr(r.expr);
        if (p.error !== undefined) out.push(issue("invalid_expr", ["groups", gi, "rules", ri, "expr"], p.error));
      }
      const prev = seen.get(r.alert);
      if (prev !== undefined)
        out.push(issue("duplicate", ["groups", gi, "rules", ri, "alert"], `duplicate alert "${r.alert}" (also rules[${prev}])`));
      else seen.set(r.alert, ri);
    });
  });
  const groups = new Set<string>();
  rules.groups.forEach((g, gi) => {
    if (groups.has(g.name)) out.push(issue("duplicate", ["groups", gi, "name"], `duplicate group "${g.name}"`));
    groups.add(g.name);
  });
  return out;
}

/** Validate already-parsed data as an AlertRules document. */
export function checkAlertRules(data: unknown): { rules?: AlertRules; issues: Issue[] } {
  const r = AlertRules.safeParse(data);
  if (!r.success) return { issues: issuesFromZod(r.error, data) };
  const issues = semanticIssues(r.data);
  return issues.length > 0 ? { issues } : { rules: r.data, issues: [] };
}

function pathParts(path: string): PropertyKey[] {
  const parts: PropertyKey[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ""));
  return parts;
}

/** Parse YAML/JSON text of an AlertRules file: the rules, or every issue with its path and line. */
export function parseAlertRules(text: string): { rules?: AlertRules; issues: Issue[] } {
  const parsed = parseText(text);
  if (parsed.issues.length > 0) return { issues: parsed.issues };
  if (parsed.data === undefined || parsed.data === null) return { issues: [issue("empty", "(document)", "the file is empty")] };
  const r = checkAlertRules(parsed.data);
  const issues = r.issues.map((i) => {
    const line = parsed.locate(pathParts(i.path));
    return line === undefined ? i : { ...i, line };
  });
  return r.rules ? { rules: r.rules, issues } : { issues };
}

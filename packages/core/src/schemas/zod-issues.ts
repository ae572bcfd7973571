import type { z } from "zod";
import { issue, type Issue } from "../errors.js";

type ZodIssue = z.core.$ZodIssue;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the text ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function message(zi: ZodIssue, input: unknown): string {
  switch (zi.code) {
    case "invalid_type":
      if (input === undefined) return `is required (expected ${zi.expected})`;
      if (zi.expected === "int" && typeof input === "number") return `must be a whole number, got ${String(input)}`;
      return `expected ${zi.expected === "record" ? "a mapping (key: value)" : zi.expected}, got ${describe(input)}`;
    case "too_small":
      if (zi.origin === "array") return `needs at least ${String(zi.minimum)} item(s)`;
      if (zi.origin === "string") return `must not be empty`;
      return `must be ${zi.inclusive ? "at least" : "greater than"} ${String(zi.minimum)}, got ${describe(input)}`;
    case "too_big":
      if (zi.origin === "array") return `allows at most ${String(zi.maximum)} item(s)`;
      return `must be ${zi.inclusive ? "at most" : "less than"} ${String(zi.maximum)}, got ${describe(input)}`;
    case "invalid_value":
      return `must be one of ${zi.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(input)}`;
    case "not_multiple_of":
      return `must be a whole number, got ${describe(input)}`;
    default:
      return zi.message;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Convert zod issues into aidc issues with readable, path-qualified messages. */
export function issuesFromZod(error: z.ZodError, input: unknown, prefix: readonly PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const zi of error.issues) {
    if (zi.code === "unrecognized_keys") {
      for (const key of zi.keys) out.push(issue("unknown_field", [...prefix, ...zi.path, key], "unknown field"));
      continue;
    }
    if (zi.code === "invalid_union" && zi.errors.length > 0) {
      // the branches' issues are relative to the union's own place in the input
      const here = valueAt(input, zi.path);
      const at = [...prefix, ...zi.path];
      if (here === undefined) {
        out.push(issue("invalid_type", at, "is required"));
        continue;
      }
      // Report the branch that got furthest (fewest issues) instead of "invalid input".
      const best = [...zi.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      const nested = { issues: best } as unknown as z.ZodError;
      out.push(...issuesFromZod(nested, here, at));
      continue;
    }
    const path = [...prefix, ...zi.path];
    out.push(issue(zi.code, path, message(zi, valueAt(input, zi.path))));
  }
  return out;
}

import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from "yaml";
import { issue, type Issue } from "./errors.js";

/**
 * Bounds on what parsing a document may cost. YAML can make small text expensive: aliases expand
 * ("billion laughs"), nesting recurses, and the yaml package's duplicate-key check is quadratic in
 * the keys of a mapping, so the check is done here in one pass instead.
 */
export interface ParseLimits {
  /** UTF-8 bytes of the text. */
  readonly maxBytes: number;
  /** Alias nodes in the document, and how far one alias may expand (the yaml package's maxAliasCount). */
  readonly maxAliasCount: number;
  /** Nesting of mappings and sequences. */
  readonly maxDepth: number;
  /** Issues reported (their lines are located one by one). */
  readonly maxIssues: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxBytes: 4 * 1024 * 1024, maxAliasCount: 100, maxDepth: 64, maxIssues: 100 };

/** Bytes of `text` in UTF-8 (core has no TextEncoder: it runs without DOM or Node types). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      n += d >= 0xdc00 && d <= 0xdfff ? 4 : 3;
    } else n += 3;
  }
  return n;
}

/** Whether `text` is longer than `max` bytes in UTF-8 (encoding it only when that is unclear). */
export function exceedsBytes(text: string, max: number): boolean {
  if (text.length > max) return true;
  return text.length * 3 > max && utf8Length(text) > max;
}

/**
 * Deepest bracket nesting of YAML flow collections / JSON, found without parsing (the parser
 * recurses per level). Quoted scalars and comments are skipped; it may over-count only for
 * unbalanced brackets in plain scalars.
 */
export function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    } else if (c === 0x22 || c === 0x27) {
      const prev = i === 0 ? 0x0a : text.charCodeAt(i - 1);
      // a quote opens a quoted scalar only where a scalar can start
      if (prev === 0x0a || prev === 0x20 || prev === 0x09 || prev === 0x5b || prev === 0x7b || prev === 0x2c || prev === 0x3a) {
        let j = i + 1;
        for (; j < text.length; j++) {
          const d = text.charCodeAt(j);
          if (c === 0x22 && d === 0x5c) j++;
          else if (d === c) break;
        }
        i = j;
      }
    } else if (c === 0x23) {
      const prev = i === 0 ? 0x0a : text.charCodeAt(i - 1);
      if (prev === 0x0a || prev === 0x20 || prev === 0x09) {
        const nl = text.indexOf("\n", i);
        i = nl < 0 ? text.length : nl;
      }
    }
  }
  return max;
}

export function tooDeep(maxDepth: number, line?: number): Issue {
  return { ...issue("too_deep", "(document)", `nested deeper than ${maxDepth} levels`), ...(line !== undefined ? { line } : {}) };
}

/**
 * One pass over a parsed YAML document: nesting depth, alias count and duplicate keys. Returns
 * the issues found (at most a few), iteratively so that depth cannot overflow the stack.
 */
export function checkParsed(doc: Document, lines: LineCounter, limits: ParseLimits): Issue[] {
  const issues: Issue[] = [];
  const at = (node: { range?: [number, number, number] | null }): { line?: number } =>
    node.range ? { line: lines.linePos(node.range[0]).line } : {};
  let aliases = 0;
  const stack: [unknown, number][] = [[doc.contents, 1]];
  while (stack.length > 0 && issues.length < 3) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (isAlias(node)) {
      if (++aliases > limits.maxAliasCount) {
        issues.push({ ...issue("too_many_aliases", "(document)", `uses more than ${limits.maxAliasCount} YAML aliases`), ...at(node) });
        break;
      }
      continue;
    }
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > limits.maxDepth) {
      issues.push(tooDeep(limits.maxDepth, at(node).line));
      break;
    }
    if (isSeq(node)) {
      for (const item of node.items) stack.push([item, depth + 1]);
      continue;
    }
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const key = pair.key;
      if (isScalar(key)) {
        if (seen.has(key.value)) {
          const name = String(key.value);
          issues.push({
            ...issue("syntax", "(document)", `invalid YAML/JSON: Map keys must be unique; "${name.slice(0, 60)}" appears twice`),
            ...at(key),
          });
        }
        seen.add(key.value);
      } else stack.push([key, depth + 1]);
      stack.push([pair.value, depth + 1]);
    }
  }
  return issues;
}

/** Nesting depth of plain data (a parsed JSON body), without recursion; stops past `max`. */
export function dataDepth(value: unknown, max: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (depth > deepest) deepest = depth;
    if (deepest > max) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return deepest;
}

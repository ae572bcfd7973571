/**
 * A small, PromQL-compatible expression subset for alert rules: metric selectors with equality
 * matchers (`aidc_node_fs_used_bytes{mount="/"}`), numbers, + − * /, parentheses. Binary operations
 * between two vectors match series one-to-one on identical label sets (like PromQL without `on`).
 * Anything this parses is valid PromQL, so rules export verbatim. Pure.
 */

export type Labels = Readonly<Record<string, string>>;
export interface Sample {
  readonly metric: string;
  readonly labels: Labels;
  readonly value: number;
}

export type Expr =
  | { readonly type: "number"; readonly value: number }
  | { readonly type: "selector"; readonly metric: string; readonly matchers: Labels }
  | { readonly type: "binary"; readonly op: "+" | "-" | "*" | "/"; readonly left: Expr; readonly right: Expr };

const TOKEN_RE = /\s*(?:([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)|([a-zA-Z_:][a-zA-Z0-9_:]*)|(\{[^}]*\})|([-+*/()]))/y;

/** Parse an expression; returns the tree or a message pointing at the offending character. */
export function parseExpr(text: string): { expr?: Expr; error?: string } {
  const tokens: { kind: "num" | "name" | "braces" | "op"; text: string; at: number }[] = [];
  TOKEN_RE.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN_RE.lastIndex = pos;
    const m = TOKEN_RE.exec(text);
    if (!m) {
      const at = pos + (text.slice(pos).length - text.slice(pos).trimStart().length);
      return { error: `unexpected character at column ${at + 1}: ${JSON.stringify(text.slice(at).slice(0, 10))}` };
    }
    const at = pos + (m[0].length - m[0].trimStart().length);
    if (m[1] !== undefined) tokens.push({ kind: "num", text: m[1], at });
    else if (m[2] !== undefined) tokens.push({ kind: "name", text: m[2], at });
    else if (m[3] !== undefined) tokens.push({ kind: "braces", text: m[3], at });
    else tokens.push({ kind: "op", text: m[4] ?? "", at });
    pos = TOKEN_RE.lastIndex;
  }
  let i = 0;
  const fail = (what: string): never => {
    const t = tokens[i];
    throw new Error(t ? `${what} at column ${t.at + 1}, found ${JSON.stringify(t.text)}` : `${what} at the end of the expression`);
  };
  const primary = (): Expr => {
    const t = tokens[i];
    if (t?.kind === "num") {
      i++;
      return { type: "number", value: Number(t.text) };
    }
    if (t?.kind === "op" && t.text === "(") {
      i++;
      const e = sum();
      if (tokens[i]?.text !== ")") fail('expected ")"');
      i++;
      return e;
    }
    if (t?.kind === "name") {
      i++;
      const matchers: Record<string, string> = {};
      const b = tokens[i];
      if (b?.kind === "braces") {
        i++;
        const body = b.text.slice(1, -1).trim();
        if (body !== "") {
          for (const part of body.split(",")) {
            const mm = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"\s*$/.exec(part);
            if (!mm) throw new Error(`invalid label matcher ${JSON.stringify(part.trim())} at column ${b.at + 1} (use name="value")`);
            matchers[mm[1] ?? ""] = mm[2] ?? "";
          }
        }
      }
      return { type: "selector", metric: t.text, matchers };
    }
    return fail('expected a metric name, a number or "("');
  };
  const product = (): Expr => {
    let left = primary();
    while (tokens[i]?.text === "*" || tokens[i]?.text === "/") {
      const op = tokens[i++]?.text as "*" | "/";
      left = { type: "binary", op, left, right: primary() };
    }
    return left;
  };
  const sum = (): Expr => {
    let left = product();
    while (tokens[i]?.text === "+" || tokens[i]?.text === "-") {
      const op = tokens[i++]?.text as "+" | "-";
      left = { type: "binary", op, left, right: product() };
    }
    return left;
  };
  try {
    if (tokens.length === 0) return { error: "the expression is empty" };
    const expr = sum();
    if (i < tokens.length) fail("unexpected token");
    return { expr };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Stable key of a label set (sorted). */
export function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(",");
}

type Value = { readonly scalar: number } | { readonly vector: readonly { labels: Labels; value: number }[] };

function apply(op: "+" | "-" | "*" | "/", a: number, b: number): number {
  return op === "+" ? a + b : op === "-" ? a - b : op === "*" ? a * b : a / b;
}

function evalNode(e: Expr, samples: readonly Sample[]): Value {
  if (e.type === "number") return { scalar: e.value };
  if (e.type === "selector") {
    const vector = samples
      .filter((s) => s.metric === e.metric && Object.entries(e.matchers).every(([k, v]) => (s.labels[k] ?? "") === v))
      .map((s) => ({ labels: s.labels, value: s.value }));
    return { vector };
  }
  const l = evalNode(e.left, samples);
  const r = evalNode(e.right, samples);
  if ("scalar" in l && "scalar" in r) return { scalar: apply(e.op, l.scalar, r.scalar) };
  if ("scalar" in l && "vector" in r) return { vector: r.vector.map((s) => ({ labels: s.labels, value: apply(e.op, l.scalar, s.value) })) };
  if ("vector" in l && "scalar" in r) return { vector: l.vector.map((s) => ({ labels: s.labels, value: apply(e.op, s.value, r.scalar) })) };
  if ("vector" in l && "vector" in r) {
    const right = new Map(r.vector.map((s) => [labelKey(s.labels), s.value]));
    const vector: { labels: Labels; value: number }[] = [];
    for (const s of l.vector) {
      const other = right.get(labelKey(s.labels));
      if (other !== undefined) vector.push({ labels: s.labels, value: apply(e.op, s.value, other) });
    }
    return { vector };
  }
  return { vector: [] };
}

/** Evaluate to one value per series (a scalar result becomes one series without labels). */
export function evalExpr(e: Expr, samples: readonly Sample[]): { labels: Labels; value: number }[] {
  const v = evalNode(e, samples);
  return "scalar" in v ? [{ labels: {}, value: v.scalar }] : [...v.vector];
}

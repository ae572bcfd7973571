import type { Source } from "../schemas/common.js";

function numericPaths(value: unknown, prefix: string, out: string[]): void {
  if (typeof value === "number") {
    out.push(prefix);
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => numericPaths(v, `${prefix}[${i}]`, out));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (prefix === "" && k === "sources") continue;
    numericPaths(v, prefix === "" ? k : `${prefix}.${k}`, out);
  }
}

function covers(pattern: string, path: string): boolean {
  if (pattern === "*" || pattern === path) return true;
  if (pattern.endsWith(".*")) {
    const base = pattern.slice(0, -2);
    return path.startsWith(`${base}.`) || path.startsWith(`${base}[`);
  }
  return path.startsWith(`${pattern}[`);
}

/** Numeric fields of a catalog item that no source claims (each number must name its source). */
export function unsourcedNumbers(item: { readonly sources: readonly Source[] }): string[] {
  const paths: string[] = [];
  numericPaths(item, "", paths);
  const patterns = item.sources.flatMap((s) => s.fields);
  return paths.filter((p) => !patterns.some((pat) => covers(pat, p)));
}

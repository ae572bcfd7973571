import type { Catalog, CatalogItemByKind, CatalogKind } from "@aidc/core";

/**
 * Resolve a free-text hardware/model name ("H800 (NVLink-reduced H100)", "B200 (HGX, 1000 W)") to a catalog
 * item: the whole text, then the text without its parenthesis, the parenthesis, each "/"-separated part, then
 * each word. The first unambiguous hit wins; nothing is guessed beyond the catalog's own names and aliases.
 */
export function resolveName<K extends CatalogKind>(catalog: Catalog, text: string, kind: K): CatalogItemByKind[K] | undefined {
  for (const candidate of candidates(text)) {
    const r = catalog.lookup(candidate, kind);
    if (r.found) return r.item;
  }
  return undefined;
}

function candidates(text: string): string[] {
  const out: string[] = [text.trim()];
  const outside = text.replace(/\([^)]*\)/g, " ").trim();
  out.push(outside);
  for (const m of text.matchAll(/\(([^)]*)\)/g)) {
    const inner = m[1] ?? "";
    out.push(inner, ...inner.split(/[,;]/));
  }
  for (const part of outside.split("/")) out.push(part);
  for (const word of outside.split(/[\s/,]+/)) out.push(word);
  for (const m of text.matchAll(/\(([^)]*)\)/g)) for (const word of (m[1] ?? "").split(/[\s/,]+/)) out.push(word);
  return [...new Set(out.map((s) => s.trim()).filter((s) => s.length >= 2))];
}

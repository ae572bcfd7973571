import type { z } from "zod";
import { AidcError, issue, type Issue } from "../errors.js";
import { Accelerator } from "../schemas/accelerator.js";
import { ModelArch } from "../schemas/model.js";
import { Nic, Switch } from "../schemas/network.js";
import { System } from "../schemas/system.js";
import { issuesFromZod } from "../schemas/zod-issues.js";
import { closest, normalizeName } from "./names.js";
import { unsourcedNumbers } from "./sources.js";

export const CATALOG_KINDS = {
  Accelerator: { schema: Accelerator, section: "accelerators" },
  System: { schema: System, section: "systems" },
  Switch: { schema: Switch, section: "switches" },
  Nic: { schema: Nic, section: "nics" },
  ModelArch: { schema: ModelArch, section: "models" },
} as const;
export type CatalogKind = keyof typeof CATALOG_KINDS;
export type CatalogSection = (typeof CATALOG_KINDS)[CatalogKind]["section"];

export interface CatalogItemByKind {
  Accelerator: Accelerator;
  System: System;
  Switch: Switch;
  Nic: Nic;
  ModelArch: ModelArch;
}
export type CatalogItem = CatalogItemByKind[CatalogKind];

/** A catalog data file as bundled by the build: its path (for messages) and parsed content. */
export interface CatalogFile {
  readonly file: string;
  readonly data: unknown;
}

export type Lookup<T> =
  | { readonly found: true; readonly item: T }
  | { readonly found: false; readonly ambiguous: readonly string[]; readonly suggestions: readonly string[] };

export class Catalog {
  readonly accelerators: readonly Accelerator[];
  readonly systems: readonly System[];
  readonly switches: readonly Switch[];
  readonly nics: readonly Nic[];
  readonly models: readonly ModelArch[];
  private readonly byKey = new Map<string, CatalogItem[]>();

  constructor(items: readonly CatalogItem[]) {
    this.accelerators = items.filter((i): i is Accelerator => i.kind === "Accelerator");
    this.systems = items.filter((i): i is System => i.kind === "System");
    this.switches = items.filter((i): i is Switch => i.kind === "Switch");
    this.nics = items.filter((i): i is Nic => i.kind === "Nic");
    this.models = items.filter((i): i is ModelArch => i.kind === "ModelArch");
    for (const item of items) {
      for (const key of keysOf(item)) {
        const list = this.byKey.get(key) ?? [];
        if (!list.includes(item)) list.push(item);
        this.byKey.set(key, list);
      }
    }
  }

  all(): readonly CatalogItem[] {
    return [...this.accelerators, ...this.systems, ...this.switches, ...this.nics, ...this.models];
  }

  section(section: CatalogSection): readonly CatalogItem[] {
    return this[section];
  }

  /** Names (normalized) that point at more than one item of `kind`, or at all when no kind is given. */
  ambiguousKeys(kind?: CatalogKind): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [key, items] of this.byKey) {
      const hits = kind === undefined ? items : items.filter((i) => i.kind === kind);
      if (hits.length > 1)
        out.set(
          key,
          hits.map((i) => i.id),
        );
    }
    return out;
  }

  /** Find an item by id, name or alias, as people write them ("h100 sxm", "NVIDIA H100 SXM"). */
  lookup<K extends CatalogKind>(name: string, kind?: K): Lookup<CatalogItemByKind[K]> {
    const hits = (this.byKey.get(normalizeName(name)) ?? []).filter((i) => kind === undefined || i.kind === kind);
    if (hits.length === 1) return { found: true, item: hits[0] as CatalogItemByKind[K] };
    const pool = this.all().filter((i) => kind === undefined || i.kind === kind);
    const suggestions =
      hits.length > 1
        ? []
        : closest(
            name,
            pool.flatMap((i) => [i.id, ...i.aliases]),
          ).map((s) => idFor(pool, s));
    return { found: false, ambiguous: hits.map((i) => i.id), suggestions: [...new Set(suggestions)] };
  }

  /** Like lookup, but throws a NotFound-style error with suggestions; for trusted call sites. */
  get<K extends CatalogKind>(name: string, kind: K): CatalogItemByKind[K] {
    const r = this.lookup(name, kind);
    if (r.found) return r.item;
    throw new AidcError("CATALOG_NOT_FOUND", lookupMessage(name, kind, r));
  }

  /** An Issue for a reference that does not resolve, or undefined when it does. */
  checkRef(name: string, kind: CatalogKind, path: readonly PropertyKey[]): Issue | undefined {
    const r = this.lookup(name, kind);
    return r.found ? undefined : issue("unknown_reference", path, lookupMessage(name, kind, r));
  }
}

function idFor(pool: readonly CatalogItem[], aliasOrId: string): string {
  const key = normalizeName(aliasOrId);
  return pool.find((i) => keysOf(i).includes(key))?.id ?? aliasOrId;
}

function keysOf(item: CatalogItem): string[] {
  return [...new Set([item.id, item.name, ...item.aliases].map(normalizeName))];
}

export function lookupMessage(
  name: string,
  kind: CatalogKind | undefined,
  r: { ambiguous: readonly string[]; suggestions: readonly string[] },
): string {
  const what = kind === undefined ? "catalog item" : kindLabel(kind);
  if (r.ambiguous.length > 0) return `"${name}" matches several ${what}s: ${r.ambiguous.join(", ")}; use an id`;
  const hint = r.suggestions.length > 0 ? `; did you mean ${r.suggestions.map((s) => `"${s}"`).join(" or ")}?` : "";
  const see = kind === undefined ? "aidc catalog --help" : `aidc catalog ${CATALOG_KINDS[kind].section}`;
  return `unknown ${what} "${name}"${hint} (see: ${see})`;
}

function kindLabel(kind: CatalogKind): string {
  return { Accelerator: "accelerator", System: "system", Switch: "switch", Nic: "NIC", ModelArch: "model" }[kind];
}

/** Validate one catalog item: schema, and that every number names its source. */
export function parseCatalogItem(data: unknown): { item?: CatalogItem; issues: Issue[] } {
  const kind = (data as { kind?: unknown } | null)?.kind;
  const entry = typeof kind === "string" && kind in CATALOG_KINDS ? CATALOG_KINDS[kind as CatalogKind] : undefined;
  if (entry === undefined) {
    return { issues: [issue("invalid_kind", "kind", `must be one of ${Object.keys(CATALOG_KINDS).join(", ")}`)] };
  }
  const parsed = (entry.schema as z.ZodType<CatalogItem>).safeParse(data);
  if (!parsed.success) return { issues: issuesFromZod(parsed.error, data) };
  const unsourced = unsourcedNumbers(parsed.data);
  const issues = unsourced.map((p) => issue("unsourced_number", p, "no entry in sources names this field"));
  return issues.length > 0 ? { issues } : { item: parsed.data, issues };
}

/** Build a catalog from bundled files; every problem is reported with its file. */
export function buildCatalog(files: readonly CatalogFile[]): { catalog: Catalog; issues: Issue[] } {
  const items: CatalogItem[] = [];
  const issues: Issue[] = [];
  const ids = new Map<string, string>();
  for (const f of files) {
    const r = parseCatalogItem(f.data);
    for (const i of r.issues) issues.push({ ...i, path: `${f.file}: ${i.path}` });
    if (r.item === undefined) continue;
    const other = ids.get(r.item.id);
    if (other !== undefined) issues.push(issue("duplicate_id", `${f.file}: id`, `"${r.item.id}" is also the id in ${other}`));
    ids.set(r.item.id, f.file);
    items.push(r.item);
  }
  const catalog = new Catalog(items);
  for (const [key, owners] of catalog.ambiguousKeys()) {
    issues.push(issue("ambiguous_alias", "aliases", `name "${key}" is claimed by ${owners.join(", ")}`));
  }
  for (const s of catalog.systems) {
    const ref = catalog.checkRef(s.accelerator, "Accelerator", ["accelerator"]);
    if (ref !== undefined) issues.push({ ...ref, path: `systems/${s.id}: ${ref.path}` });
    s.nics.forEach((n, i) => {
      const r = catalog.checkRef(n.nic, "Nic", ["nics", i, "nic"]);
      if (r !== undefined) issues.push({ ...r, path: `systems/${s.id}: ${r.path}` });
    });
  }
  return { catalog, issues };
}

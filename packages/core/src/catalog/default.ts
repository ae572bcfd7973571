import { AidcError, formatIssue } from "../errors.js";
import { buildCatalog, type Catalog } from "./catalog.js";
import { CATALOG_FILES } from "./data.generated.js";

let cached: Catalog | undefined;

/** The built-in catalog (packages/core/catalog/**), validated once on first use. */
export function defaultCatalog(): Catalog {
  if (cached !== undefined) return cached;
  const { catalog, issues } = buildCatalog(CATALOG_FILES);
  if (issues.length > 0) {
    throw new AidcError("CATALOG_INVALID", `The built-in catalog is invalid:\n${issues.map(formatIssue).join("\n")}`);
  }
  cached = catalog;
  return catalog;
}

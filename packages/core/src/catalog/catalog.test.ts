import { describe, expect, it } from "vitest";
import { buildCatalog, type CatalogFile } from "./catalog.js";
import { CATALOG_FILES } from "./data.generated.js";
import { defaultCatalog } from "./default.js";
import { closest, normalizeName } from "./names.js";
import { unsourcedNumbers } from "./sources.js";

describe("catalog look-up", () => {
  const catalog = defaultCatalog();

  it("has unique ids and no name that points at two items", () => {
    const ids = catalog.all().map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...catalog.ambiguousKeys()]).toEqual([]);
  });

  it("resolves the spellings people use", () => {
    const cases: [string, string][] = [
      ["H100-SXM5-80GB", "h100-sxm5-80gb"],
      ["h100 sxm", "h100-sxm5-80gb"],
      ["NVIDIA H100 SXM", "h100-sxm5-80gb"],
      ["A100-SXM4-40GB", "a100-sxm4-40gb"],
      ["AMD Instinct MI300X", "mi300x-192gb"],
      ["Google TPU v5e", "tpu-v5e"],
      ["DGX H100", "dgx-h100"],
    ];
    for (const [name, id] of cases) {
      const r = catalog.lookup(name);
      expect(r.found ? r.item.id : `not found: ${name}`).toBe(id);
    }
  });

  it("filters by kind and suggests close names for a miss", () => {
    expect(catalog.lookup("DGX H100", "Accelerator").found).toBe(false);
    const miss = catalog.lookup("mi300", "Accelerator");
    expect(miss.found).toBe(false);
    if (!miss.found) expect(miss.suggestions).toContain("mi300x-192gb");
    expect(() => catalog.get("h1000", "Accelerator")).toThrow(/unknown accelerator "h1000"/);
  });

  it("normalizes vendor words, case and punctuation", () => {
    expect(normalizeName("NVIDIA H100-SXM5 80GB")).toBe("h100sxm580gb");
    expect(normalizeName("Llama 3.1 70B")).toBe("llama3.170b");
    expect(closest("h10 sxm", ["h100-sxm", "mi300x", "tpu-v4"])).toEqual(["h100-sxm"]);
  });
});

describe("catalog validation", () => {
  const h100 = CATALOG_FILES.find((f) => f.file === "accelerators/h100-sxm5-80gb.yaml") as CatalogFile;

  it("finds every number that no source names", () => {
    expect(unsourcedNumbers({ sources: [{ title: "t", fields: ["a", "b.*"] }], a: 1, b: { c: 2 }, d: [3], e: { f: 4 } } as never)).toEqual([
      "d[0]",
      "e.f",
    ]);
    expect(unsourcedNumbers({ sources: [{ title: "t", fields: ["*"] }], a: 1 } as never)).toEqual([]);
  });

  it("reports duplicate ids, ambiguous aliases and broken references with the file", () => {
    const copy = { file: "accelerators/copy.yaml", data: { ...(h100.data as object) } };
    const sys = CATALOG_FILES.find((f) => f.file === "systems/dgx-h100.yaml") as CatalogFile;
    const brokenSys = {
      file: "systems/broken.yaml",
      data: { ...(sys.data as object), id: "broken", aliases: [], name: "Broken", accelerator: "h999" },
    };
    const { issues } = buildCatalog([h100, copy, brokenSys]);
    const text = issues.map((i) => `${i.code} ${i.path}: ${i.message}`);
    expect(text).toContainEqual(
      expect.stringMatching(/^duplicate_id accelerators\/copy.yaml: id: "h100-sxm5-80gb" is also the id in accelerators\/h100/),
    );
    expect(text).toContainEqual(expect.stringMatching(/^unknown_reference systems\/broken: accelerator: unknown accelerator "h999"/));
    expect(text).toContainEqual(expect.stringMatching(/^unknown_reference systems\/broken: nics\[0\]\.nic/));
  });

  it("reports schema problems per file instead of throwing", () => {
    const bad = { file: "accelerators/bad.yaml", data: { ...(h100.data as object), memoryGB: -80, extra: true } };
    const paths = buildCatalog([bad]).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["accelerators/bad.yaml: memoryGB", "accelerators/bad.yaml: extra"]));
  });
});

import { describe, expect, it } from "vitest";
import { defaultCatalog } from "./catalog/default.js";
import { parseText, validateData, validateDocument } from "./documents.js";
import { DEFAULT_PARSE_LIMITS, flowDepth, utf8Length } from "./parse-limits.js";

const catalog = defaultCatalog();
const head = "apiVersion: aidc/v1\nkind: Job\nname: x\nrun: { command: [echo] }\ntasks: [{ replicas: 1 }]\n";

/** The classic "billion laughs": nine levels of nine aliases each, 9^9 strings once expanded. */
const billionLaughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ..."bcdefghi".split("").map((c, i) => {
    const prev = "abcdefghi"[i] as string;
    return `${c}: &${c} [${Array(9).fill(`*${prev}`).join(",")}]`;
  }),
].join("\n");

describe("parsing within limits", () => {
  it("refuses a billion-laughs document with an issue instead of throwing or expanding it", () => {
    const r = validateDocument(billionLaughs, catalog);
    expect(r.document).toBeUndefined();
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.code).toBe("too_many_aliases");
    expect(r.issues[0]?.message).toMatch(/alias/);
  });

  it("refuses a document whose few aliases expand too far (each one under the alias count)", () => {
    // 6 levels x 9 aliases = 54 alias nodes (under 100), expanding to 9^6 nodes
    const text = billionLaughs.split("\n").slice(0, 7).join("\n");
    const r = parseText(text);
    expect(r.data).toBeUndefined();
    expect(r.issues[0]?.code).toBe("too_many_aliases");
  });

  it("refuses more alias nodes than the limit, and allows a few", () => {
    const many = `${head}labels: { ${Array.from({ length: 150 }, (_, i) => `k${i}: &a${i} v`).join(", ")} }\nx: [${Array.from({ length: 150 }, (_, i) => `*a${i}`).join(", ")}]\n`;
    expect(parseText(many).issues[0]?.message).toBe(`uses more than ${DEFAULT_PARSE_LIMITS.maxAliasCount} YAML aliases`);
    const few = "base: &base { gpus: 1 }\nother: *base\n";
    expect(parseText(few)).toMatchObject({ data: { base: { gpus: 1 }, other: { gpus: 1 } }, issues: [] });
  });

  it("refuses deep flow nesting before parsing it, and deep block nesting with its line", () => {
    const flow = `${head}labels: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`;
    expect(validateDocument(flow, catalog).issues).toEqual([
      { code: "too_deep", path: "(document)", message: "nested deeper than 64 levels" },
    ]);
    const block = `${head}labels:\n${Array.from({ length: 80 }, (_, i) => `${" ".repeat(i + 2)}a${i}:`).join("\n")} 1\n`;
    const issues = validateDocument(block, catalog).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "too_deep", message: "nested deeper than 64 levels" });
    expect(issues[0]?.line).toBeGreaterThan(60);
    // a parser-stack-deep document is the same issue, not a stack trace
    const deeper = `labels:\n${Array.from({ length: 1200 }, (_, i) => `${" ".repeat(i + 2)}a${i}:`).join("\n")} 1\n`;
    expect(validateDocument(deeper, catalog).issues[0]).toMatchObject({ code: "too_deep" });
    // the limit is a parameter
    expect(parseText("a: [[[1]]]", { maxDepth: 3 }).issues[0]?.code).toBe("too_deep");
    expect(parseText("a: [[1]]", { maxDepth: 3 }).issues).toEqual([]);
  });

  it("counts brackets outside quotes and comments only", () => {
    expect(flowDepth("a: \"[[[[\" # {{{{\nb: [x, '{{']")).toBe(1);
    expect(flowDepth("a: {b: [c]}")).toBe(2);
  });

  it("refuses a document over the size limit, counted in UTF-8 bytes", () => {
    expect(parseText("a: ü", { maxBytes: 4 }).issues[0]).toEqual({
      code: "too_large",
      path: "(document)",
      message: "is larger than 4 bytes",
    });
    expect(parseText("a: ü", { maxBytes: 5 }).issues).toEqual([]);
    expect(utf8Length("aü€😀")).toBe(1 + 2 + 3 + 4);
  });

  it("still finds duplicate keys (in one pass), with their line", () => {
    const r = validateDocument(`${head}labels:\n  a: x\n  b: y\n  a: z\n`, catalog);
    expect(r.issues[0]).toMatchObject({ code: "syntax", line: 9 });
    expect(r.issues[0]?.message).toMatch(/unique.*"a"/);
  });

  it("reports at most maxIssues issues and says how many more there were", () => {
    const text = head + Array.from({ length: 5000 }, (_, i) => `k${i}: v`).join("\n");
    const issues = validateDocument(text, catalog).issues;
    expect(issues).toHaveLength(DEFAULT_PARSE_LIMITS.maxIssues + 1);
    expect(issues.at(-1)).toMatchObject({
      code: "too_many_issues",
      message: `and ${5000 - DEFAULT_PARSE_LIMITS.maxIssues} more problem(s)`,
    });
    expect(issues[0]).toMatchObject({ code: "unknown_field", line: 6 });
  });

  it("refuses deeply nested JSON data before walking it", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const r = validateData({ apiVersion: "aidc/v1", kind: "Job", name: "x", tasks: [{}], run: { workload: "w", args: { deep } } }, catalog);
    expect(r.issues).toEqual([{ code: "too_deep", path: "(document)", message: "nested deeper than 64 levels" }]);
  });
});

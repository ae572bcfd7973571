import { describe, expect, it } from "vitest";
import { evalExpr, parseExpr, type Sample } from "./expr.js";

const samples: Sample[] = [
  { metric: "used", labels: { node: "a", mount: "/" }, value: 90 },
  { metric: "used", labels: { node: "b", mount: "/" }, value: 10 },
  { metric: "size", labels: { node: "a", mount: "/" }, value: 100 },
  { metric: "size", labels: { node: "b", mount: "/" }, value: 100 },
  { metric: "size", labels: { node: "c", mount: "/" }, value: 100 },
];

describe("alert expressions", () => {
  it("divides two vectors matching identical label sets, and applies scalars", () => {
    const e = parseExpr("100 * used / size");
    expect(e.error).toBeUndefined();
    expect(evalExpr(e.expr!, samples)).toEqual([
      { labels: { node: "a", mount: "/" }, value: 90 },
      { labels: { node: "b", mount: "/" }, value: 10 },
    ]);
  });

  it("filters with label matchers and respects precedence and parentheses", () => {
    const e = parseExpr('(used{node="a"} + 10) / 2');
    expect(evalExpr(e.expr!, samples)).toEqual([{ labels: { node: "a", mount: "/" }, value: 50 }]);
    expect(evalExpr(parseExpr("1 + 2 * 3").expr!, [])).toEqual([{ labels: {}, value: 7 }]);
  });

  it("explains syntax errors with a column", () => {
    expect(parseExpr("used / ").error).toContain("end of the expression");
    expect(parseExpr("used % size").error).toContain("column 6");
    expect(parseExpr("used{node=a}").error).toContain("invalid label matcher");
  });
});

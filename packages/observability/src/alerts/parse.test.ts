import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAlertRules } from "./parse.js";
import { parseDurationS, formatDuration } from "./duration.js";
import { alertRulesJsonSchema } from "./schema.js";

const examples = fileURLToPath(new URL("../../../../examples/alerts", import.meta.url));

describe("AlertRules files", () => {
  it.each(readdirSync(examples).filter((f) => /\.ya?ml$/.test(f)))("accepts examples/alerts/%s", (file) => {
    const r = parseAlertRules(readFileSync(join(examples, file), "utf8"));
    expect(r.issues).toEqual([]);
    expect(r.rules?.groups.length).toBeGreaterThan(0);
  });

  it("reports every problem with its path and line", () => {
    const text = [
      "apiVersion: aidc/v1",
      "kind: AlertRules",
      "name: bad",
      "groups:",
      "  - name: g",
      "    rules:",
      "      - alert: Not Valid",
      "        metric: aidc_x",
      "        threshold: { op: '>>', value: 1 }",
      "        for: 5 minutes",
      "        severity: urgent",
      "      - alert: Both",
      "        metric: aidc_x",
      "        expr: aidc_y",
      "        anomaly: { minScore: 2 }",
      "        severity: info",
    ].join("\n");
    const r = parseAlertRules(text);
    expect(r.rules).toBeUndefined();
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i]));
    expect(byPath["groups[0].rules[0].alert"]?.line).toBe(7);
    expect(byPath["groups[0].rules[0].threshold.op"]?.message).toContain('">"');
    expect(byPath["groups[0].rules[0].for"]?.line).toBe(10);
    expect(byPath["groups[0].rules[0].severity"]?.line).toBe(11);
    expect(byPath["groups[0].rules[1].anomaly.minScore"]?.message).toContain("at most 1");
    expect(r.issues.length).toBe(6);
  });

  it("rejects rules that give both or neither of metric/expr and threshold/anomaly", () => {
    const r = parseAlertRules(
      "apiVersion: aidc/v1\nkind: AlertRules\nname: x\ngroups:\n  - name: g\n    rules:\n      - alert: A\n        metric: aidc_x\n        expr: aidc_y\n        severity: info\n",
    );
    expect(r.issues.map((i) => i.path)).toEqual(["groups[0].rules[0].metric", "groups[0].rules[0].threshold"]);
  });

  it("checks expressions and duplicate alert names after the schema", () => {
    const r = parseAlertRules(
      [
        "apiVersion: aidc/v1",
        "kind: AlertRules",
        "name: x",
        "groups:",
        "  - name: g",
        "    rules:",
        "      - { alert: A, expr: 'aidc_a / (aidc_b', threshold: { op: '>', value: 1 }, severity: info }",
        "      - { alert: A, metric: aidc_c, threshold: { op: '>', value: 1 }, severity: info }",
      ].join("\n"),
    );
    expect(r.issues.map((i) => [i.code, i.path, i.line])).toEqual([
      ["invalid_expr", "groups[0].rules[0].expr", 7],
      ["duplicate", "groups[0].rules[1].alert", 8],
    ]);
  });

  it("has a JSON Schema that requires apiVersion, kind, name and groups", () => {
    const js = alertRulesJsonSchema() as { required?: string[]; properties?: Record<string, unknown> };
    expect(js.required).toEqual(expect.arrayContaining(["apiVersion", "kind", "name", "groups"]));
    expect(Object.keys(js.properties ?? {})).toContain("groups");
  });

  it("reads and prints Prometheus durations", () => {
    expect(parseDurationS("1h30m")).toBe(5400);
    expect(parseDurationS("0s")).toBe(0);
    expect(parseDurationS("5 minutes")).toBeUndefined();
    expect(formatDuration(5400)).toBe("1h30m");
    expect(formatDuration(0)).toBe("0s");
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PLUGINS, POLICIES, buildRegistry, parseProfile, policyNames, resolvePolicy } from "./index.js";

const example = new URL("../../../examples/profiles/team-fair-share.yaml", import.meta.url);

describe("scheduler profiles", () => {
  it("the example profile validates and resolves its plugins", () => {
    const r = parseProfile(readFileSync(example, "utf8"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.name).toBe("team-fair-share");
    expect(r.value.place.name).toBe("topology-aware");
    expect(r.value.preempt?.name).toBe("reclaim");
    expect(r.value.args.minRunTimeS).toBe(600);
    expect(r.value.args.quotas.get("research")?.borrowingLimitGpus).toBe(16);
  });

  it("reports field-precise issues with lines", () => {
    const text = [
      "apiVersion: aidc/v1",
      "kind: SchedulerProfile",
      "metadata: { name: x }",
      "spec:",
      "  policy: fifo",
      "  backfill: sometimes",
      "  agingS: -1",
    ].join("\n");
    const r = parseProfile(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [i.path, i.line])).toEqual([
      ["spec.backfill", 6],
      ["spec.agingS", 7],
    ]);
  });

  it("unknown policy and placement names are issues, not exceptions", () => {
    const r = parseProfile(
      "apiVersion: aidc/v1\nkind: SchedulerProfile\nmetadata: { name: x }\nspec:\n  policy: fifo\n  placement: nowhere\n",
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ code: "unknown_plugin", path: "spec.placement", line: 6 });
    const p = resolvePolicy("lottery");
    expect(p.ok).toBe(false);
  });

  it("the registry rejects duplicate names; every built-in policy resolves", () => {
    expect(() => buildRegistry([...PLUGINS, PLUGINS[0]!])).toThrow(/name is taken/);
    expect(new Set(policyNames()).size).toBe(POLICIES.length);
    for (const name of policyNames()) expect(resolvePolicy(name).ok).toBe(true);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.testing.js";

const example = fileURLToPath(new URL("../../../../examples/alerts/node-health.yaml", import.meta.url));

const run = (...argv: string[]) => runCli(argv);

describe("aidc alerts", () => {
  it("validates the example and exports it as Prometheus rules", async () => {
    const v = await run("alerts", "validate", example);
    expect(v.code).toBe(0);
    expect(v.out).toContain("ok AlertRules (4 rule(s))");
    const e = await run("alerts", "export", example);
    expect(e.code).toBe(0);
    const doc = parse(e.out) as { groups: { rules: { alert: string; expr: string }[] }[] };
    expect(doc.groups.flatMap((g) => g.rules.map((r) => r.alert))).toEqual([
      "GpuTooHot",
      "GpuEccErrors",
      "FilesystemAlmostFull",
      "NodeCpuAnomalous",
    ]);
    const out = join(mkdtempSync(join(tmpdir(), "aidc-alerts-")), "rules.yml");
    expect((await run("alerts", "export", example, "-o", out)).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(e.out);
  });

  it("exits 2 with one line per path (and its line number) for bad rules", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "aidc-alerts-")), "bad.yaml");
    writeFileSync(
      bad,
      "apiVersion: aidc/v1\nkind: AlertRules\nname: x\ngroups:\n  - name: g\n    rules:\n      - alert: A\n        metric: m\n        threshold: { op: '>', value: high }\n        severity: info\n",
    );
    const v = await run("alerts", "validate", bad);
    expect(v.code).toBe(2);
    expect(v.err).toContain('bad.yaml: groups[0].rules[0].threshold.value (line 9): expected number, got the text "high"');
    const j = await run("alerts", "validate", bad, "--json");
    expect((JSON.parse(j.out) as { files: { ok: boolean }[] }).files[0]?.ok).toBe(false);
    const e = await run("alerts", "export", bad);
    expect(e.code).toBe(2);
    expect(e.out).toBe("");
  });

  it("replays recorded samples: fires after `for` and resolves, as JSON", async () => {
    const samples = join(mkdtempSync(join(tmpdir(), "aidc-alerts-")), "samples.jsonl");
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({
        timeMs: i * 30_000,
        metric: "aidc_gpu_temperature_celsius",
        labels: { node: "n1", gpu: "0" },
        value: i >= 2 && i <= 20 ? 92 : 70,
      }),
    );
    writeFileSync(samples, lines.join("\n"));
    const r = await run("alerts", "replay", example, "--samples", samples, "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { notifications: { timeMs: number; kind: string; alert: string }[] };
    expect(doc.notifications.map((n) => [n.timeMs, n.kind, n.alert])).toEqual([
      [360_000, "firing", "GpuTooHot"], // active from 60 s, `for: 5m`
      [630_000, "resolved", "GpuTooHot"],
    ]);
    writeFileSync(samples, '{"timeMs":"soon"}\n');
    expect((await run("alerts", "replay", example, "--samples", samples)).code).toBe(2);
  });

  it("replays examples/alerts/recorded.jsonl: every sample (also off the 30 s grid), times in ISO", async () => {
    const recorded = fileURLToPath(new URL("../../../../examples/alerts/recorded.jsonl", import.meta.url));
    const r = await run("alerts", "replay", example, "--samples", recorded);
    expect(r.code).toBe(0);
    expect(r.out.split("\n").slice(0, 4)).toEqual([
      "TIME\tNOTIFICATION\tALERT\tSEVERITY\tLABELS\tVALUE",
      // 200 s after the first sample: off the gpu group's 30 s grid, evaluated all the same
      "2026-01-01T00:03:20Z\tfiring\tGpuEccErrors\twarning\tnode=gpu-node-01,gpu=1\t2",
      "2026-01-01T00:06:00Z\tfiring\tGpuTooHot\tcritical\tnode=gpu-node-01,gpu=0,team=infra\t90",
      "2026-01-01T00:07:00Z\tresolved\tGpuTooHot\tcritical\tnode=gpu-node-01,gpu=0,team=infra\t88",
    ]);
    expect(r.out).not.toMatch(/\b1767\d{9}\b/); // no epoch milliseconds
  });

  it("also reads the older agent lines (one round a line with a samples array)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "aidc-alerts-")), "old.jsonl");
    const round = (i: number, value: number) =>
      JSON.stringify({
        timeMs: i * 10_000,
        durationMs: 3.2,
        errors: [],
        samples: [{ timeMs: i * 10_000, metric: "aidc_gpu_ecc_errors_total", labels: { node: "n1", gpu: "0" }, value }],
      });
    writeFileSync(file, [round(0, 0), round(1, 3)].join("\n"));
    const r = await run("alerts", "replay", example, "--samples", file, "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { notifications: { timeMs: number; time: string; kind: string; alert: string }[] };
    // 10 s: off the 30 s grid; the old evaluator skipped it and never fired
    expect(doc.notifications).toEqual([
      expect.objectContaining({ timeMs: 10_000, time: "1970-01-01T00:00:10Z", kind: "firing", alert: "GpuEccErrors" }),
    ]);
    writeFileSync(file, JSON.stringify({ timeMs: 0, samples: [{ metric: "m" }] }));
    const bad = await run("alerts", "replay", example, "--samples", file);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("samples[0]");
  });
});

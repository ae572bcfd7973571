import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseAlertRules } from "./parse.js";
import { toPrometheusRules, toPrometheusRulesYaml } from "./prometheus.js";

const example = fileURLToPath(new URL("../../../../examples/alerts/node-health.yaml", import.meta.url));

describe("Prometheus export", () => {
  const rules = parseAlertRules(readFileSync(example, "utf8")).rules!;

  it("writes rule_files YAML: groups with alert, expr, for, labels (incl. severity) and annotations", () => {
    const doc = parse(toPrometheusRulesYaml(rules)) as { groups: { name: string; interval: string; rules: Record<string, unknown>[] }[] };
    expect(doc).toEqual(toPrometheusRules(rules));
    const gpu = doc.groups[0]!;
    expect(gpu.name).toBe("gpu");
    expect(gpu.interval).toBe("30s");
    expect(gpu.rules[0]).toEqual({
      alert: "GpuTooHot",
      expr: "aidc_gpu_temperature_celsius > 85",
      for: "5m",
      labels: { team: "infra", severity: "critical" },
      annotations: { summary: "GPU {{ $labels.gpu }} on {{ $labels.node }} is at {{ $value }} °C" },
    });
    expect(gpu.rules[1]).not.toHaveProperty("for");
  });

  it("parenthesises expressions and turns anomaly rules into a score threshold", () => {
    const host = toPrometheusRules(rules).groups[1] as { rules: { alert: string; expr: string }[] };
    expect(host.rules[0]?.expr).toBe("(aidc_node_filesystem_used_bytes / aidc_node_filesystem_size_bytes) > 0.9");
    expect(host.rules[1]?.expr).toBe('aidc_anomaly_score{alertname="NodeCpuAnomalous",detector="ensemble"} >= 0.5');
  });
});

import { readFileSync } from "node:fs";
import { InvalidInputError } from "@aidc/core";
import { parseAlertRules, type AlertRules } from "@aidc/observability";

/**
 * The rules a server runs when no `--alerts` file is given: the same text as
 * examples/alerts/node-health.yaml (a test keeps the two equal).
 */
export const DEFAULT_ALERT_RULES_YAML = `
apiVersion: aidc/v1
kind: AlertRules
name: node-health
description: Host and GPU health of every node
groups:
  - name: gpu
    interval: 30s
    rules:
      - alert: GpuTooHot
        metric: aidc_gpu_temperature_celsius
        threshold: { op: ">", value: 85 }
        for: 5m
        severity: critical
        labels: { team: infra }
        annotations:
          summary: "GPU {{ $labels.gpu }} on {{ $labels.node }} is at {{ $value }} °C"
      - alert: GpuEccErrors
        metric: aidc_gpu_ecc_errors_total
        threshold: { op: ">", value: 0 }
        severity: warning
        annotations:
          summary: "GPU {{ $labels.gpu }} on {{ $labels.node }} reports ECC errors"
  - name: host
    interval: 1m
    rules:
      - alert: FilesystemAlmostFull
        description: More than 90% of a filesystem is used
        expr: aidc_node_filesystem_used_bytes / aidc_node_filesystem_size_bytes
        threshold: { op: ">", value: 0.9 }
        for: 10m
        severity: warning
        annotations:
          summary: "{{ $labels.mountpoint }} on {{ $labels.node }} is {{ $value }} full"
      - alert: NodeCpuAnomalous
        description: The node's CPU utilisation departs from its usual (daily/weekly) pattern
        metric: aidc_node_cpu_utilization_ratio
        anomaly: { detector: ensemble, minScore: 0.5 }
        severity: info
`;

/** Parse rules text; bad input becomes an InvalidInputError listing every issue with its path and line. */
export function alertRulesFromText(text: string, source: string): AlertRules {
  const r = parseAlertRules(text);
  if (r.rules === undefined)
    throw new InvalidInputError(
      `Alert rules ${source} are invalid`,
      r.issues.map((i) => ({ ...i, path: `${source}: ${i.path}` })),
    );
  return r.rules;
}

/** Read the `--alerts` file, or the built-in node-health rules when none is given. */
export function loadAlertRules(file: string | undefined): AlertRules {
  if (file === undefined) return alertRulesFromText(DEFAULT_ALERT_RULES_YAML, "built-in node-health rules");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new InvalidInputError(`Cannot read alert rules ${file}`, [
      { code: "unreadable", path: "--alerts", message: (cause as Error).message },
    ]);
  }
  return alertRulesFromText(text, file);
}

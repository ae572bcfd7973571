import { z } from "zod";
import { apiVersion, labels } from "@aidc/core";
import { DETECTOR_NAMES } from "../anomaly/registry.js";
import { parseDurationS } from "./duration.js";

/** Prometheus-style duration text ("30s", "5m", "1h30m"). */
const duration = z.string().refine((s) => parseDurationS(s) !== undefined, { message: 'must be a duration like "30s", "5m" or "1h30m"' });

export const SEVERITIES = ["info", "warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const COMPARISONS = [">", ">=", "<", "<=", "==", "!="] as const;
export type Comparison = (typeof COMPARISONS)[number];

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "must be a Prometheus metric name (letters, digits, '_' or ':')");
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const AlertRule = z
  .strictObject({
    alert: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus alert name (letters, digits or '_', e.g. GpuTooHot)"),
    description: z.string().optional(),
    /** A metric name, or `expr` (a PromQL-compatible arithmetic expression). Exactly one. */
    metric: metricName.optional(),
    expr: z.string().min(1).optional(),
    /** Fire when the value compares true to `value`, or when the anomaly score reaches `minScore`. Exactly one. */
    threshold: z.strictObject({ op: z.enum(COMPARISONS), value: z.number() }).optional(),
    anomaly: z
      .strictObject({ detector: z.enum(DETECTOR_NAMES).default("ensemble"), minScore: z.number().min(0).max(1).default(0.5) })
      .optional(),
    for: duration.default("0s"),
    severity: z.enum(SEVERITIES),
    labels: labels.default({}),
    annotations: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((r, ctx) => {
    if ((r.metric === undefined) === (r.expr === undefined)) {
      ctx.addIssue({ code: "custom", path: ["metric"], message: "give exactly one of metric or expr" });
    }
    if ((r.threshold === undefined) === (r.anomaly === undefined)) {
      ctx.addIssue({ code: "custom", path: ["threshold"], message: "give exactly one of threshold or anomaly" });
    }
    for (const key of Object.keys(r.labels)) {
      if (!labelName.test(key))
        ctx.addIssue({ code: "custom", path: ["labels", key], message: "must be a label name (letters, digits or '_')" });
    }
    if ("severity" in r.labels)
      ctx.addIssue({ code: "custom", path: ["labels", "severity"], message: "set severity with the rule's severity field" });
  });
export type AlertRule = z.infer<typeof AlertRule>;

export const AlertGroup = z.strictObject({
  name: z.string().min(1),
  /** How often the rules of the group are evaluated. */
  interval: duration.default("1m"),
  rules: z.array(AlertRule).min(1),
});
export type AlertGroup = z.infer<typeof AlertGroup>;

export const AlertRules = z.strictObject({
  apiVersion,
  kind: z.literal("AlertRules"),
  name: z.string().min(1),
  description: z.string().optional(),
  groups: z.array(AlertGroup).min(1),
});
export type AlertRules = z.infer<typeof AlertRules>;

/** JSON Schema of an AlertRules file (for editors and `schemas/`; the build's schema writer can pick it up). */
export function alertRulesJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(AlertRules, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

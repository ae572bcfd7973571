import { describe, expect, it } from "vitest";
import { AlertEvaluator, type Notification } from "./evaluator.js";
import type { Sample } from "./expr.js";
import { parseAlertRules } from "./parse.js";
import type { AlertRules } from "./schema.js";

function rules(yamlRules: string, interval = "30s"): AlertRules {
  const r = parseAlertRules(
    `apiVersion: aidc/v1\nkind: AlertRules\nname: t\ngroups:\n  - name: node\n    interval: ${interval}\n    rules:\n${yamlRules}`,
  );
  if (!r.rules) throw new Error(JSON.stringify(r.issues));
  return r.rules;
}

const HOT = rules(
  [
    "      - alert: GpuTooHot",
    "        metric: aidc_gpu_temperature_celsius",
    "        threshold: { op: '>', value: 85 }",
    "        for: 1m",
    "        severity: critical",
    "        labels: { team: infra }",
    "        annotations: { summary: 'GPU {{ $labels.gpu }} on {{ $labels.node }} at {{ $value }} C' }",
  ].join("\n"),
);

const temp = (node: string, value: number): Sample => ({ metric: "aidc_gpu_temperature_celsius", labels: { node, gpu: "0" }, value });
const S = 1000;
const kinds = (ns: readonly Notification[]): string[] => ns.map((n) => `${n.kind}:${n.alert.labels["node"] ?? ""}`);

describe("AlertEvaluator", () => {
  it("goes pending → firing after `for` → resolved, notifying on firing and on resolution", () => {
    const ev = new AlertEvaluator(HOT);
    expect(ev.evaluate(0, [temp("n1", 70)]).alerts).toEqual([]);
    let r = ev.evaluate(30 * S, [temp("n1", 90), temp("n2", 60)]);
    expect(r.alerts.map((a) => [a.labels["node"], a.state])).toEqual([["n1", "pending"]]);
    expect(r.notifications).toEqual([]);
    r = ev.evaluate(60 * S, [temp("n1", 91)]);
    expect(r.alerts[0]?.state).toBe("pending"); // 30 s active < 1 m
    r = ev.evaluate(90 * S, [temp("n1", 92)]);
    expect(r.alerts[0]?.state).toBe("firing");
    expect(r.alerts[0]?.labels).toEqual({ node: "n1", gpu: "0", team: "infra", alertname: "GpuTooHot", severity: "critical" });
    expect(r.alerts[0]?.annotations["summary"]).toBe("GPU 0 on n1 at 92 C");
    expect(kinds(r.notifications)).toEqual(["firing:n1"]);
    expect(ev.evaluate(120 * S, [temp("n1", 93)]).notifications).toEqual([]);
    r = ev.evaluate(150 * S, [temp("n1", 60)]);
    expect(r.alerts[0]?.state).toBe("resolved");
    expect(r.alerts[0]?.resolvedAtMs).toBe(150 * S);
    expect(kinds(r.notifications)).toEqual(["resolved:n1"]);
  });

  it("forgets a pending alert whose condition clears before `for`, without notifying", () => {
    const ev = new AlertEvaluator(HOT);
    ev.evaluate(0, [temp("n1", 90)]);
    const r = ev.evaluate(30 * S, [temp("n1", 50)]);
    expect(r.alerts).toEqual([]);
    expect(r.notifications).toEqual([]);
  });

  it("evaluates a group only once per interval", () => {
    const ev = new AlertEvaluator(HOT);
    ev.evaluate(0, [temp("n1", 90)]);
    expect(ev.evaluate(10 * S, []).alerts.length).toBe(1); // not due: state kept
    expect(ev.evaluate(30 * S, []).alerts.length).toBe(0);
  });

  it("with everyCall (replays) evaluates every call, also samples off the group's 30 s grid", () => {
    const live = new AlertEvaluator(HOT);
    const replay = new AlertEvaluator(HOT, { everyCall: true });
    for (const ev of [live, replay]) ev.evaluate(0, [temp("n1", 70)]);
    // a hot sample 10 s later: off the grid, so the live evaluator never looks at it
    expect(live.evaluate(10 * S, [temp("n1", 95)]).alerts).toEqual([]);
    expect(replay.evaluate(10 * S, [temp("n1", 95)]).alerts.map((a) => a.state)).toEqual(["pending"]);
    expect(replay.evaluate(75 * S, [temp("n1", 95)]).notifications.map((n) => n.kind)).toEqual(["firing"]);
  });

  it("mutes notifications of silenced alerts and notifies once the silence ends", () => {
    const ev = new AlertEvaluator(
      rules("      - { alert: Hot, metric: aidc_gpu_temperature_celsius, threshold: { op: '>', value: 85 }, severity: warning }"),
    );
    ev.addSilence({
      id: "s1",
      matchers: [{ name: "node", value: "n[12]", regex: true }],
      startsAtMs: 0,
      endsAtMs: 100 * S,
      createdBy: "ops",
      comment: "maintenance",
    });
    let r = ev.evaluate(0, [temp("n1", 90), temp("n3", 90)]);
    expect(r.alerts.map((a) => [a.labels["node"], a.state, a.silencedBy])).toEqual([
      ["n1", "firing", ["s1"]],
      ["n3", "firing", []],
    ]);
    expect(kinds(r.notifications)).toEqual(["firing:n3"]);
    r = ev.evaluate(120 * S, [temp("n1", 90), temp("n3", 90)]);
    expect(kinds(r.notifications)).toEqual(["firing:n1"]);
  });

  it("repeats notifications for unacknowledged firing alerts, and stops after an acknowledgement", () => {
    const ev = new AlertEvaluator(
      rules("      - { alert: Hot, metric: aidc_gpu_temperature_celsius, threshold: { op: '>', value: 85 }, severity: warning }"),
      {
        repeatIntervalS: 60,
      },
    );
    const both = [temp("n1", 90), temp("n2", 90)];
    expect(kinds(ev.evaluate(0, both).notifications)).toEqual(["firing:n1", "firing:n2"]);
    const fp = ev.alerts()[0]?.fingerprint ?? "";
    expect(ev.acknowledge(fp, { by: "alice", atMs: 30 * S, comment: "on it" })).toBe(true);
    const r = ev.evaluate(60 * S, both);
    expect(kinds(r.notifications)).toEqual(["repeat:n2"]);
    expect(r.alerts[0]?.acknowledged?.by).toBe("alice");
    // acknowledgements end with the alert
    ev.evaluate(90 * S, []);
    expect(ev.acknowledge(fp, { by: "bob", atMs: 95 * S })).toBe(false);
  });

  it("drops resolved alerts after the retention period", () => {
    const ev = new AlertEvaluator(
      rules("      - { alert: Hot, metric: aidc_gpu_temperature_celsius, threshold: { op: '>', value: 85 }, severity: info }"),
      {
        resolvedRetentionS: 60,
      },
    );
    ev.evaluate(0, [temp("n1", 90)]);
    ev.evaluate(30 * S, []);
    expect(ev.evaluate(60 * S, []).alerts.map((a) => a.state)).toEqual(["resolved"]);
    expect(ev.evaluate(90 * S, []).alerts).toEqual([]);
  });

  it("fires an anomaly rule when a metric departs from its pattern, per series", () => {
    const ev = new AlertEvaluator(
      rules(
        "      - { alert: CpuOdd, metric: aidc_node_cpu_utilization_ratio, anomaly: { detector: ewma, minScore: 0.9 }, severity: info }",
        "1m",
      ),
    );
    const cpu = (node: string, value: number): Sample => ({ metric: "aidc_node_cpu_utilization_ratio", labels: { node }, value });
    let fired: string[] = [];
    for (let i = 0; i < 600; i++) {
      const jitter = ((i * 7919) % 13) / 1000;
      const r = ev.evaluate(i * 60 * S, [cpu("n1", 0.4 + jitter), cpu("n2", i >= 500 ? 0.99 : 0.4 + jitter)]);
      fired = fired.concat(kinds(r.notifications));
    }
    expect(fired[0]).toBe("firing:n2");
    expect(fired.filter((f) => f.endsWith("n1"))).toEqual([]);
  });

  it("evaluates expressions over several metrics", () => {
    const ev = new AlertEvaluator(
      rules("      - { alert: FsFull, expr: used_bytes / size_bytes, threshold: { op: '>=', value: 0.9 }, severity: warning }"),
    );
    const r = ev.evaluate(0, [
      { metric: "used_bytes", labels: { node: "a" }, value: 95 },
      { metric: "size_bytes", labels: { node: "a" }, value: 100 },
      { metric: "used_bytes", labels: { node: "b" }, value: 5 },
      { metric: "size_bytes", labels: { node: "b" }, value: 100 },
    ]);
    expect(r.alerts.map((a) => [a.labels["node"], a.value])).toEqual([["a", 0.95]]);
  });
});

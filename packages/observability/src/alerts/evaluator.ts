import { DETECTORS } from "../anomaly/registry.js";
import type { Detector } from "../anomaly/types.js";
import { parseDurationS } from "./duration.js";
import { evalExpr, labelKey, parseExpr, type Expr, type Labels, type Sample } from "./expr.js";
import type { AlertRule, AlertRules, Comparison, Severity } from "./schema.js";
import { silenceApplies, type Silence } from "./silences.js";

export type AlertState = "pending" | "firing" | "resolved";

export interface Acknowledgement {
  readonly by: string;
  readonly atMs: number;
  readonly comment?: string;
}

export interface Alert {
  readonly fingerprint: string;
  readonly group: string;
  readonly alertname: string;
  readonly severity: Severity;
  /** Series labels + the rule's labels + alertname + severity. */
  readonly labels: Labels;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: AlertState;
  /** The value (or anomaly score) at the last evaluation. */
  readonly value: number;
  readonly activeAtMs: number;
  readonly firedAtMs?: number;
  readonly resolvedAtMs?: number;
  readonly silencedBy: readonly string[];
  readonly acknowledged?: Acknowledgement;
}

export type NotificationKind = "firing" | "resolved" | "repeat";
export interface Notification {
  readonly kind: NotificationKind;
  readonly atMs: number;
  readonly alert: Alert;
}

export interface EvaluatorOptions {
  /** Re-notify a firing alert that nobody acknowledged after this long. */
  readonly repeatIntervalS?: number;
  /** How long a resolved alert stays listed. */
  readonly resolvedRetentionS?: number;
  /**
   * Evaluate every group at every call, whatever its interval (replays: each recorded sample counts,
   * also one off the group's grid). Live evaluation keeps the interval (default false).
   */
  readonly everyCall?: boolean;
}

interface Compiled {
  readonly group: string;
  readonly intervalMs: number;
  readonly forMs: number;
  readonly rule: AlertRule;
  readonly expr: Expr;
}

interface Tracked {
  alert: Alert;
  notifiedFiring: boolean;
  lastNotifiedMs: number;
}

function compare(op: Comparison, a: number, b: number): boolean {
  switch (op) {
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
  }
}

/** Fill `{{ $labels.x }}` and `{{ $value }}` (the Prometheus template forms, so rules export verbatim). */
export function renderTemplate(text: string, labels: Labels, value: number): string {
  return text
    .replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, k: string) => labels[k] ?? "")
    .replace(/\{\{\s*\$value\s*\}\}/g, String(Number(value.toPrecision(6))));
}

/**
 * Evaluates alert rules against samples: pending → firing (after `for`) → resolved, with silences
 * (mute notifications) and acknowledgements (stop repeats). Deterministic and free of I/O: time and
 * samples are passed in; notifications are returned for a dispatcher to deliver.
 */
export class AlertEvaluator {
  private readonly compiled: Compiled[];
  private readonly tracked = new Map<string, Tracked>();
  private readonly detectors = new Map<string, Detector>();
  private readonly lastGroupEvalMs = new Map<string, number>();
  private silenceList: Silence[] = [];
  private readonly repeatMs: number;
  private readonly retentionMs: number;
  private readonly everyCall: boolean;

  constructor(rules: AlertRules, opts: EvaluatorOptions = {}) {
    this.repeatMs = (opts.repeatIntervalS ?? 4 * 3600) * 1000;
    this.retentionMs = (opts.resolvedRetentionS ?? 900) * 1000;
    this.everyCall = opts.everyCall === true;
    this.compiled = rules.groups.flatMap((g) =>
      g.rules.map((rule) => {
        const parsed = parseExpr(rule.expr ?? rule.metric ?? "");
        if (parsed.expr === undefined)
          throw new Error(`rule ${rule.alert}: ${parsed.error ?? "bad expression"} (validate rules with parseAlertRules first)`);
        return {
          group: g.name,
          intervalMs: (parseDurationS(g.interval) ?? 60) * 1000,
          forMs: (parseDurationS(rule.for) ?? 0) * 1000,
          rule,
          expr: parsed.expr,
        };
      }),
    );
  }

  addSilence(s: Silence): void {
    this.silenceList = [...this.silenceList.filter((x) => x.id !== s.id), s];
  }
  removeSilence(id: string): boolean {
    const before = this.silenceList.length;
    this.silenceList = this.silenceList.filter((x) => x.id !== id);
    return this.silenceList.length < before;
  }
  silences(): readonly Silence[] {
    return this.silenceList;
  }

  /** Acknowledge a pending or firing alert: no repeat notifications until it resolves. */
  acknowledge(fingerprint: string, ack: Acknowledgement): boolean {
    const t = this.tracked.get(fingerprint);
    if (t === undefined || t.alert.state === "resolved") return false;
    t.alert = { ...t.alert, acknowledged: ack };
    return true;
  }

  alerts(): Alert[] {
    return [...this.tracked.values()]
      .map((t) => t.alert)
      .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  }

  private valuesFor(c: Compiled, samples: readonly Sample[], nowMs: number): { labels: Labels; value: number; active: boolean }[] {
    const series = evalExpr(c.expr, samples);
    if (c.rule.threshold !== undefined) {
      const th = c.rule.threshold;
      return series.map((s) => ({ ...s, active: Number.isFinite(s.value) && compare(th.op, s.value, th.value) }));
    }
    const an = c.rule.anomaly ?? { detector: "ensemble" as const, minScore: 0.5 };
    return series.map((s) => {
      const key = `${c.group}/${c.rule.alert}/${labelKey(s.labels)}`;
      let det = this.detectors.get(key);
      if (det === undefined) {
        det = DETECTORS[an.detector]({ probationRows: 100 });
        this.detectors.set(key, det);
      }
      const score = Number.isFinite(s.value) ? det.update(nowMs, s.value) : 0;
      return { labels: s.labels, value: score, active: score >= an.minScore };
    });
  }

  /** Evaluate every group that is due at `nowMs` against the current samples. */
  evaluate(nowMs: number, samples: readonly Sample[]): { alerts: Alert[]; notifications: Notification[] } {
    const notes: Notification[] = [];
    const seen = new Set<string>();
    const due = new Set<string>();
    for (const c of this.compiled) {
      const last = this.lastGroupEvalMs.get(c.group);
      if (this.everyCall || last === undefined || nowMs - last >= c.intervalMs || due.has(c.group)) due.add(c.group);
    }
    for (const g of due) this.lastGroupEvalMs.set(g, nowMs);
    for (const c of this.compiled) {
      if (!due.has(c.group)) {
        for (const [fp, t] of this.tracked) if (t.alert.group === c.group && t.alert.alertname === c.rule.alert) seen.add(fp);
        continue;
      }
      for (const s of this.valuesFor(c, samples, nowMs)) {
        const fp = `${c.group}/${c.rule.alert}{${labelKey(s.labels)}}`;
        if (!s.active) continue;
        seen.add(fp);
        const labels: Labels = { ...s.labels, ...c.rule.labels, alertname: c.rule.alert, severity: c.rule.severity };
        const annotations = Object.fromEntries(Object.entries(c.rule.annotations).map(([k, v]) => [k, renderTemplate(v, labels, s.value)]));
        const prev = this.tracked.get(fp);
        const fresh = prev === undefined || prev.alert.state === "resolved";
        const activeAtMs = fresh ? nowMs : prev.alert.activeAtMs;
        const firing = nowMs - activeAtMs >= c.forMs;
        const base: Alert = {
          fingerprint: fp,
          group: c.group,
          alertname: c.rule.alert,
          severity: c.rule.severity,
          labels,
          annotations,
          state: firing ? "firing" : "pending",
          value: s.value,
          activeAtMs,
          silencedBy: [],
          ...(firing ? { firedAtMs: !fresh && prev.alert.firedAtMs !== undefined ? prev.alert.firedAtMs : nowMs } : {}),
          ...(!fresh && prev.alert.acknowledged ? { acknowledged: prev.alert.acknowledged } : {}),
        };
        const t: Tracked = fresh ? { alert: base, notifiedFiring: false, lastNotifiedMs: -Infinity } : { ...prev, alert: base };
        this.tracked.set(fp, t);
      }
    }
    for (const [fp, t] of this.tracked) {
      const silencedBy = this.silenceList.filter((s) => silenceApplies(s, t.alert.labels, nowMs)).map((s) => s.id);
      t.alert = { ...t.alert, silencedBy };
      if (!seen.has(fp) && t.alert.state !== "resolved") {
        const wasFiring = t.alert.state === "firing";
        if (!wasFiring) {
          this.tracked.delete(fp); // a pending alert that clears never fired: forget it silently
          continue;
        }
        const { acknowledged: _ack, ...rest } = t.alert;
        t.alert = { ...rest, state: "resolved", resolvedAtMs: nowMs };
        if (t.notifiedFiring) notes.push({ kind: "resolved", atMs: nowMs, alert: t.alert });
        continue;
      }
      if (t.alert.state === "resolved") {
        if (nowMs - (t.alert.resolvedAtMs ?? nowMs) >= this.retentionMs) this.tracked.delete(fp);
        continue;
      }
      if (t.alert.state !== "firing" || silencedBy.length > 0) continue;
      if (!t.notifiedFiring) {
        notes.push({ kind: "firing", atMs: nowMs, alert: t.alert });
        t.notifiedFiring = true;
        t.lastNotifiedMs = nowMs;
      } else if (t.alert.acknowledged === undefined && nowMs - t.lastNotifiedMs >= this.repeatMs) {
        notes.push({ kind: "repeat", atMs: nowMs, alert: t.alert });
        t.lastNotifiedMs = nowMs;
      }
    }
    return { alerts: this.alerts(), notifications: notes };
  }
}

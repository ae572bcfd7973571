import {
  ANOMALY_SCORE_METRIC,
  DETECTORS,
  evalExpr,
  labelKey,
  parseDurationS,
  parseExpr,
  type AlertRules,
  type Detector,
  type Expr,
  type Sample,
  type TimedSample,
} from "@aidc/observability";

interface Watched {
  readonly group: string;
  readonly intervalMs: number;
  readonly alertname: string;
  readonly detector: keyof typeof DETECTORS;
  readonly expr: Expr;
}

/**
 * Scores the series of every anomaly rule, so that `aidc_anomaly_score{alertname, detector, …}` can be
 * published and Prometheus can alert on it (the exported rules do). It runs the same detector on the same
 * samples at the same instants as the alert evaluator (once per group interval), so both see the same score.
 */
export class AnomalyScores {
  private readonly watched: Watched[];
  private readonly detectors = new Map<string, Detector>();
  private readonly lastMs = new Map<string, number>();

  constructor(rules: AlertRules) {
    this.watched = rules.groups.flatMap((g) =>
      g.rules.flatMap((r) => {
        if (r.anomaly === undefined) return [];
        const parsed = parseExpr(r.expr ?? r.metric ?? "");
        if (parsed.expr === undefined) return [];
        return [
          {
            group: g.name,
            intervalMs: (parseDurationS(g.interval) ?? 60) * 1000,
            alertname: r.alert,
            detector: r.anomaly.detector,
            expr: parsed.expr,
          },
        ];
      }),
    );
  }

  /** Scores for the groups due at `nowMs` (empty otherwise). */
  score(nowMs: number, samples: readonly Sample[]): TimedSample[] {
    const due = new Set<string>();
    for (const w of this.watched) {
      const last = this.lastMs.get(w.group);
      if (last === undefined || nowMs - last >= w.intervalMs || due.has(w.group)) due.add(w.group);
    }
    for (const g of due) this.lastMs.set(g, nowMs);
    const out: TimedSample[] = [];
    for (const w of this.watched) {
      if (!due.has(w.group)) continue;
      for (const s of evalExpr(w.expr, samples)) {
        if (!Number.isFinite(s.value)) continue;
        const key = `${w.group}/${w.alertname}/${labelKey(s.labels)}`;
        let det = this.detectors.get(key);
        if (det === undefined) this.detectors.set(key, (det = DETECTORS[w.detector]({ probationRows: 100 })));
        const score = det.update(nowMs, s.value);
        out.push({
          metric: ANOMALY_SCORE_METRIC,
          labels: { ...s.labels, alertname: w.alertname, detector: w.detector },
          value: score,
          timeMs: nowMs,
        });
      }
    }
    return out;
  }
}

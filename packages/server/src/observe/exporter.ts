import { Counter, Gauge, type Registry } from "prom-client";
import { AGENT_METRICS, ANOMALY_SCORE_METRIC, canonicalLabels, type MetricInfo, type TimedSample } from "@aidc/observability";

/** Series the server computes itself (not from an agent), with their Prometheus shape. */
export const SERVER_SERIES = {
  aidc_jobs: { help: "Jobs in the store, by state", type: "gauge", labels: ["state"] },
  aidc_queue_pending_jobs: { help: "Pending jobs, by queue", type: "gauge", labels: ["queue"] },
  aidc_cluster_gpus_used: { help: "GPUs assumed by running or admitted jobs (cordoned nodes count as used)", type: "gauge", labels: [] },
  aidc_cluster_gpus_capacity: { help: "GPUs in the cluster", type: "gauge", labels: [] },
  aidc_nodes_cordoned: { help: "Nodes taken out of scheduling", type: "gauge", labels: [] },
  [ANOMALY_SCORE_METRIC]: {
    help: "Anomaly score (0-1) of the series an anomaly alert rule watches",
    type: "gauge",
    labels: ["alertname", "detector"],
  },
  aidc_alerts: { help: "Alerts by state and severity", type: "gauge", labels: ["state", "severity"] },
} as const satisfies Record<string, MetricInfo>;

const KNOWN: Record<string, MetricInfo> = { ...AGENT_METRICS, ...SERVER_SERIES };

/** Whether the samples fit the catalogue: a known name and exactly its labels (pushed samples are checked with this). */
export function sampleIssue(s: { metric: string; labels: Record<string, string> }): string | undefined {
  const info = KNOWN[s.metric];
  if (info === undefined || s.metric in SERVER_SERIES) return `unknown metric ${s.metric} (see AGENT_METRICS)`;
  const want = [...info.labels].sort().join(",");
  const got = Object.keys(s.labels).sort().join(",");
  return want === got ? undefined : `${s.metric} needs labels {${want}}, got {${got}}`;
}

/** Labels of a scored series that aidc_anomaly_score keeps (others are dropped). */
const ANOMALY_SERIES_LABELS = ["node", "gpu", "cpu", "device", "mountpoint", "fstype", "job", "run", "state", "queue"];

function pick(labels: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (labels[n] !== undefined) out[n] = labels[n];
  return out;
}

interface Latest {
  readonly labels: Record<string, string>;
  value: number;
  timeMs: number;
}

/**
 * Exports the latest value of every stored series at /metrics: one prom-client Gauge or Counter per
 * metric name, filled at scrape time from the latest samples. Series not refreshed for `staleMs`
 * (a finished job, a node that stopped pushing) disappear. Anomaly scores carry the watched series' labels too.
 */
export class SeriesExporter {
  private readonly latest = new Map<string, Map<string, Latest>>();

  constructor(
    registry: Registry,
    private readonly now: () => number,
    private readonly staleMs = 300_000,
  ) {
    const current = (metric: string): Latest[] => this.current(metric);
    for (const [name, info] of Object.entries(KNOWN)) {
      // anomaly scores also carry the labels of the series they score (node, gpu, …)
      const labelNames = name === ANOMALY_SCORE_METRIC ? [...info.labels, ...ANOMALY_SERIES_LABELS] : [...info.labels];
      if (info.type === "counter") {
        new Counter({
          name,
          help: info.help,
          labelNames,
          registers: [registry],
          collect() {
            this.reset();
            for (const l of current(name)) this.inc(pick(l.labels, labelNames), l.value);
          },
        });
      } else {
        new Gauge({
          name,
          help: info.help,
          labelNames,
          registers: [registry],
          collect() {
            this.reset();
            for (const l of current(name)) this.set(pick(l.labels, labelNames), l.value);
          },
        });
      }
    }
  }

  /** Remember the newest value of each series (older samples than the one held are ignored). */
  update(samples: readonly TimedSample[]): void {
    for (const s of samples) {
      if (!(s.metric in KNOWN)) continue;
      let byLabels = this.latest.get(s.metric);
      if (byLabels === undefined) this.latest.set(s.metric, (byLabels = new Map()));
      const key = canonicalLabels(s.labels);
      const cur = byLabels.get(key);
      if (cur === undefined) byLabels.set(key, { labels: { ...s.labels }, value: s.value, timeMs: s.timeMs });
      else if (s.timeMs >= cur.timeMs) {
        cur.value = s.value;
        cur.timeMs = s.timeMs;
      }
    }
  }

  /** Fresh series of one metric; stale ones are dropped. */
  current(metric: string): Latest[] {
    const byLabels = this.latest.get(metric);
    if (byLabels === undefined) return [];
    const cutoff = this.now() - this.staleMs;
    for (const [k, l] of byLabels) if (l.timeMs < cutoff) byLabels.delete(k);
    // counters may not go negative in prom-client
    return [...byLabels.values()].filter((l) => KNOWN[metric]?.type !== "counter" || l.value >= 0);
  }

  /** Every fresh sample, as the alert evaluator's input. */
  samples(): { metric: string; labels: Record<string, string>; value: number }[] {
    return [...this.latest.keys()].flatMap((metric) => this.current(metric).map((l) => ({ metric, labels: l.labels, value: l.value })));
  }
}

import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import type { Registry } from "prom-client";
import type { ClusterModel } from "@aidc/core";
import {
  AlertEvaluator,
  NodeAgent,
  SeriesStore,
  dispatch,
  eventLogSink,
  webhookSink,
  type Alert,
  type AlertRules,
  type Notification,
  type NotificationSink,
  type RetentionPolicy,
  type SeriesPoints,
  type Silence,
  type TimedSample,
} from "@aidc/observability";
import type { Store } from "../store/port.js";
import { AnomalyScores } from "./anomaly-scores.js";
import { SeriesExporter } from "./exporter.js";
import { DRAIN_MARK, nodeState } from "../node-state.js";

export interface ObserveOptions {
  /** SQLite file of the time series (`<data-dir>/metrics.db`), or ":memory:". */
  readonly dbPath: string;
  /** Seconds between agent samples (alert rules are evaluated after each). */
  readonly intervalS: number;
  readonly rules: AlertRules;
  /** The local executor's runs directory, for per-job usage. */
  readonly runsDir?: string;
  /** URLs that receive Alertmanager-style webhook notifications. */
  readonly webhooks?: readonly string[];
  readonly retention?: RetentionPolicy;
  /** The `node` label of this host's samples. */
  readonly node?: string;
  /** Replace the host agent (tests); undefined = a NodeAgent on this host. */
  readonly agent?: NodeAgent;
}

export interface ObserveDeps {
  readonly store: Pick<Store, "jobs" | "events" | "nodes">;
  readonly cluster: ClusterModel;
  readonly registry: Registry;
  readonly now: () => number;
  readonly freeGpus: () => ReadonlyMap<string, number>;
  readonly drain: (node: string) => Promise<string[]>;
  readonly warn: (msg: string) => void;
  /** False on a replica that does not lead: it evaluates alerts but only the leader fires them (events, webhooks, node actions). */
  readonly firing?: () => boolean;
}

/** An alert as the API shows it: a short stable id for ack URLs. */
export type ApiAlert = Alert & { readonly id: string };

/** Rule labels that make a firing alert act on its `node`: take it out of scheduling, or also requeue its jobs. */
export const NODE_ACTIONS = ["cordon", "drain"] as const;
const CORDON_PREFIX = "alert ";

export function alertId(fingerprint: string): string {
  return createHash("sha256").update(fingerprint).digest("hex").slice(0, 16);
}

/**
 * The server's observe loop: every `intervalS` the node agent samples this host; samples (and those
 * pushed by remote agents) go to the SeriesStore, to /metrics and to the alert evaluator; alert
 * transitions go to the event log and webhooks; rules labelled `action: cordon|drain` cordon the alert's node.
 */
export class ObserveService {
  readonly series: SeriesStore;
  readonly exporter: SeriesExporter;
  readonly evaluator: AlertEvaluator;
  readonly agent: NodeAgent;
  private readonly db: Database.Database;
  private readonly scores: AnomalyScores;
  private readonly sinks: NotificationSink[];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private lastRetentionMs = -Infinity;
  private stopped = false;
  private lastAgentErrors = "";
  private first: NodeJS.Timeout | undefined;
  /** Cost of the agent's last sample, in ms (reported in /api/v1/metrics/status). */
  lastSampleMs = 0;
  samplesStored = 0;

  constructor(
    private readonly deps: ObserveDeps,
    private readonly o: ObserveOptions,
  ) {
    this.db = new Database(o.dbPath);
    if (o.dbPath !== ":memory:") {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
    }
    this.series = new SeriesStore(this.db, o.retention);
    this.exporter = new SeriesExporter(deps.registry, deps.now, Math.max(300_000, o.intervalS * 3000));
    this.evaluator = new AlertEvaluator(o.rules);
    this.scores = new AnomalyScores(o.rules);
    this.agent =
      o.agent ??
      new NodeAgent({ ...(o.node !== undefined ? { node: o.node } : {}), ...(o.runsDir !== undefined ? { runsDir: o.runsDir } : {}) });
    const eventLog = eventLogSink({
      record: (e) =>
        void deps.store.events
          .insert(e.atMs, e.type, e.subject, { severity: e.severity, message: e.message, labels: e.labels })
          .catch((err: unknown) => deps.warn(`cannot record ${e.type}: ${err instanceof Error ? err.message : String(err)}`)),
    });
    this.sinks = [eventLog, ...(o.webhooks ?? []).map((url) => webhookSink(url))];
  }

  start(): void {
    // prime the agent (CPU utilisation needs a previous reading), so that the first stored sample and the
    // first rule evaluation (anomaly groups may run only every minute) already see every series
    void this.agent.sample().catch(() => undefined);
    this.first = setTimeout(() => void this.tick(), Math.min(1000, this.o.intervalS * 1000));
    this.first.unref();
    this.timer = setInterval(() => void this.tick(), this.o.intervalS * 1000);
    this.timer.unref();
  }

  /** One agent sample + cluster series, then ingestion (store, /metrics, alerts). Overlapping ticks are skipped. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.ticking ??= (async () => {
      try {
        const s = await this.agent.sample();
        this.lastSampleMs = s.durationMs;
        // say it once, not every tick (a host without a readable file keeps failing the same way)
        const errors = s.errors.join("; ");
        if (errors !== this.lastAgentErrors && errors !== "") this.deps.warn(`agent: ${errors}`);
        this.lastAgentErrors = errors;
        await this.ingest([...s.samples, ...(await this.clusterSamples(s.timeMs))]);
      } catch (e) {
        this.deps.warn(`observe tick failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /** Jobs by state, pending jobs by queue, GPUs used, cordoned nodes: from the store and the scheduler's view. */
  async clusterSamples(timeMs: number): Promise<TimedSample[]> {
    const out: TimedSample[] = [];
    const { jobs, nodes } = this.deps.store;
    const [byState, pending, cordons] = await Promise.all([jobs.countsByState(), jobs.pendingByQueue(), nodes.cordons()]);
    for (const state of ["pending", "admitted", "running", "succeeded", "failed", "cancelled", "preempted"])
      out.push({ metric: "aidc_jobs", labels: { state }, value: byState.get(state) ?? 0, timeMs });
    const queues = new Set([...pending.keys(), ...this.deps.cluster.queues.map((q) => q.name)]);
    for (const queue of queues) out.push({ metric: "aidc_queue_pending_jobs", labels: { queue }, value: pending.get(queue) ?? 0, timeMs });
    const free = this.deps.freeGpus();
    const total = this.deps.cluster.totals.gpus;
    const used = this.deps.cluster.nodes.reduce((a, n) => a + (n.gpus - Math.min(n.gpus, free.get(n.name) ?? n.gpus)), 0);
    out.push({ metric: "aidc_cluster_gpus_capacity", labels: {}, value: total, timeMs });
    out.push({ metric: "aidc_cluster_gpus_used", labels: {}, value: used, timeMs });
    out.push({ metric: "aidc_nodes_cordoned", labels: {}, value: cordons.size, timeMs });
    return out;
  }

  /** Store samples, publish them, score anomaly rules and evaluate alerts at the current time. */
  async ingest(samples: readonly TimedSample[]): Promise<{ stored: number; notifications: number }> {
    const now = this.deps.now();
    const stored = this.series.append(samples);
    this.samplesStored += stored;
    this.exporter.update(samples);
    const scores = this.scores.score(now, this.exporter.samples());
    if (scores.length > 0) {
      this.series.append(scores);
      this.exporter.update(scores);
    }
    const { alerts, notifications } = this.evaluator.evaluate(now, this.exporter.samples());
    const counts = new Map<string, number>();
    for (const a of alerts) counts.set(`${a.state}/${a.severity}`, (counts.get(`${a.state}/${a.severity}`) ?? 0) + 1);
    const alertSamples: TimedSample[] = [];
    for (const state of ["pending", "firing"])
      for (const severity of ["info", "warning", "critical"])
        alertSamples.push({
          metric: "aidc_alerts",
          labels: { state, severity },
          value: counts.get(`${state}/${severity}`) ?? 0,
          timeMs: now,
        });
    this.exporter.update(alertSamples);
    await this.notify(notifications);
    if (now - this.lastRetentionMs >= 3_600_000) {
      this.series.applyRetention(now);
      this.lastRetentionMs = now;
    }
    return { stored, notifications: notifications.length };
  }

  private async notify(notifications: readonly Notification[]): Promise<void> {
    if (notifications.length === 0 || this.deps.firing?.() === false) return;
    for (const n of notifications) await this.act(n);
    for (const f of await dispatch(notifications, this.sinks)) this.deps.warn(`alert notification to ${f.sink} failed: ${f.error}`);
  }

  /** Node actions of rules labelled `action: cordon|drain`, for nodes of this cluster. */
  private async act(n: Notification): Promise<void> {
    const action = n.alert.labels["action"];
    const node = n.alert.labels["node"];
    if (node === undefined || (action !== "cordon" && action !== "drain")) return;
    if (!this.deps.cluster.nodes.some((x) => x.name === node)) return;
    const cordons = await this.deps.store.nodes.cordons();
    const now = this.deps.now();
    if (n.kind === "firing") {
      if (cordons.has(node)) return;
      const reason = `${CORDON_PREFIX}${n.alert.alertname}: ${n.alert.annotations["summary"] ?? "node unhealthy"}`;
      await this.deps.store.nodes.setCordon(node, action === "drain" ? `${DRAIN_MARK}${reason}` : reason, now);
      if (action === "drain") {
        const requeued = await this.deps.drain(node);
        await this.deps.store.events.insert(now, "node.drained", `node/${node}`, { alert: n.alert.alertname, requeued });
      }
    } else if (n.kind === "resolved") {
      // uncordon only what an alert cordoned, and only when no other acting alert still fires on the node
      if (!nodeState(cordons.get(node), 0).reason?.startsWith(CORDON_PREFIX)) return;
      const still = this.evaluator
        .alerts()
        .some(
          (a) => a.state === "firing" && a.labels["node"] === node && (a.labels["action"] === "cordon" || a.labels["action"] === "drain"),
        );
      if (!still) await this.deps.store.nodes.setCordon(node, undefined, now);
    }
  }

  alerts(): ApiAlert[] {
    return this.evaluator.alerts().map((a) => ({ ...a, id: alertId(a.fingerprint) }));
  }

  async acknowledge(id: string, by: string, comment?: string): Promise<ApiAlert | undefined> {
    const a = this.evaluator.alerts().find((x) => alertId(x.fingerprint) === id);
    if (a === undefined) return undefined;
    const ok = this.evaluator.acknowledge(a.fingerprint, { by, atMs: this.deps.now(), ...(comment !== undefined ? { comment } : {}) });
    if (!ok) return undefined;
    await this.deps.store.events.insert(this.deps.now(), "alert.acknowledged", `alert/${a.alertname}`, {
      id,
      by,
      ...(comment ? { comment } : {}),
    });
    return this.alerts().find((x) => x.id === id);
  }

  async addSilence(s: Silence): Promise<void> {
    this.evaluator.addSilence(s);
    await this.deps.store.events.insert(this.deps.now(), "silence.created", `silence/${s.id}`, {
      matchers: s.matchers,
      by: s.createdBy,
      endsAtMs: s.endsAtMs,
    });
  }

  async removeSilence(id: string, by: string): Promise<boolean> {
    const ok = this.evaluator.removeSilence(id);
    if (ok) await this.deps.store.events.insert(this.deps.now(), "silence.expired", `silence/${id}`, { by });
    return ok;
  }

  query(metric: string, fromMs: number, toMs: number, matchers: Record<string, string>): { resolutionMs: number; series: SeriesPoints[] } {
    return this.series.query({ metric, fromMs, toMs, matchers }, this.deps.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.first);
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    try {
      this.series.flush();
    } finally {
      this.db.close();
    }
  }
}

import { monitorEventLoopDelay } from "node:perf_hooks";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { AIDC_VERSION, type ClusterModel } from "@aidc/core";

/** Prometheus metrics of one server: process metrics plus stable aidc_* series with units in the names. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route">;
  private readonly clusterNodes: Gauge<"cluster">;
  private readonly clusterGpus: Gauge<"cluster" | "accelerator">;
  private readonly isolation: Gauge<"level">;
  private readonly passSeconds: Histogram;
  private readonly passPending: Gauge;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "aidc_" });
    // gauges named *_total break Prometheus naming (promtool check metrics); the per-type series stay
    for (const name of ["active_handles_total", "active_requests_total", "active_resources_total"])
      this.registry.removeSingleMetric(`aidc_nodejs_${name}`);
    new Gauge({
      name: "aidc_build_info",
      help: "Build information; always 1",
      labelNames: ["version", "node"],
      registers: [this.registry],
    }).set({ version: AIDC_VERSION, node: process.versions.node }, 1);
    this.httpRequests = new Counter({
      name: "aidc_http_requests_total",
      help: "HTTP requests answered, by route and status",
      labelNames: ["method", "route", "status"],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: "aidc_http_request_duration_seconds",
      help: "HTTP request latency",
      labelNames: ["method", "route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    // how long the event loop was blocked lately (max and p99 since the last scrape): a request that
    // freezes the server shows here first
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    new Gauge({
      name: "aidc_event_loop_lag_seconds",
      // not "quantile": Prometheus reserves that label for summaries, and promtool refuses it on a gauge
      help: "Event-loop delay since the previous scrape (stat: max or p99)",
      labelNames: ["stat"],
      registers: [this.registry],
      collect() {
        this.set({ stat: "max" }, lag.max / 1e9);
        this.set({ stat: "p99" }, lag.percentile(99) / 1e9);
        lag.reset();
      },
    });
    this.passSeconds = new Histogram({
      name: "aidc_scheduling_pass_seconds",
      help: "Time of one scheduling pass (reconcile with the executor, then decide and act)",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.passPending = new Gauge({
      name: "aidc_scheduling_last_pass_pending_jobs",
      help: "Pending jobs the last scheduling pass looked at",
      registers: [this.registry],
    });
    this.isolation = new Gauge({
      name: "aidc_executor_isolation_info",
      help: "How local jobs are isolated (bwrap+uid, uid or none); always 1",
      labelNames: ["level"],
      registers: [this.registry],
    });
    this.clusterNodes = new Gauge({
      name: "aidc_cluster_nodes",
      help: "Nodes in the cluster",
      labelNames: ["cluster"],
      registers: [this.registry],
    });
    this.clusterGpus = new Gauge({
      name: "aidc_cluster_gpus",
      help: "Accelerators in the cluster, by type",
      labelNames: ["cluster", "accelerator"],
      registers: [this.registry],
    });
  }

  /** One scheduling pass took `seconds` and looked at `pendingJobs` pending jobs. */
  schedulingPass(seconds: number, pendingJobs: number): void {
    this.passSeconds.observe(seconds);
    this.passPending.set(pendingJobs);
  }

  setIsolation(level: string): void {
    this.isolation.reset();
    this.isolation.set({ level }, 1);
  }

  setCluster(model: ClusterModel): void {
    this.clusterNodes.set({ cluster: model.name }, model.totals.nodes);
    const byType = new Map<string, number>();
    for (const n of model.nodes) if (n.accelerator) byType.set(n.accelerator, (byType.get(n.accelerator) ?? 0) + n.gpus);
    for (const [accelerator, gpus] of byType) this.clusterGpus.set({ cluster: model.name, accelerator }, gpus);
  }
}

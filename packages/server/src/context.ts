import type { Catalog, ClusterModel, Executor } from "@aidc/core";
import type { ResolvedProfile } from "@aidc/scheduler";
import type { PendingReason } from "./loop/scheduling.js";
import type { TwinView } from "./twin/types.js";
import type { ObserveService } from "./observe/service.js";
import type { ServerMetrics } from "./metrics.js";
import type { BlobStore } from "./artifacts/blobs.js";
import type { Store } from "./store/port.js";
import type { ReplicaInfo } from "./leader/replica.js";
import type { FederatedService } from "./federated/service.js";

/** What route handlers may use; built once by the composition root (main.ts) or by tests. */
export interface ServerContext {
  /** Everything the server persists (jobs, events, tokens, nodes, leases, artifacts' metadata): SQLite or PostgreSQL. */
  readonly store: Store;
  /** `<data-dir>/models`: operator packages and the served names' unpacked packages. */
  readonly modelsDir: string;
  readonly blobs: BlobStore;
  readonly catalog: Catalog;
  readonly cluster: ClusterModel;
  readonly executor: Executor;
  /** Why a pending job waits, from the last scheduling pass. */
  readonly explain: (jobId: string) => PendingReason | undefined;
  /** Whole free GPUs per node name, as the scheduler assumes them. */
  readonly freeGpus: () => ReadonlyMap<string, number>;
  /** Requeue the running jobs of a (cordoned) node; returns their ids. */
  readonly drain: (node: string) => Promise<string[]>;
  readonly metrics: ServerMetrics;
  /** Node agent, time series and alerts (absent when the server runs without them). */
  readonly observe?: ObserveService;
  readonly now: () => number;
  /** Name of the scheduling policy the loop runs (recommendations compare it with others); default backfill-easy. */
  readonly policy?: string;
  readonly shuttingDown: () => boolean;
  /** Called after a submission or cancellation so the scheduling loop can run a pass soon. */
  readonly onJobsChanged: () => void;
  /** What the scheduling loop saw at its last pass (the digital twin forks it); absent: no forecasts. */
  readonly twinView?: () => TwinView | undefined;
  /** The profile the loop schedules with (forecasts and what-ifs replay it); default: `policy` with the queues' quotas. */
  readonly profile?: ResolvedProfile;
  /** This server among replicas sharing the store (absent in tests that build a context by hand: a lone leader). */
  readonly replica?: ReplicaInfo;
  /** The federated coordinator (absent when jobs cannot run workloads here, e.g. tests that build a context by hand). */
  readonly federated?: FederatedService;
}

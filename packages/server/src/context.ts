import type { Catalog, ClusterModel } from "@aidc/core";
import type { ServerMetrics } from "./metrics.js";
import type { SqliteStore } from "./store/sqlite.js";

/** What route handlers may use; built once by the composition root (main.ts) or by tests. */
export interface ServerContext {
  readonly store: SqliteStore;
  readonly catalog: Catalog;
  readonly cluster: ClusterModel | undefined;
  readonly metrics: ServerMetrics;
  readonly now: () => number;
  readonly shuttingDown: () => boolean;
}

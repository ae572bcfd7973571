export { buildApp, type AppOptions } from "./app.js";
export type { ServerContext } from "./context.js";
export { ServerMetrics } from "./metrics.js";
export { EXECUTORS, startServer, loadClusterFile, localCluster, type ServeOptions, type RunningServer } from "./main.js";
export { SqliteStore, type StoredEvent } from "./store/sqlite.js";
export { MIGRATIONS, type Migration } from "./store/migrations.js";
export { historyTrace } from "./routes/simulations.js";
export { policyReplays } from "./routes/recommendations.js";

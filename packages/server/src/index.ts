export { buildApp, type AppOptions } from "./app.js";
export type { ServerContext } from "./context.js";
export { ServerMetrics } from "./metrics.js";
export { prepareTls, checkTlsOptions, type ServeTlsOptions, type TlsView, type PreparedTls } from "./tls/setup.js";
export { loadServerTls, type ServerTls, type TlsFiles } from "./tls/certificates.js";
export { selfSignedFiles } from "./tls/self-signed.js";
export { EXECUTORS, startServer, loadClusterFile, localCluster, type ServeOptions, type RunningServer } from "./main.js";
export { SqliteStore, type StoredEvent } from "./store/sqlite.js";
export { MIGRATIONS, type Migration } from "./store/migrations.js";
export { openStore, parseStoreUrl, defaultStoreUrl, type OpenStoreOptions } from "./store/open.js";
export { copyStore, type CopyReport, type CopyOptions, type TableReport } from "./store/transfer/copy.js";
export { backupStore, BACKUP_FORMATS, type BackupFormat, type BackupReport } from "./store/transfer/backup.js";
export { rotateDataKeys, keyStatus, type RotationReport } from "./keys/rotate.js";
export {
  loadMasterKey,
  masterKeyId,
  Keyring,
  BlobKeyError,
  wrapDataKey,
  unwrapDataKey,
  type MasterKey,
} from "./artifacts/crypto/master.js";
export { BlobStore } from "./artifacts/blobs.js";
export { findPii, luhnValid, maskPii, redactLine, PII_KINDS, type PiiKind, type PiiMatch } from "./governance/pii.js";
export { scanText, type PiiReport } from "./governance/pii-scan.js";
export { verifyAuditLog } from "./governance/audit.js";
export { historyTrace } from "./routes/simulations.js";
export { policyReplays } from "./routes/recommendations.js";

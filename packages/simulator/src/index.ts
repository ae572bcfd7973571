export * from "./types.js";
export { EventHeap, type SimEvent } from "./engine/heap.js";
export { seededRng } from "./engine/rng.js";
export { simulate, type SimOptions, type SimResult, type FailureModel } from "./engine/simulate.js";
export type { JobOutcome, SeriesPoint } from "./engine/recorder.js";
export { computeMetrics, quantile, type SimMetrics, type QueueMetrics } from "./report/metrics.js";
export { jobsCsv, seriesCsv, queuesCsv, humanSummary } from "./report/format.js";
export { readPhilly, parsePhillyTime, type PhillyOptions, type PhillyTrace } from "./traces/philly.js";
export {
  clusterPreset,
  partitionEntitlements,
  isPreset,
  PRESET_NAMES,
  HELIOS_PHILLY_VCS,
  PHILLY_MACHINES,
  type ClusterSetup,
  type PresetName,
} from "./clusters/presets.js";
export { clusterFromModel, queueQuotas } from "./clusters/from-model.js";
export * from "./pack/index.js";
export * from "./traces/index.js";
export * from "./scenario/index.js";
export * from "./predict/index.js";
export * from "./forecast/index.js";

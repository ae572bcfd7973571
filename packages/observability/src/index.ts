export type { Detector, DetectorContext, DetectorFactory } from "./anomaly/types.js";
export { DETECTORS, DETECTOR_NAMES, DEFAULT_DETECTOR, isDetectorName, type DetectorName } from "./anomaly/registry.js";
export { staticThreshold, windowedGaussian } from "./anomaly/detectors/baselines.js";
export { EwmaDetector, RobustZDetector, ewma, robustZ } from "./anomaly/detectors/ewma.js";
export { SeasonalDetector, seasonal } from "./anomaly/detectors/seasonal.js";
export { CusumDetector, cusum } from "./anomaly/detectors/changepoint.js";
export { EnsembleDetector, ensemble, DEFAULT_ENSEMBLE, type EnsembleOptions } from "./anomaly/detectors/ensemble.js";
export { Likelihood } from "./anomaly/detectors/likelihood.js";
export * from "./anomaly/nab/scoring.js";
export * from "./anomaly/nab/corpus.js";
export * from "./anomaly/nab/evaluate.js";
export { loadNabFolder } from "./anomaly/nab/load.js";
export { FROZEN_THRESHOLDS } from "./anomaly/thresholds.js";
export { parseDurationS, formatDuration } from "./alerts/duration.js";
export { parseExpr, evalExpr, labelKey, type Expr, type Labels, type Sample } from "./alerts/expr.js";
export {
  AlertRules,
  AlertGroup,
  AlertRule,
  SEVERITIES,
  COMPARISONS,
  alertRulesJsonSchema,
  type Severity,
  type Comparison,
} from "./alerts/schema.js";
export { parseAlertRules, checkAlertRules } from "./alerts/parse.js";
export { silenceApplies, matches, type Silence, type Matcher } from "./alerts/silences.js";
export {
  AlertEvaluator,
  renderTemplate,
  type Alert,
  type AlertState,
  type Acknowledgement,
  type Notification,
  type NotificationKind,
  type EvaluatorOptions,
} from "./alerts/evaluator.js";
export { toPrometheusRules, toPrometheusRulesYaml, ANOMALY_SCORE_METRIC } from "./alerts/prometheus.js";
export {
  webhookSink,
  eventLogSink,
  dispatch,
  toEvent,
  webhookBody,
  type NotificationSink,
  type EventSink,
  type AlertEvent,
  type Fetch,
} from "./alerts/notify.js";
export {
  SeriesStore,
  canonicalLabels,
  DEFAULT_RETENTION,
  RESOLUTIONS_MS,
  type SqlDatabase,
  type SqlStatement,
  type TimedSample,
  type RetentionPolicy,
  type SeriesPoints,
  type RangeQuery,
} from "./metrics/series-store.js";
export { NodeAgent, defaultNodeName, type NodeAgentOptions, type AgentSample } from "./agent/agent.js";
export { AGENT_METRICS, type AgentMetricName, type MetricInfo } from "./agent/catalog.js";
export { sampleLines, parseSampleLines } from "./agent/sample-lines.js";
export { parseNvidiaSmiCsv, queryNvidiaSmi, NVIDIA_SMI_ARGS, type GpuReading } from "./agent/gpu.js";
export * from "./agent/procfs.js";
export * from "./recommend/index.js";

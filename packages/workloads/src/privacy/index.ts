export {
  DEFAULT_ORDERS,
  RdpAccountant,
  epsilonFromRdp,
  noiseForEpsilon,
  rdpEpsilon,
  sampledGaussianRdp,
  type NoiseForEpsilonInput,
  type RdpConversion,
  type RdpEpsilon,
  type RdpEpsilonInput,
} from "./rdp.js";
export {
  DpBudget,
  planDp,
  poissonSample,
  secureNoise,
  seededNoise,
  type DpOptions,
  type DpPlan,
  type NoiseSource,
  type PrivacyRecord,
} from "./dpsgd.js";
export {
  DP_LINEAR_DEFAULTS,
  DP_LINEAR_DP_DEFAULTS,
  FAST_DP_NOTES,
  addClippedGradients,
  trainFastDp,
  type DpEpochReport,
  type DpLinearHyper,
  type DpLinearResult,
} from "./dp-linear.js";

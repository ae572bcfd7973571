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

/**
 * Every efficiency factor and overlap the models use, by name. Defaults are calibrated once against
 * published measurements (`aidc plan check` on planner-validation.yaml) and are the same for every
 * estimate; a scenario may override any of them under `assumptions:`.
 */
export interface Assumptions {
  /** best fraction of dense peak a large GEMM reaches (cuBLAS on big square-ish shapes) */
  readonly gemmEfficiencyMax: number;
  /**
   * GEMM inner size (tokens or hidden/TP, whichever is smaller) at which efficiency falls to half of the max, per unit
   * of machine balance (peak FLOP/s over HBM bytes/s): x_half = this x balance. Faster chips need bigger GEMMs.
   */
  readonly gemmHalfSizePerBalance: number;
  /** achievable fraction of the FP8/FP4 peak relative to the BF16 one (scaling overheads, BF16 attention/norms) */
  readonly lowPrecisionGemmRatio: number;
  /** fraction of 16-bit peak reached by attention score math (QK^T, softmax, AV) */
  readonly attentionEfficiency: number;
  /** HBM traffic of element-wise kernels per byte of stored activations (Korthikanti), forward pass */
  readonly elementwiseTrafficRatio: number;
  /** achievable fraction of HBM bandwidth */
  readonly memoryBandwidthEfficiency: number;
  /** achievable fraction of the scale-up link (NVLink/ICI) bandwidth in collectives */
  readonly scaleUpEfficiency: number;
  /** achievable fraction of the scale-out NIC bandwidth in collectives */
  readonly scaleOutEfficiency: number;
  /** fixed cost of one collective call, seconds */
  readonly collectiveLatencyS: number;
  /** share of model-parallel communication (TP collectives, CP ring, pipeline sends) hidden behind compute */
  readonly tpOverlap: number;
  /** share of data-parallel gradient reduction hidden behind the backward pass */
  readonly dpOverlap: number;
  /** share of ZeRO-3/FSDP parameter gathers hidden behind compute */
  readonly zeroOverlap: number;
  /** share of expert-parallel all-to-all hidden behind compute */
  readonly epOverlap: number;
  /** optimizer step and fixed per-step overheads (data loading, logging), seconds */
  readonly stepOverheadS: number;
  /** launch and synchronization cost per layer and micro-batch (forward + backward kernels), seconds */
  readonly layerLaunchOverheadS: number;
  /** fraction of wall-clock time a long run spends making progress (restarts, checkpoints, evaluation, failed runs) */
  readonly runGoodput: number;
  /** facility power / IT power */
  readonly pue: number;
  /** average accelerator power as a fraction of TDP during training (host, NIC and switch power included) */
  readonly powerFractionOfTdp: number;
  /** grid carbon intensity, kg CO2e per kWh */
  readonly gridKgCo2PerKwh: number;
  /** price of one accelerator-hour, USD */
  readonly usdPerGpuHour: number;
  /** inference: achievable fraction of peak in prefill */
  readonly prefillEfficiency: number;
  /** inference: achievable fraction of HBM bandwidth when decoding */
  readonly decodeBandwidthEfficiency: number;
  /** inference: per-layer fixed latency of a decode step (kernel launches, small GEMMs), seconds */
  readonly decodeLayerOverheadS: number;
  /** inference: share of free memory given to the KV cache */
  readonly kvCacheMemoryFraction: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  gemmEfficiencyMax: 0.78,
  gemmHalfSizePerBalance: 0.4,
  lowPrecisionGemmRatio: 0.8,
  attentionEfficiency: 0.55,
  elementwiseTrafficRatio: 2,
  memoryBandwidthEfficiency: 0.8,
  scaleUpEfficiency: 0.75,
  scaleOutEfficiency: 0.8,
  collectiveLatencyS: 20e-6,
  tpOverlap: 0.4,
  dpOverlap: 0.95,
  zeroOverlap: 0.5,
  epOverlap: 0.9,
  stepOverheadS: 0.05,
  layerLaunchOverheadS: 150e-6,
  runGoodput: 0.8,
  pue: 1.1,
  powerFractionOfTdp: 1,
  gridKgCo2PerKwh: 0.385,
  usdPerGpuHour: 2,
  prefillEfficiency: 0.68,
  decodeBandwidthEfficiency: 0.84,
  decodeLayerOverheadS: 10e-6,
  kvCacheMemoryFraction: 0.86,
};

/** One line per factor for reports: name, value and what it means. */
export const ASSUMPTION_DOCS: Readonly<Record<keyof Assumptions, string>> = {
  gemmEfficiencyMax: "best fraction of dense peak a large GEMM reaches",
  gemmHalfSizePerBalance: "GEMM size (min of tokens, hidden/TP) where efficiency halves, per FLOP/byte of machine balance",
  lowPrecisionGemmRatio: "achievable FP8/FP4 GEMM rate relative to the BF16 efficiency",
  attentionEfficiency: "fraction of 16-bit peak for attention score math",
  elementwiseTrafficRatio: "element-wise HBM traffic per stored activation byte (forward)",
  memoryBandwidthEfficiency: "achievable fraction of HBM bandwidth",
  scaleUpEfficiency: "achievable fraction of scale-up link bandwidth in collectives",
  scaleOutEfficiency: "achievable fraction of NIC bandwidth in collectives",
  collectiveLatencyS: "fixed latency of one collective, s",
  tpOverlap: "share of model-parallel (TP/CP/PP) communication hidden behind compute",
  dpOverlap: "share of data-parallel gradient reduction hidden behind backward",
  zeroOverlap: "share of ZeRO-3/FSDP parameter gathers hidden behind compute",
  epOverlap: "share of expert all-to-all hidden behind compute",
  stepOverheadS: "fixed per-step overhead (data loading, logging), s",
  layerLaunchOverheadS: "kernel launch/sync cost per layer and micro-batch (fwd+bwd), s",
  runGoodput: "fraction of wall time a long run makes progress",
  pue: "power usage effectiveness (facility / IT power)",
  powerFractionOfTdp: "average power per accelerator as a fraction of TDP",
  gridKgCo2PerKwh: "grid carbon intensity, kg CO2e/kWh",
  usdPerGpuHour: "price of one accelerator-hour, USD",
  prefillEfficiency: "fraction of peak reached in prefill",
  decodeBandwidthEfficiency: "fraction of HBM bandwidth reached when decoding",
  decodeLayerOverheadS: "fixed per-layer latency of one decode step, s",
  kvCacheMemoryFraction: "share of free memory given to the KV cache",
};

export function withAssumptions(overrides: Partial<Assumptions> | undefined): Assumptions {
  return overrides ? { ...DEFAULT_ASSUMPTIONS, ...overrides } : DEFAULT_ASSUMPTIONS;
}

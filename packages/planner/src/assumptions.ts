/**
 * Every efficiency factor and overlap the models use, by name. Each has a physical meaning, a default taken
 * from a cited measurement and a plausible range (ASSUMPTION_META); `aidc plan check --cv` fits a chosen subset
 * within those ranges and reports fitted and leave-one-source-out errors. Defaults are the same for every
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
  /** fraction of 16-bit peak reached by attention score math (QK^T, softmax, AV) */
  readonly attentionEfficiency: number;
  /** HBM bytes element-wise kernels move per byte of the minimal count (each tensor read and written once) */
  readonly elementwiseTrafficRatio: number;
  /** achievable fraction of HBM bandwidth */
  readonly memoryBandwidthEfficiency: number;
  /** achievable fraction of the scale-up link (NVLink/ICI) bandwidth in collectives */
  readonly scaleUpEfficiency: number;
  /** achievable fraction of the scale-out NIC bandwidth in collectives */
  readonly scaleOutEfficiency: number;
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
  /** inference: achievable fraction of HBM bandwidth when decoding */
  readonly decodeBandwidthEfficiency: number;
  /**
   * inference: per-layer fixed latency of a forward step beyond its GEMMs, attention and collectives, s: ~10
   * kernels per layer (norms, rotary, activation, residual, sampling share) of ~2–3 µs minimum duration each plus
   * ~1 µs launch gap inside a CUDA graph (NVIDIA "Getting Started with CUDA Graphs", Gray 2019: ~3.4 µs per short
   * kernel in a graph). Range 10–60 µs.
   */
  readonly decodeLayerOverheadS: number;
  /** inference: share of free memory given to the KV cache */
  readonly kvCacheMemoryFraction: number;
  /**
   * inference: time of one small-message (few KB) all-reduce over the scale-up link, s. One-shot kernels (every
   * rank reads its peers' buffers over NVSwitch, one hop) take ~5–10 µs on 8×H100; NCCL's LL protocol ~10–20 µs
   * (nccl-tests all_reduce_perf, 8 B–64 KB, DGX H100); TensorRT-LLM's MultiShot all-reduce blog (NVIDIA, Nov 2024)
   * reports ~3× lower latency than ring for these sizes. Range 3–25 µs.
   */
  readonly scaleUpSmallAllReduceS: number;
  /** inference: same over the scale-out NIC (InfiniBand/RoCE, NCCL LL across nodes: ~20–40 µs), s. Range 10–80 µs. */
  readonly scaleOutSmallAllReduceS: number;
  /**
   * inference: fixed per-request cost in the time to first token (tokenisation, scheduling and input preparation,
   * sampling/detokenising the first token, host-device copies), s. vLLM's v0.6 performance blog (Sep 2024) measured
   * CPU-side scheduling/preparation comparable to a GPU decode step (a few ms) on H100. Range 0.5–20 ms.
   */
  readonly ttftOverheadS: number;
  /**
   * inference: fraction of HBM bandwidth the decode attention kernel reaches reading the (paged) KV cache.
   * FlashInfer (Ye et al., MLSys 2025) and FlashDecoding report ~70–90 % of peak bandwidth for long contexts on
   * A100/H100; shorter contexts and small page sizes are lower. Range 0.5–0.9.
   */
  readonly decodeAttentionBandwidthEfficiency: number;
  /**
   * inference: tokens per decode step (GEMM M dimension per rank) at which a GEMM's compute efficiency is half its
   * large-M value. Tensor-core tiles are M = 64 (Hopper wgmma) to 128 rows (CUTLASS/cuBLAS CTA tiles); a smaller M
   * pads the tile, so efficiency ≈ M / (M + 64). Range 16–256.
   */
  readonly decodeGemmHalfBatch: number;
  /**
   * device memory held outside the framework's tensors, GB: CUDA context (~0.3-0.5 GB on Hopper with lazy module
   * loading, CUDA programming guide), cuBLAS/cuDNN workspaces and the NCCL communicators' buffers (NCCL_BUFFSIZE
   * 4 MiB per channel and peer, NCCL docs, over the TP/PP/DP/CP/EP communicators). Range 1-6 GB.
   */
  readonly memoryReserveGB: number;
  /**
   * share of device memory the caching allocator cannot hand out (reserved but unallocated blocks split by varying
   * tensor sizes). GMLake (Guo et al., ASPLOS 2024) and STWeaver (arXiv 2507.16274) measure 10-43 % with recompute and
   * virtual pipelines on the default allocator; PyTorch's expandable segments bring it to a few %. Range 0-0.3.
   */
  readonly memoryFragmentation: number;
  /**
   * achievable fraction of the host link's bandwidth for pinned-memory copies (offload traffic): PCIe Gen4 x16 copies
   * reach ~25 of 31.5 GB/s and Gen5 ~50-55 of 63 GB/s (nvbandwidth / bandwidthTest, pinned host buffers); NVLink-C2C
   * ~375-450 of 450 GB/s per direction (NVIDIA Grace Hopper benchmarking guide). Range 0.6-0.95.
   */
  readonly hostLinkEfficiency: number;
  /**
   * training: tokens on the busiest expert relative to the mean (MoE load imbalance): scales the expert GEMMs and the
   * all-to-all of the busiest rank. Switch Transformer (Fedus et al. 2022, §2.2) trains with capacity factors 1.0-1.25;
   * DeepSeek-V3 (§2.1.2) keeps the load near uniform with auxiliary-loss-free balancing; Megatron-Core MoE with
   * aux-loss balancing reports ~1.1-1.3 max/mean. Range 1-1.5.
   */
  readonly moeLoadImbalance: number;
  /**
   * training: fraction by which a GEMM slows while a collective runs beside it (the communication kernels hold SMs
   * and HBM bandwidth): TP collectives under TP overlap, and the hidden part of data-parallel reduce-scatters and
   * ZeRO gathers (NCCL runs its channels as CTAs on the same SMs). Transformer Engine's userbuffer overlap gives 2-16
   * of 132 H100 SMs to communication (TE `tp_comm_overlap` configs); Wang et al. (ASPLOS 2023, collective matmul
   * decomposition) measure a few % to ~15 % compute slowdown. The name is kept for scenario files. Range 0-0.25.
   */
  readonly tpOverlapSlowdown: number;
  /**
   * training: sustained GEMM throughput inside a training step relative to the microbenchmark maxima of gemm.ts's
   * per-generation table (which are short loops at boost clock): a full-chip load at TDP lowers the clock (A100 400 W
   * sustains ~1.2-1.4 of 1.41 GHz; H100 700 W ~1.6-1.75 of 1.98 GHz: NVIDIA data-center GPU manager power/clock
   * telemetry), and the framework's shapes and layouts are not the best-tuned ones. Default 0.85: the middle of those
   * clock ratios (0.81-0.92). Range 0.75-1.05.
   */
  readonly gemmEfficiencyScale: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  gemmEfficiencyMax: 0.78,
  gemmHalfSizePerBalance: 0.4,
  attentionEfficiency: 0.55,
  elementwiseTrafficRatio: 1.5,
  memoryBandwidthEfficiency: 0.8,
  scaleUpEfficiency: 0.75,
  scaleOutEfficiency: 0.8,
  epOverlap: 0.9,
  stepOverheadS: 0.05,
  layerLaunchOverheadS: 150e-6,
  runGoodput: 0.8,
  pue: 1.1,
  powerFractionOfTdp: 1,
  gridKgCo2PerKwh: 0.385,
  usdPerGpuHour: 2,
  decodeBandwidthEfficiency: 0.84,
  decodeLayerOverheadS: 25e-6,
  kvCacheMemoryFraction: 0.9,
  scaleUpSmallAllReduceS: 7e-6,
  scaleOutSmallAllReduceS: 25e-6,
  ttftOverheadS: 3e-3,
  decodeAttentionBandwidthEfficiency: 0.75,
  decodeGemmHalfBatch: 64,
  memoryReserveGB: 2,
  memoryFragmentation: 0.04,
  hostLinkEfficiency: 0.8,
  moeLoadImbalance: 1.15,
  tpOverlapSlowdown: 0.1,
  gemmEfficiencyScale: 0.85,
};

/**
 * What one factor means, the range a fit may move it in, and where its default comes from. A factor's default is
 * a cited measurement (microbenchmark, paper table, vendor figure); the range is what the cited measurements span
 * across accelerators and software stacks, so a value fitted inside it stays physically plausible.
 */
export interface FactorMeta {
  /** physical meaning, one line */
  readonly meaning: string;
  /** plausible [low, high]; calibration never leaves it */
  readonly range: readonly [number, number];
  /** where the default comes from (author/paper/table or vendor document) */
  readonly source: string;
}

/** Per-factor metadata; every factor of Assumptions must have an entry (the type enforces it). */
export const ASSUMPTION_META: Readonly<Record<keyof Assumptions, FactorMeta>> = {
  gemmEfficiencyMax: {
    meaning: "best fraction of dense peak a large GEMM reaches",
    range: [0.6, 0.9],
    source:
      "max achievable matmul FLOP/s of large BF16 GEMMs (Bekman, ML Engineering, mamf-finder table): A100 SXM ~87 %, H100 SXM ~75-80 %, MI300X ~60 % of the dense peak",
  },
  gemmHalfSizePerBalance: {
    meaning: "GEMM arithmetic intensity (FLOP/byte from its M, N, K) where efficiency halves, in units of machine balance",
    range: [0, 1.6],
    source:
      "roofline (Williams et al., CACM 2009): a 16-bit GEMM of inner size k has arithmetic intensity ~k/2 FLOP/byte, so it turns compute-bound near k ~ machine balance; 0.4 places the half-efficiency point below that knee",
  },
  attentionEfficiency: {
    meaning: "fraction of 16-bit peak for attention score math",
    range: [0.25, 0.75],
    source:
      "FlashAttention-2 (Dao 2023, Fig. 4-6): fwd+bwd 50-73 % of A100 peak; FlashAttention-3 (Shah et al. 2024): up to 75 % of H100 BF16 peak forward, FA2 ~35 % on H100",
  },
  elementwiseTrafficRatio: {
    meaning: "HBM bytes element-wise kernels move per byte of the minimal count (norms, residuals, rotary, activation read+write once)",
    range: [1, 3],
    source:
      "fused kernels (Megatron fused layernorm / bias-SwiGLU / bias-dropout-add, Korthikanti et al. 2022 Sec. 5) come close to one read and one write per tensor; unfused PyTorch ops re-read inputs (~2x)",
  },
  memoryBandwidthEfficiency: {
    meaning: "achievable fraction of HBM bandwidth",
    range: [0.6, 0.95],
    source:
      "STREAM-like copy kernels: ~1.7 of 2.0 TB/s on A100-80GB, ~2.9-3.0 of 3.35 TB/s on H100 SXM (Jia et al. / Citadel microbenchmarks; NVIDIA bandwidthTest)",
  },
  scaleUpEfficiency: {
    meaning: "achievable fraction of scale-up link bandwidth in collectives",
    range: [0.5, 0.9],
    source:
      "nccl-tests all_reduce_perf bus bandwidth: ~230 of 300 GB/s per direction on DGX A100, ~360-370 of 450 on DGX H100 (NVIDIA NCCL performance notes)",
  },
  scaleOutEfficiency: {
    meaning: "achievable fraction of NIC bandwidth in collectives",
    range: [0.5, 0.95],
    source:
      "nccl-tests across nodes on HDR/NDR InfiniBand: busbw ~80-90 % of line rate per NIC for large messages (NVIDIA NCCL tests, DGX SuperPOD reference architecture)",
  },

  epOverlap: {
    meaning: "share of expert all-to-all hidden behind compute",
    range: [0, 1],
    source:
      "DeepSeek-V3 report Sec. 3.2.1 (DualPipe hides nearly all all-to-all); without batch-level overlap it is exposed (Megatron MoE default)",
  },
  stepOverheadS: {
    meaning: "fixed per-step overhead (data loading, logging), s",
    // the range is the cited span: the optimizer step itself is modelled apart (training.ts optimizerS)
    range: [0.01, 0.1],
    source:
      "Megatron-LM timers: data loader + logging + optimizer launch ~10-100 ms per iteration (Narayanan et al. SC'21 Sec. 5 end-to-end numbers)",
  },
  layerLaunchOverheadS: {
    meaning: "kernel launch/sync cost per layer and micro-batch (fwd+bwd), s",
    range: [0, 4e-4],
    source: "~5 us per CUDA kernel launch (NVIDIA CUDA best practices) x ~30 kernels per transformer layer forward+backward",
  },
  runGoodput: {
    meaning: "fraction of wall time a long run makes progress",
    range: [0.5, 1],
    source:
      "Llama 3 paper Sec. 3.3.4: >90 % effective training time over 54 days, with 466 interruptions; earlier runs (OPT-175B logbook) much lower",
  },
  pue: {
    meaning: "power usage effectiveness (facility / IT power)",
    range: [1.05, 1.6],
    source:
      "Touvron et al. 2023 (LLaMA) Sec. 6 use PUE 1.1; Google fleet-wide trailing PUE 1.10 (2023 environmental report); Uptime Institute survey average ~1.55",
  },
  powerFractionOfTdp: {
    meaning: "average power per accelerator as a fraction of TDP",
    range: [0.6, 1.1],
    source:
      "LLaMA / Llama 2 carbon tables count the full TDP (400 W A100, 700 W H100); measured training draw is 70-100 % of TDP (Patterson et al. 2021)",
  },
  gridKgCo2PerKwh: {
    meaning: "grid carbon intensity, kg CO2e/kWh",
    range: [0, 1],
    source: "US national average 0.385 kg CO2e/kWh as used by Touvron et al. 2023 Sec. 6 (after Wu et al. 2022)",
  },
  usdPerGpuHour: {
    meaning: "price of one accelerator-hour, USD",
    range: [1, 10],
    source: "DeepSeek-V3 report Table 1 prices an H800-hour at $2",
  },
  decodeBandwidthEfficiency: {
    meaning: "fraction of HBM bandwidth reached when decoding",
    range: [0.5, 0.95],
    source:
      "weight-streaming GEMV at batch 1 reaches 80-90 % of HBM bandwidth (FasterTransformer measurements, kipply 'Transformer Inference Arithmetic')",
  },
  decodeLayerOverheadS: {
    meaning: "fixed per-layer latency of a forward step beyond its GEMMs, attention and collectives, s",
    range: [1e-5, 6e-5],
    source:
      "~10 non-GEMM kernels per layer (norms, rotary, activation, residual) of ~2-3 us minimum duration plus ~1 us launch gap each in a CUDA graph (Gray, NVIDIA 'Getting Started with CUDA Graphs' 2019: ~3.4 us per short kernel)",
  },
  kvCacheMemoryFraction: {
    meaning: "share of free memory given to the KV cache",
    range: [0.6, 0.95],
    source: "TensorRT-LLM kv_cache_free_gpu_mem_fraction default 0.9; vLLM gpu_memory_utilization default 0.9",
  },
  scaleUpSmallAllReduceS: {
    meaning: "one small-message all-reduce on the scale-up link (one-shot kernel), s",
    range: [3e-6, 25e-6],
    source:
      "nccl-tests all_reduce_perf 8 B-64 KB on DGX H100 (LL protocol ~10-20 us); TensorRT-LLM MultiShot all-reduce blog (NVIDIA, Nov 2024): one-shot ~5-10 us",
  },
  scaleOutSmallAllReduceS: {
    meaning: "one small-message all-reduce across the scale-out NIC, s",
    range: [10e-6, 80e-6],
    source: "NCCL LL protocol across InfiniBand/RoCE nodes: ~20-40 us (nccl-tests)",
  },
  ttftOverheadS: {
    meaning: "fixed per-request cost in time to first token (tokenise, schedule, sample), s",
    range: [0.5e-3, 20e-3],
    source:
      "vLLM v0.6.0 performance blog (Sep 2024): for Llama 3 8B on one H100 the HTTP API server took 33 % and scheduling/input preparation 29 % of execution time, i.e. CPU work per request of the order of a few GPU steps (ms)",
  },
  decodeAttentionBandwidthEfficiency: {
    meaning: "fraction of HBM bandwidth the decode attention kernel reaches on the KV cache",
    range: [0.5, 0.9],
    source: "FlashInfer (Ye et al., MLSys 2025) and FlashDecoding: ~70-90 % of peak bandwidth for long contexts on A100/H100",
  },
  decodeGemmHalfBatch: {
    meaning: "decode GEMM M (tokens per step) where compute efficiency halves",
    range: [16, 256],
    source:
      "tensor-core tiles are M = 64 (Hopper wgmma) to 128 rows (CUTLASS/cuBLAS CTA tiles): a smaller M pads the tile, efficiency ~ M / (M + 64)",
  },
  memoryReserveGB: {
    meaning: "device memory outside the framework's tensors (CUDA context, library workspaces, NCCL buffers), GB",
    range: [1, 6],
    source:
      "CUDA context ~0.3-0.5 GB on Hopper with lazy loading (CUDA C programming guide, Lazy Loading); NCCL_BUFFSIZE 4 MiB per channel and peer per communicator (NCCL environment docs); cuBLAS workspace",
  },
  memoryFragmentation: {
    meaning: "share of device memory lost to caching-allocator fragmentation",
    range: [0, 0.3],
    source:
      "GMLake (Guo et al., ASPLOS 2024) and STWeaver (arXiv 2507.16274): 10-43 % waste with recompute/virtual pipelines on the default PyTorch allocator; a few % with expandable segments",
  },
  moeLoadImbalance: {
    meaning: "tokens on the busiest expert / mean tokens per expert (MoE load imbalance)",
    range: [1, 1.5],
    source:
      "Switch Transformer (Fedus et al. 2022, Sec. 2.2) capacity factors 1.0-1.25; DeepSeek-V3 report Sec. 2.1.2 auxiliary-loss-free balancing keeps the load near uniform",
  },
  gemmEfficiencyScale: {
    meaning:
      "sustained in-training GEMM efficiency relative to the per-generation microbenchmark maximum (clocks under power cap, framework shapes)",
    range: [0.75, 1.05],
    source:
      "A100 400 W sustains ~1.2-1.4 of 1.41 GHz and H100 700 W ~1.6-1.75 of 1.98 GHz under full GEMM load (NVIDIA DCGM clock/power telemetry); mamf-finder maxima are measured at boost clock",
  },
  tpOverlapSlowdown: {
    meaning: "GEMM slowdown while an overlapped collective (TP, data-parallel or ZeRO) runs beside it (SMs/HBM taken by comm)",
    range: [0, 0.25],
    source:
      "Transformer Engine tp_comm_overlap gives 2-16 of 132 H100 SMs to communication kernels; Wang et al. (ASPLOS 2023, overlapping via decomposition) measure a few % to ~15 % compute slowdown",
  },
  hostLinkEfficiency: {
    meaning: "achievable fraction of the host link (PCIe / NVLink-C2C) bandwidth for pinned copies",
    range: [0.6, 0.95],
    source:
      "pinned-memory copy benchmarks (CUDA bandwidthTest / nvbandwidth): PCIe Gen4 x16 ~25 of 31.5 GB/s, Gen5 x16 ~50-55 of 63 GB/s; NVLink-C2C ~375-450 of 450 GB/s (Grace Hopper benchmarking guide)",
  },
};

/** One line per factor for reports: what it means (from ASSUMPTION_META). */
export const ASSUMPTION_DOCS: Readonly<Record<keyof Assumptions, string>> = Object.fromEntries(
  Object.entries(ASSUMPTION_META).map(([k, m]) => [k, m.meaning]),
) as Record<keyof Assumptions, string>;

export function withAssumptions(overrides: Partial<Assumptions> | undefined): Assumptions {
  return overrides ? { ...DEFAULT_ASSUMPTIONS, ...overrides } : DEFAULT_ASSUMPTIONS;
}

/** Starting points for the planner forms (copies of examples/scenarios/). */
export const PLAN_KINDS = {
  train: {
    label: "Training",
    kind: "TrainingScenario",
    example: `apiVersion: aidc/v1
kind: TrainingScenario
name: llama31-405b-16k
model: llama-3.1-405b
seqLen: 8192
precision: bf16
hardware:
  accelerator: h100-sxm5-80gb
  count: 16384
  system: dgx-h100
training:
  tokens: 15.6e+12
  globalBatchTokens: 16777216
parallelism: { tp: 8, pp: 16, vp: 4, microBatch: 1, recompute: full, sequenceParallel: true, zeroStage: 1 }
assumptions: { usdPerGpuHour: 2.5, gridKgCo2PerKwh: 0.385, pue: 1.1 }
`,
  },
  infer: {
    label: "Inference",
    kind: "InferenceScenario",
    example: `apiVersion: aidc/v1
kind: InferenceScenario
name: llama33-70b-chat
model: llama-3.3-70b
precision: fp8
hardware:
  accelerator: h100-sxm5-80gb
tp: [1, 2, 4, 8]
workload:
  inputTokens: 1024
  outputTokens: 256
  requestsPerS: 20
slo:
  ttftMs: 500
  itlMs: 40
`,
  },
  datacenter: {
    label: "Data center",
    kind: "DatacenterScenario",
    example: `apiVersion: aidc/v1
kind: DatacenterScenario
name: ai-factory-4k-h100
system: dgx-h100
demand:
  - { name: pretrain-405b, kind: training, gpus: 3072, model: llama-3.1-405b, datasetTB: 60 }
  - { name: finetune-70b, kind: training, gpus: 512, model: llama-3-70b, datasetTB: 5 }
  - { name: chat-serving, kind: inference, gpus: 512, model: llama-3.3-70b }
rack: { powerKw: 42, rackUnits: 42 }
network: { topology: rail-optimized, switch: quantum-2-qm9700, oversubscription: 1 }
storage: { checkpointWriteTargetS: 120, checkpointsKept: 5, hotFraction: 0.3 }
finance: { years: 4, utilization: 0.8 }
sites:
  - { name: quebec, usdPerKwh: 0.05, gridKgCo2PerKwh: 0.03, pue: 1.15, latencyMsToUsers: 35, tier: 3 }
  - { name: virginia, usdPerKwh: 0.08, gridKgCo2PerKwh: 0.35, pue: 1.25, latencyMsToUsers: 10, tier: 4 }
`,
  },
} as const;

export type PlanKind = keyof typeof PLAN_KINDS;

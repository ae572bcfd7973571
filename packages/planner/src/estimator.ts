import type { Catalog, DurationEstimate, Estimator, JobSpec, Placement } from "@aidc/core";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile } from "./hardware.js";
import { narrowSpace, searchParallelism } from "./search.js";
import { countShape, forwardFlopsPerSample, shapeFromModel } from "./shape.js";

/** Labels a job carries so the planner can predict its duration. */
export const ESTIMATE_LABELS = { model: "aidc.io/model", tokens: "aidc.io/tokens", samples: "aidc.io/samples" } as const;

/** Built-in workloads whose model and work are known (samples = dataset size x epochs). */
const WORKLOADS: Readonly<Record<string, { model: string; samplesPerEpoch: number; defaultEpochs: number }>> = {
  "sentiment-train": { model: "imdb-sentiment-lstm", samplesPerEpoch: 25_000, defaultEpochs: 3 },
};

/**
 * The planner as core's Estimator port: job labels (or a built-in workload) name the model and the amount of work,
 * the placement gives accelerators; the same performance model as `aidc plan train` predicts the run time.
 */
export class PlannerEstimator implements Estimator {
  constructor(private readonly catalog: Catalog) {}

  estimate(job: JobSpec, placement: Placement): DurationEstimate | undefined {
    const gpus = placement.tasks.reduce((n, t) => n + t.gpuIndices.length, 0);
    const gpuType = job.tasks.find((t) => t.resources.gpuType !== undefined)?.resources.gpuType;
    if (gpus === 0 || gpuType === undefined) return undefined;
    const acc = this.catalog.lookup(gpuType, "Accelerator");
    if (!acc.found) return undefined;
    const workload = "workload" in job.run ? WORKLOADS[job.run.workload] : undefined;
    const modelName = job.labels[ESTIMATE_LABELS.model] ?? workload?.model;
    if (modelName === undefined) return undefined;
    const model = this.catalog.lookup(modelName, "ModelArch");
    if (!model.found) return undefined;
    const hw = hardwareProfile(acc.item, this.catalog);
    const shape = shapeFromModel(model.item, "seqLen" in model.item ? Math.min(model.item.seqLen, 8192) : undefined);
    if (!shape) {
      const epochs =
        workload && "workload" in job.run && typeof job.run.args["epochs"] === "number"
          ? job.run.args["epochs"]
          : (workload?.defaultEpochs ?? 1);
      const samples = Number(job.labels[ESTIMATE_LABELS.samples] ?? (workload ? workload.samplesPerEpoch * epochs : NaN));
      if (!Number.isFinite(samples)) return undefined;
      // small recurrent/convolutional models reach a small fraction of peak: a quarter of fp32 peak at best
      const rate = (hw.peaks.fp32 ?? hw.peak16Tflops / 4) * 1e12 * 0.25 * DEFAULT_ASSUMPTIONS.gemmEfficiencyMax * gpus;
      const durationS = (3 * forwardFlopsPerSample(model.item) * samples) / rate + 30;
      return {
        durationS,
        basis: `planner: ${model.item.id}, ${samples} samples on ${gpus} x ${acc.item.id} (analytic FLOP count + 30 s start-up)`,
      };
    }
    const tokens = Number(job.labels[ESTIMATE_LABELS.tokens] ?? NaN);
    if (!Number.isFinite(tokens)) return undefined;
    const problem = {
      shape,
      counts: countShape(shape),
      hw,
      options: { precision: "bf16", finetune: "full", flashAttention: true, fp32Grads: true },
      assumptions: DEFAULT_ASSUMPTIONS,
    } as const;
    const globalBatch = Math.max(gpus, Math.round((4 * 1024 * 1024) / shape.seqLen / gpus) * gpus);
    // the server calls this per job: the narrow space (no overlap/offload/rank-order axes) keeps it cheap
    const best = searchParallelism(problem, { ...narrowSpace(problem, gpus, globalBatch), vp: [1] }, 1).top[0];
    if (!best) return undefined;
    const durationS = tokens / best.estimate.tokensPerS;
    const p = best.parallel;
    return {
      durationS,
      basis: `planner: ${model.item.id}, ${tokens} tokens on ${gpus} x ${acc.item.id}, tp${p.tp} pp${p.pp} dp${p.dp}, MFU ${(100 * best.estimate.mfu).toFixed(1)}%`,
    };
  }
}

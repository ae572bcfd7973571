import type { Catalog, ClusterModel, JobSpec } from "@aidc/core";
import { jobShape, partitionIndex, type SchedJob, type Topology } from "@aidc/scheduler";
import type { JobRecord } from "../store/jobs.js";
import type { LivePredictor } from "./predict.js";
import { wishOf } from "./snapshot.js";
import type { Hypothetical } from "./types.js";

/** The partition index a queue's jobs run in (the queue's, else the default partition), or -1 (any node). */
export function queuePartition(model: ClusterModel, topology: Topology, queue: string): number {
  const name = model.queues.find((q) => q.name === queue)?.partition ?? model.partitions.find((p) => p.default)?.name;
  return name === undefined ? -1 : partitionIndex(topology, name);
}

/**
 * A job that is not in the store (submit --test-only, a what-if's hypothetical job) as the scheduler
 * and the forecast see it, submitted at nowS, shaped on `topology` like a live job.
 */
export function hypothetical(
  spec: JobSpec,
  o: {
    id: string;
    user: string;
    nowS: number;
    seq: number;
    topology: Topology;
    model: ClusterModel;
    catalog: Catalog;
    predictor: LivePredictor;
  },
): Hypothetical {
  const partition = queuePartition(o.model, o.topology, spec.queue);
  const wish = wishOf(spec, o.catalog) ?? {};
  const tasks = spec.tasks.map((t) => ({
    replicas: t.replicas,
    gpus: t.resources.gpus,
    ...(t.resources.gpuMilli !== undefined ? { gpuMilli: t.resources.gpuMilli } : {}),
    ...(wish.gpuType !== undefined && t.resources.gpuType !== undefined ? { gpuType: wish.gpuType } : {}),
    cpus: t.resources.cpus,
    memoryGiB: t.resources.memoryGiB,
  }));
  const shape = jobShape(tasks, o.topology, partition, spec.nodeSelector);
  const estimateS = spec.runtimeEstimateS ?? spec.maxRuntimeS ?? 3600;
  const job: SchedJob = {
    id: o.id,
    ...shape,
    queue: spec.queue,
    partition,
    priority: spec.priority,
    submitS: o.nowS,
    estimateS,
    remainingS: estimateS,
    attainedGpuS: 0,
    seq: o.seq,
  };
  const record = { id: o.id, name: spec.name, user: o.user, queue: spec.queue, spec } as unknown as JobRecord;
  return { pending: { job, runtime: o.predictor.predict(record, job.gpus) }, wish, name: spec.name };
}

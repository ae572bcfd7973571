import { dirname, join } from "node:path";
import { Histogram, type Registry } from "prom-client";
import { ModelRegistry } from "@aidc/workloads";
import type { ServerContext } from "../context.js";

/** Largest request the model routes take: instances per request, characters per text. */
export const MAX_INSTANCES = 1024;
export const MAX_TEXT_CHARS = 100_000;

export interface Prediction {
  readonly label: "positive" | "negative";
  readonly score: number;
}

/** The served models, shared by the aidc predict routes and the Open Inference Protocol routes. */
export interface ModelServing {
  readonly registry: ModelRegistry;
  predict(name: string, texts: string[]): Promise<Prediction[]>;
  close(): Promise<void>;
}

function histogram(registry: Registry, name: string, help: string, buckets: number[]): Histogram<"model"> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<"model">;
  return new Histogram({ name, help, labelNames: ["model"], buckets, registers: [registry] });
}

/** Model packages under `<data-dir>/models/<name>/`, with latency and batch-size metrics. */
export function modelServing(ctx: ServerContext): ModelServing {
  const latency = histogram(
    ctx.metrics.registry,
    "aidc_model_request_duration_seconds",
    "Model prediction latency per request, queueing included",
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  );
  const batchSize = histogram(
    ctx.metrics.registry,
    "aidc_model_batch_size",
    "Instances per model batch (dynamic batching)",
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
  );
  const root = join(dirname(ctx.store.path), "models");
  const registry = new ModelRegistry(root, (model, size) => batchSize.observe({ model }, size));
  return {
    registry,
    predict: async (name, texts) => {
      const end = latency.startTimer({ model: name });
      try {
        return await registry.predict(name, texts);
      } finally {
        end();
      }
    },
    close: async () => registry.close(),
  };
}

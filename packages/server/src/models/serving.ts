import { Histogram, type Registry } from "prom-client";
import { AidcError, NotFoundError } from "@aidc/core";
import { ModelRegistry, type ServedModel } from "@aidc/workloads";
import { ServedModels, type ServedBinding } from "../artifacts/served.js";
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
  readonly registry: ServedRegistry;
  /** Which name serves which artifact version, and promotions. */
  readonly served: ServedModels;
  predict(name: string, texts: string[]): Promise<Prediction[]>;
  close(): Promise<void>;
}

function histogram(registry: Registry, name: string, help: string, buckets: number[]): Histogram<"model"> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<"model">;
  return new Histogram({ name, help, labelNames: ["model"], buckets, registers: [registry] });
}

/** How long a replaced model version stays loaded for requests that already hold it. */
const RETIRE_AFTER_MS = 30_000;

/**
 * Model names resolved through the served-model bindings: a promoted name loads the package of
 * its bound artifact version (a new promotion takes effect on the next request), any other name
 * an operator package under `<models>/<name>/`. Error messages never name folders of the data dir.
 */
export class ServedRegistry extends ModelRegistry {
  private readonly current = new Map<string, { artifactId: string; registry: ModelRegistry }>();
  private readonly retiring = new Set<ModelRegistry>();

  constructor(
    readonly served: ServedModels,
    private readonly batchObserver?: (model: string, size: number, ms: number) => void,
    /** Puts a bound version's package in place when this replica has not unpacked it yet (another one promoted it). */
    private readonly ensureInstalled?: (b: ServedBinding) => Promise<void>,
  ) {
    super(served.root, batchObserver);
  }

  /** Names as last seen by `names()`/`get()`; the registry's own listing is synchronous. */
  private known: string[] = [];

  override names(): string[] {
    return [...new Set([...this.served.folderNames(), ...this.known])].sort();
  }

  /** Every served name, read from the store. */
  async servedNames(): Promise<string[]> {
    const names = await this.served.names();
    this.known = names;
    return names;
  }

  override async get(name: string): Promise<ServedModel> {
    const b = await this.served.binding(name);
    if (b === undefined) return super.get(name).catch(async (err: unknown) => Promise.reject(await this.clean(err, name)));
    let cur = this.current.get(name);
    if (cur?.artifactId !== b.artifactId) {
      await this.ensureInstalled?.(b);
      cur = this.current.get(name); // another request may have switched meanwhile
    }
    if (cur?.artifactId !== b.artifactId) {
      const old = cur;
      cur = { artifactId: b.artifactId, registry: new ModelRegistry(this.served.installRoot(b), this.batchObserver) };
      this.current.set(name, cur);
      this.served.pruneInstalls(name, [b.artifactId, ...(old ? [old.artifactId] : [])]);
      if (old !== undefined) {
        this.retiring.add(old.registry);
        setTimeout(() => {
          this.retiring.delete(old.registry);
          void old.registry.close();
        }, RETIRE_AFTER_MS).unref();
      }
    }
    return cur.registry.get(name).catch(async (err: unknown) => Promise.reject(await this.clean(err, name)));
  }

  override async close(): Promise<void> {
    await super.close();
    for (const r of [...this.current.values()].map((c) => c.registry).concat([...this.retiring])) await r.close();
    this.current.clear();
    this.retiring.clear();
  }

  /** The same error without the folders of the data dir in its message. */
  private async clean(err: unknown, name: string): Promise<unknown> {
    if (err instanceof NotFoundError) {
      const names = await this.servedNames().catch(() => this.names());
      return new NotFoundError(`No model "${name}" (served: ${names.join(", ") || "none"})`);
    }
    if (!(err instanceof AidcError) || !err.message.includes(this.served.root)) return err;
    const message = err.message
      .replace(/Cannot load the model package \S+:/, `Cannot load model "${name}":`)
      .split(this.served.root)
      .join("<models>");
    return new AidcError(err.code, message, { cause: err });
  }
}

/** The served models of `<data-dir>/models/`, with latency and batch-size metrics. */
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
  const served = new ServedModels(ctx.store, ctx.modelsDir);
  const registry = new ServedRegistry(
    served,
    (model, size) => batchSize.observe({ model }, size),
    async (b) => {
      const a = await ctx.store.artifacts.get(b.artifactId);
      if (a !== undefined) await served.install(ctx.blobs, b.name, a);
    },
  );
  return {
    registry,
    served,
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

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { NotFoundError, InvalidInputError } from "@aidc/core";
import { labelOf, type SentimentModel } from "../model.js";
import { MANIFEST_FILE, type ModelManifest } from "../pkg/manifest.js";
import { loadModelPackage } from "../pkg/package.js";
import { DynamicBatcher, type BatcherOptions } from "./batcher.js";

export const SERVING_FILE = "serving.json";
export const DEFAULT_SERVING: BatcherOptions = { maxBatchSize: 64, maxQueueDelayMs: 2 };
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Latencies of the last `size` requests, for p50/p99 without unbounded memory. */
export class LatencyWindow {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;
  total = 0;
  constructor(size = 2048) {
    this.values = new Float64Array(size);
  }
  add(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.values.length;
    this.count = Math.min(this.count + 1, this.values.length);
    this.total++;
  }
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const sorted = this.values.slice(0, this.count).sort();
    return sorted[Math.min(this.count - 1, Math.floor(q * this.count))] ?? null;
  }
}

export interface ServedModel {
  readonly name: string;
  readonly manifest: ModelManifest;
  readonly model: SentimentModel;
  readonly serving: BatcherOptions;
  readonly batcher: DynamicBatcher<string, number>;
  readonly latency: LatencyWindow;
}

export interface Prediction {
  readonly label: "positive" | "negative";
  readonly score: number;
}

function readServing(dir: string): BatcherOptions {
  const path = join(dir, SERVING_FILE);
  if (!existsSync(path)) return DEFAULT_SERVING;
  const raw = JSON.parse(readFileSync(path, "utf8")) as Partial<BatcherOptions>;
  const maxBatchSize = Number(raw.maxBatchSize ?? DEFAULT_SERVING.maxBatchSize);
  const maxQueueDelayMs = Number(raw.maxQueueDelayMs ?? DEFAULT_SERVING.maxQueueDelayMs);
  if (!(maxBatchSize >= 1) || !(maxQueueDelayMs >= 0)) {
    throw new InvalidInputError(`Invalid ${path}`, [
      { code: "invalid_value", path: SERVING_FILE, message: "maxBatchSize must be ≥ 1 and maxQueueDelayMs ≥ 0" },
    ]);
  }
  return { maxBatchSize, maxQueueDelayMs };
}

/**
 * The models a server answers for: `<root>/<name>/` model packages, loaded (and verified) on first use and kept.
 * Each has a dynamic batcher (options from an optional `serving.json` beside the package) and latency figures.
 */
export class ModelRegistry {
  private readonly loaded = new Map<string, Promise<ServedModel>>();

  constructor(
    readonly root: string,
    private readonly onBatch?: (model: string, size: number, ms: number) => void,
  ) {}

  /** Names of the model packages under the root (whether or not loaded yet). */
  names(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && NAME.test(d.name) && existsSync(join(this.root, d.name, MANIFEST_FILE)))
      .map((d) => d.name)
      .sort();
  }

  get(name: string): Promise<ServedModel> {
    const cached = this.loaded.get(name);
    if (cached) return cached;
    const dir = join(this.root, name);
    if (!NAME.test(name) || !existsSync(join(dir, MANIFEST_FILE))) {
      return Promise.reject(
        new NotFoundError(`No model "${name}" (known: ${this.names().join(", ") || "none"}; packages live in ${this.root})`),
      );
    }
    const p = (async (): Promise<ServedModel> => {
      const { manifest, model } = await loadModelPackage(dir);
      const serving = readServing(dir);
      const batcher = new DynamicBatcher<string, number>(
        (texts) => model.predict(texts),
        serving,
        (size, ms) => this.onBatch?.(name, size, ms),
      );
      return { name, manifest, model, serving, batcher, latency: new LatencyWindow() };
    })();
    this.loaded.set(name, p);
    p.catch(() => this.loaded.delete(name)); // a broken package is retried (and refused again) on the next request
    return p;
  }

  async predict(name: string, texts: readonly string[]): Promise<Prediction[]> {
    const m = await this.get(name);
    const t0 = performance.now();
    const scores = await m.batcher.submit(texts);
    m.latency.add(performance.now() - t0);
    return scores.map((score) => ({ label: labelOf(score), score }));
  }

  async close(): Promise<void> {
    for (const p of this.loaded.values()) (await p.catch(() => undefined))?.model.dispose();
    this.loaded.clear();
  }
}

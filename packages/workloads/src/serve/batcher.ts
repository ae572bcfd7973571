export interface BatcherOptions {
  /** Largest number of items scored together. 1 disables batching. */
  readonly maxBatchSize: number;
  /** How long the first waiting item may wait for others before its batch runs anyway. */
  readonly maxQueueDelayMs: number;
}

export interface BatchStats {
  readonly batches: number;
  readonly items: number;
}

interface Pending<T, R> {
  readonly items: readonly T[];
  readonly results: R[];
  remaining: number;
  readonly resolve: (r: R[]) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Dynamic batching: items of concurrent requests are queued and scored together, in batches of at most
 * `maxBatchSize`, as soon as a batch is full or the oldest item has waited `maxQueueDelayMs`. One batch runs at a
 * time (the model uses the one core it has); a request larger than a batch is spread over several.
 */
export class DynamicBatcher<T, R> {
  private readonly queue: { owner: Pending<T, R>; index: number }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private batches = 0;
  private items = 0;

  constructor(
    private readonly run: (items: T[]) => Promise<ArrayLike<R>> | ArrayLike<R>,
    readonly options: BatcherOptions,
    private readonly onBatch?: (size: number, waitedMs: number) => void,
  ) {}

  stats(): BatchStats {
    return { batches: this.batches, items: this.items };
  }

  submit(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      const owner: Pending<T, R> = { items, results: new Array<R>(items.length), remaining: items.length, resolve, reject };
      items.forEach((_, index) => this.queue.push({ owner, index }));
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.options.maxBatchSize || this.options.maxQueueDelayMs <= 0) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else this.timer ??= setTimeout(() => ((this.timer = undefined), void this.flush()), this.options.maxQueueDelayMs);
  }

  private async flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const t0 = performance.now();
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    try {
      const out = await this.run(batch.map((b) => b.owner.items[b.index] as T));
      this.batches++;
      this.items += batch.length;
      this.onBatch?.(batch.length, performance.now() - t0);
      batch.forEach((b, i) => {
        b.owner.results[b.index] = out[i] as R;
        if (--b.owner.remaining === 0) b.owner.resolve(b.owner.results);
      });
    } catch (err) {
      for (const b of batch) b.owner.reject(err);
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}

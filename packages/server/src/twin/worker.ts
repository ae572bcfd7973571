import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { AidcError } from "@aidc/core";
import { runTask, type TwinTask } from "./compute.js";

// the worker runs the built twin/compute.js of this package (the same code as compute.ts)
const COMPUTE_FILE = join(dirname(createRequire(import.meta.url).resolve("@aidc/server")), "twin", "compute.js");
const WORKER = `
const { parentPort } = require("node:worker_threads");
import(${JSON.stringify(pathToFileURL(COMPUTE_FILE).href)}).then((m) => {
  parentPort.on("message", ({ id, task }) => {
    try {
      parentPort.postMessage({ id, result: m.runTask(task) });
    } catch (err) {
      parentPort.postMessage({ id, error: String((err && err.message) || err) });
    }
  });
});
`;

export class TwinBusyError extends AidcError {
  constructor(message: string) {
    super("TWIN_UNAVAILABLE", message);
  }
}

interface Waiting {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Runs the twin's forecasts on one worker thread, one task at a time, so that a forecast of thousands
 * of jobs never holds the event loop. A task slower than `timeoutMs` ends the worker (a new one starts
 * for the next task). Without the built file (a checkout that was never built) tasks run inline.
 */
export class TwinWorker {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, Waiting>();

  constructor(
    private readonly timeoutMs = 60_000,
    private readonly inline = !existsSync(COMPUTE_FILE),
  ) {}

  /** Tasks sent and not answered yet. */
  get busy(): number {
    return this.waiting.size;
  }

  run<T>(task: TwinTask): Promise<T> {
    if (this.inline) return new Promise((resolve) => setImmediate(() => resolve(runTask(task) as T)));
    const id = ++this.seq;
    const worker = this.start();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // the next task starts a new worker
        if (this.worker === worker) this.worker = undefined;
        this.fail(`the forecast took longer than ${this.timeoutMs / 1000} s`);
        void worker.terminate();
      }, this.timeoutMs);
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      worker.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    this.fail("the server is shutting down");
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    worker.unref();
    worker.on("message", (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      clearTimeout(w.timer);
      if (m.error !== undefined) w.reject(new AidcError("TWIN_FAILED", `The forecast failed: ${m.error}`));
      else w.resolve(m.result);
    });
    const gone = (why: string): void => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(why);
    };
    worker.on("error", (err) => gone(`the forecast worker failed: ${err.message}`));
    worker.on("exit", (code) => gone(`the forecast worker stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  private fail(why: string): void {
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new TwinBusyError(`Cannot forecast: ${why}`));
      this.waiting.delete(id);
    }
  }
}

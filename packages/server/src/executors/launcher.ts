import { spawn } from "node:child_process";

/** One replica to launch: the argument tuple of launch.sh (index, task, replica, node, gpus). */
export interface LaunchSlot {
  readonly index: number;
  readonly task: string;
  readonly replica: number;
  readonly node: string;
  readonly gpus: string;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface LauncherOptions {
  /** Replicas per launcher process (default 32). */
  readonly batch?: number;
  /** Launchers in flight at once, over all runs (default 1: starting namespaces in parallel contends in the kernel). */
  readonly concurrency?: number;
  /** Niceness of job processes relative to the server (default 10). */
  readonly nice?: number;
}

/**
 * Starts replicas off the request path: batches of `batch` replicas, at most `concurrency`
 * launchers at a time for the whole server, the event loop free between them. Every child
 * process error is handled: a failed launch only leaves its replicas unclaimed (the run then
 * reports them as never started).
 */
export class Launcher {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private readonly batch: number;
  private readonly concurrency: number;
  private readonly nice: number;

  constructor(o: LauncherOptions = {}) {
    this.batch = Math.max(1, o.batch ?? 32);
    this.concurrency = Math.max(1, o.concurrency ?? 1);
    this.nice = Math.min(19, Math.max(0, Math.round(o.nice ?? 10)));
  }

  /**
   * Launch all slots through the run's `launch.sh` (sandbox.ts: one shell per batch that starts its
   * replicas, says "launched" and reaps them; the server forks once per batch, never waits for the
   * processes themselves). Resolves once every batch was handed to the OS. `stop()` aborts the rest. */
  async launch(script: string, slots: readonly LaunchSlot[], stop: () => boolean): Promise<void> {
    const batches: Promise<void>[] = [];
    for (let i = 0; i < slots.length; i += this.batch) {
      await this.slot();
      if (stop()) {
        this.release();
        break;
      }
      batches.push(this.one(script, slots.slice(i, i + this.batch)).finally(() => this.release()));
    }
    await Promise.all(batches);
  }

  private slot(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) setImmediate(next);
    else this.active--;
  }

  private one(script: string, slots: readonly LaunchSlot[]): Promise<void> {
    const args = slots.flatMap((s) => [String(s.index), s.task, String(s.replica), s.node, s.gpus]);
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        child.stdout?.destroy();
        child.unref();
        resolve();
      };
      let child: ReturnType<typeof spawn>;
      try {
        // jobs run niced below the server: a machine saturated by starting replicas still answers requests
        // detached: the launcher leads a new session and process group (under bubblewrap, its batch's group)
        child = spawn("nice", ["-n", String(this.nice), "/bin/sh", script, ...args], {
          detached: true,
          env: { PATH: process.env["PATH"] ?? DEFAULT_PATH },
          stdio: ["ignore", "pipe", "ignore"],
        });
      } catch {
        resolve(); // the OS refused a process: these replicas stay unclaimed
        return;
      }
      child.once("error", finish);
      child.once("exit", finish);
      child.stdout?.on("error", finish);
      child.stdout?.on("data", (d: Buffer) => {
        if (d.toString().includes("launched")) finish();
      });
    });
  }
}

import { spawn } from "node:child_process";

/** One replica to launch: the argument tuple of run.sh (index, task, replica, node, gpus). */
export interface LaunchSlot {
  readonly index: number;
  readonly task: string;
  readonly replica: number;
  readonly node: string;
  readonly gpus: string;
}

/**
 * A launcher is one shell that starts a batch of replicas (each in its own session via setsid, with
 * an empty environment: the wrapper exports only the job's allow-listed variables),
 * says "launched", and then reaps them. The server forks once per batch instead of once per
 * replica, and never waits for the processes themselves.
 */
const LAUNCH_SH =
  'r=$1; shift; while [ $# -ge 5 ]; do setsid /usr/bin/env -i /bin/sh "$r" "$1" "$2" "$3" "$4" "$5" </dev/null >/dev/null 2>&1 & shift 5; done; echo launched; wait';

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

  /** Launch all slots through `script`; resolves once every batch was handed to the OS. `stop()` aborts the rest. */
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
        child = spawn("nice", ["-n", String(this.nice), "/bin/sh", "-c", LAUNCH_SH, "aidc-launch", script, ...args], {
          detached: true,
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

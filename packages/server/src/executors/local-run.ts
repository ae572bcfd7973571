import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { alive } from "./alive.js";
import type { LaunchSlot } from "./launcher.js";

/**
 * What the server means to run, written (fsync'd) before the first process starts. With the
 * per-replica claim, pid and exit files beside it, this is the whole record of a local run: a
 * restarted server adopts it and starts only the replicas nobody claimed.
 */
export interface Intent {
  readonly runId: string;
  readonly jobId: string;
  readonly osUser: string;
  readonly jobDir: string;
  readonly slots: readonly LaunchSlot[];
  readonly startedAtMs: number;
  readonly maxRuntimeS?: number;
}

/** Outcome flags, persisted so a restarted server reports the same end. */
export interface RunFlags {
  cancelled?: boolean;
  timedOut?: boolean;
  /** Why the run was stopped by a watchdog or a launch failure. */
  failure?: string;
}

/** Write a file so that a crash leaves either the old or the complete new content. */
export function writeDurable(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dir = openSync(dirname(file), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

export type ReplicaState =
  | { readonly kind: "exited"; readonly code: number }
  | { readonly kind: "running" }
  | { readonly kind: "starting" }
  | { readonly kind: "killed" }
  | { readonly kind: "unclaimed" };

/** A claim without a pid for this long means the wrapper died before recording itself. */
const CLAIM_GRACE_MS = 60_000;

/** One local run as this server knows it: the intent plus what is cached from the files. */
export class LocalRun {
  private readonly codes: (number | undefined)[];
  private readonly pids: (number | undefined)[];
  /** Batches not yet handed to the OS by this process (the run is still starting). */
  launching = 0;
  resumed = false;
  lastDiskCheckMs = 0;

  constructor(
    readonly dir: string,
    readonly intent: Intent,
    readonly flags: RunFlags,
  ) {
    this.codes = new Array<number | undefined>(intent.slots.length);
    this.pids = new Array<number | undefined>(intent.slots.length);
  }

  static load(dir: string): LocalRun | undefined {
    const file = join(dir, "intent.json");
    if (!existsSync(file)) return undefined;
    const intent = JSON.parse(readFileSync(file, "utf8")) as Intent;
    const flagsFile = join(dir, "flags.json");
    const flags = existsSync(flagsFile) ? (JSON.parse(readFileSync(flagsFile, "utf8")) as RunFlags) : {};
    return new LocalRun(dir, intent, flags);
  }

  saveFlags(): void {
    writeDurable(join(this.dir, "flags.json"), JSON.stringify(this.flags));
  }

  /** Mark the run stopped: wrappers that have not started their command yet exit at once. */
  markStop(): void {
    writeFileSync(join(this.dir, "stop"), "");
  }

  stopped(): boolean {
    return existsSync(join(this.dir, "stop"));
  }

  claimed(i: number): boolean {
    return this.pids[i] !== undefined || this.codes[i] !== undefined || existsSync(join(this.dir, `${i}.claim`));
  }

  /** The process-group leader of replica i, once its wrapper recorded it. */
  pid(i: number): number | undefined {
    if (this.pids[i] !== undefined) return this.pids[i];
    const f = join(this.dir, `${i}.pid`);
    if (!existsSync(f)) return undefined;
    const pid = Number(readFileSync(f, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0) this.pids[i] = pid;
    return this.pids[i];
  }

  private code(i: number): number | undefined {
    if (this.codes[i] !== undefined) return this.codes[i];
    const f = join(this.dir, `${i}.exit`);
    if (!existsSync(f)) return undefined;
    const code = Number(readFileSync(f, "utf8").trim());
    this.codes[i] = Number.isInteger(code) ? code : 1;
    return this.codes[i];
  }

  replica(i: number, nowMs: number): ReplicaState {
    const known = this.codes[i];
    if (known !== undefined) return { kind: "exited", code: known };
    const pid = this.pid(i);
    if (pid !== undefined && alive(pid)) return { kind: "running" };
    const code = this.code(i); // read after the liveness check: the wrapper writes it before exiting
    if (code !== undefined) return { kind: "exited", code };
    if (pid !== undefined) return { kind: "killed" };
    const claim = join(this.dir, `${i}.claim`);
    if (!existsSync(claim)) return { kind: "unclaimed" };
    return nowMs - statSync(claim).mtimeMs > CLAIM_GRACE_MS ? { kind: "killed" } : { kind: "starting" };
  }

  /** Pids of the replicas that recorded one (re-read each call: stop() races with starting wrappers). */
  knownPids(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.intent.slots.length; i++) {
      const p = this.pid(i);
      if (p !== undefined && this.codes[i] === undefined) out.push(p);
    }
    return out;
  }

  logFiles(): string[] {
    return this.intent.slots.map((s) => join(this.dir, `${s.task}-${s.replica}.log`));
  }
}

import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { open, readFile, readdir, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ExecutorRun } from "@aidc/core";
import { aliveAsync } from "./alive.js";
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

/** writeDurable() in the thread pool: an fsync on a busy disk must not stall the event loop. */
export async function writeDurableAsync(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, "w", 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(dirname(file), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
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

/** What one scan of a run's files found. */
export interface Scan {
  ok: number;
  /** The first non-zero exit code found. */
  failedCode?: number;
  live: number;
  starting: number;
  killed: number;
  unclaimed: number;
}

/** A claim without a pid for this long means the wrapper died before recording itself. */
const CLAIM_GRACE_MS = 60_000;
/** Replicas whose files are read at once (in the thread pool). */
const CHUNK = 256;

/** One local run as this server knows it: the intent plus what is cached from the files. */
export class LocalRun {
  private readonly codes: (number | undefined)[];
  private readonly pids: (number | undefined)[];
  private readonly dead: boolean[];
  /** Batches not yet handed to the OS by this process (the run is still starting). */
  launching = 0;
  resumed = false;
  lastDiskCheckMs = 0;
  lastSweepMs = 0;
  lastScanMs = 0;
  /** The last "running" answer, reused between scans of a big run. */
  lastRunning: ExecutorRun | undefined;

  constructor(
    readonly dir: string,
    readonly intent: Intent,
    readonly flags: RunFlags,
  ) {
    const n = intent.slots.length;
    this.codes = new Array<number | undefined>(n);
    this.pids = new Array<number | undefined>(n);
    this.dead = new Array<boolean>(n).fill(false);
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

  /** Replicas no wrapper has claimed (one directory listing, read off the event loop). */
  async unclaimed(): Promise<number[]> {
    const names = new Set(await readdir(this.dir));
    return this.intent.slots.filter((s) => !names.has(`${s.index}.claim`)).map((s) => s.index);
  }

  private async readNumber(file: string): Promise<number | undefined> {
    try {
      // a wrapper creates the file before it writes the number: empty is "not yet", never 0 (Number("") is 0,
      // which read a pid as 0, a dead process, and an exit code as success)
      const text = (await readFile(file, "latin1")).trim();
      const n = Number(text);
      return text !== "" && Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Where every replica is, from one listing of the run directory plus the exit and pid files
   * that appeared since the last scan. Every file read runs in the thread pool, a chunk at a
   * time, so scanning 10,000 replicas on a machine busy starting processes never stalls the
   * event loop. Liveness of running replicas (a kill -9 leaves no exit file) is checked only
   * when `sweep` is set.
   */
  async scan(nowMs: number, sweep: boolean): Promise<Scan> {
    const names = new Set(await readdir(this.dir));
    const out: Scan = { ok: 0, live: 0, starting: 0, killed: 0, unclaimed: 0 };
    const one = async (i: number): Promise<void> => {
      let code = this.codes[i];
      if (code === undefined && names.has(`${i}.exit`)) {
        code = await this.readNumber(join(this.dir, `${i}.exit`)); // empty while the wrapper writes it: next scan
        this.codes[i] = code;
      }
      if (code !== undefined) {
        if (code === 0) out.ok++;
        else out.failedCode ??= code;
        return;
      }
      if (this.pids[i] === undefined && names.has(`${i}.pid`)) this.pids[i] = await this.readNumber(join(this.dir, `${i}.pid`));
      const pid = this.pids[i];
      if (pid !== undefined) {
        if (sweep && !this.dead[i] && !(await aliveAsync(pid)))
          this.dead[i] = (await this.readNumber(join(this.dir, `${i}.exit`))) === undefined;
        if (this.dead[i]) out.killed++;
        else out.live++;
      } else if (names.has(`${i}.claim`)) {
        const stale = sweep && nowMs - (await stat(join(this.dir, `${i}.claim`))).mtimeMs > CLAIM_GRACE_MS;
        if (stale) out.killed++;
        else out.starting++;
      } else out.unclaimed++;
    };
    const n = this.intent.slots.length;
    for (let i = 0; i < n; i += CHUNK) {
      const chunk: Promise<void>[] = [];
      for (let j = i; j < Math.min(n, i + CHUNK); j++) chunk.push(one(j));
      await Promise.all(chunk);
    }
    return out;
  }

  /** Pids of the replicas still running (re-listed each call: stop() races with starting wrappers). */
  async livePids(): Promise<number[]> {
    const names = new Set(await readdir(this.dir));
    const out: number[] = [];
    for (let i = 0; i < this.intent.slots.length; i++) {
      if (this.pids[i] === undefined && names.has(`${i}.pid`)) this.pids[i] = await this.readNumber(join(this.dir, `${i}.pid`));
      const p = this.pids[i];
      if (p !== undefined && !names.has(`${i}.exit`) && !this.dead[i]) out.push(p);
    }
    return out;
  }

  private agentFileWritten = false;

  /**
   * Once every replica recorded its pid: run.json for the node agent, which attributes CPU and
   * memory to a job by process group (each replica wrapper leads its own group).
   */
  writeAgentFile(): void {
    if (this.agentFileWritten || this.pids.some((p, i) => p === undefined && this.codes[i] === undefined)) return;
    this.agentFileWritten = true;
    const procs = this.intent.slots.flatMap((s) => {
      const pid = this.pids[s.index];
      return pid === undefined ? [] : [{ pid, exitFile: join(this.dir, `${s.index}.exit`) }];
    });
    writeFileSync(join(this.dir, "run.json"), JSON.stringify({ runId: this.intent.runId, jobId: this.intent.jobId, procs }));
  }

  logFiles(): string[] {
    return this.intent.slots.map((s) => join(this.dir, `${s.task}-${s.replica}.log`));
  }
}

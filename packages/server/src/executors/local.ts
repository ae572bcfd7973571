import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AidcError, type Executor, type ExecutorRun, type JobSpec, type Placement } from "@aidc/core";

/** One process of a run: a task replica, in its own process group. */
interface Proc {
  readonly pid: number;
  readonly exitFile: string;
}

interface RunMeta {
  readonly runId: string;
  readonly jobId: string;
  readonly procs: readonly Proc[];
  readonly startedAtMs: number;
  readonly maxRuntimeS?: number;
  cancelled?: boolean;
  timedOut?: boolean;
}

export interface LocalExecutorOptions {
  /** Where run directories (logs, exit codes, run.json) live: `<dataDir>/runs`. */
  readonly runsDir: string;
  /** Extra environment for every process (e.g. PATH). */
  readonly env?: Readonly<Record<string, string>>;
  /** Seconds between SIGTERM and SIGKILL on cancel and timeout. */
  readonly killGraceS?: number;
  readonly now?: () => number;
  /** The command of a built-in workload job (`run.workload`); such jobs are refused without it. */
  readonly workloadCommand?: (job: JobSpec) => string[] | undefined;
}

/** True when the process exists and is not a zombie (a killed orphan not yet reaped still answers kill 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true; // no procfs: trust kill 0
  const state = readFileSync(stat, "utf8").split(") ")[1]?.[0];
  return state !== "Z" && state !== "X";
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs each task replica as a child process in its own process group, under a tiny shell
 * wrapper that records the exit code in the run directory. Because pids, exit codes and logs
 * live on disk, a restarted server adopts runs that outlived it (`status` reads the files).
 */
export class LocalExecutor implements Executor {
  readonly name = "local";
  private readonly runs = new Map<string, RunMeta>();
  private readonly now: () => number;

  constructor(private readonly options: LocalExecutorOptions) {
    mkdirSync(options.runsDir, { recursive: true });
    this.now = options.now ?? (() => Date.now());
  }

  runDir(runId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new AidcError("BAD_RUN_ID", `Invalid run id "${runId}"`);
    return join(this.options.runsDir, runId);
  }

  async start(jobId: string, job: JobSpec, placement: Placement): Promise<ExecutorRun> {
    const command = "command" in job.run ? job.run.command : this.options.workloadCommand?.(job);
    if (command === undefined)
      throw new AidcError("UNSUPPORTED_RUN", `This server cannot run workload jobs ("${"workload" in job.run ? job.run.workload : ""}")`);
    const env0 = "command" in job.run ? job.run.env : {};
    const cwd = "command" in job.run ? job.run.workingDir : undefined;
    const runId = `${jobId}.${this.now().toString(36)}`;
    const dir = this.runDir(runId);
    mkdirSync(dir, { recursive: true });
    const procs: Proc[] = [];
    const replicas =
      placement.tasks.length > 0 ? placement.tasks : [{ task: job.tasks[0]?.name ?? "main", replica: 0, node: "local", gpuIndices: [] }];
    for (const slot of replicas) {
      const base = `${slot.task}-${slot.replica}`;
      const exitFile = join(dir, `${base}.exit`);
      const log = openSync(join(dir, `${base}.log`), "a");
      const gpus = slot.gpuIndices.join(",");
      const env = {
        ...process.env,
        ...this.options.env,
        ...env0,
        AIDC_JOB_ID: jobId,
        AIDC_RUN_ID: runId,
        AIDC_TASK: slot.task,
        AIDC_REPLICA: String(slot.replica),
        AIDC_NODE: slot.node,
        AIDC_GPUS: gpus,
        CUDA_VISIBLE_DEVICES: gpus,
        AIDC_RUN_DIR: dir,
      };
      // "$0" is the exit-code file; the command runs in a subshell so `exit N` still records N.
      const args =
        typeof command === "string"
          ? ["-c", '( eval "$1" ); echo $? > "$0"', exitFile, command]
          : ["-c", '( "$@" ); echo $? > "$0"', exitFile, ...command];
      const child = spawn("/bin/sh", args, { cwd: cwd ?? dir, env, detached: true, stdio: ["ignore", log, log] });
      closeSync(log);
      if (child.pid === undefined) throw new AidcError("SPAWN_FAILED", `Cannot start job ${jobId}: the process did not start`);
      child.unref();
      procs.push({ pid: child.pid, exitFile });
    }
    const meta: RunMeta = { runId, jobId, procs, startedAtMs: this.now(), ...(job.maxRuntimeS ? { maxRuntimeS: job.maxRuntimeS } : {}) };
    writeFileSync(join(dir, "run.json"), JSON.stringify(meta));
    this.runs.set(runId, meta);
    return { runId, state: "running" };
  }

  private meta(runId: string): RunMeta | undefined {
    const known = this.runs.get(runId);
    if (known !== undefined) return known;
    const file = join(this.runDir(runId), "run.json");
    if (!existsSync(file)) return undefined;
    const adopted = JSON.parse(readFileSync(file, "utf8")) as RunMeta;
    this.runs.set(runId, adopted);
    return adopted;
  }

  async cancel(runId: string): Promise<void> {
    const meta = this.meta(runId);
    if (meta === undefined) return;
    meta.cancelled = true;
    writeFileSync(join(this.runDir(runId), "run.json"), JSON.stringify(meta));
    await this.stop(meta);
  }

  private async stop(meta: RunMeta): Promise<void> {
    for (const p of meta.procs) killGroup(p.pid, "SIGTERM");
    const deadline = this.now() + (this.options.killGraceS ?? 5) * 1000;
    while (meta.procs.some((p) => alive(p.pid)) && this.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const p of meta.procs) killGroup(p.pid, "SIGKILL");
  }

  /** Current state of each run; enforces maxRuntimeS; a gang fails as soon as one replica fails. */
  async status(runIds: readonly string[]): Promise<readonly ExecutorRun[]> {
    const out: ExecutorRun[] = [];
    for (const runId of runIds) {
      const meta = this.meta(runId);
      if (meta === undefined) {
        out.push({ runId, state: "failed", message: "run not found (lost)" });
        continue;
      }
      const codes = meta.procs.map((p) => (existsSync(p.exitFile) ? Number(readFileSync(p.exitFile, "utf8").trim()) : undefined));
      const running = meta.procs.map((p, i) => codes[i] === undefined && alive(p.pid));
      if (meta.cancelled) {
        if (running.some(Boolean)) await this.stop(meta);
        out.push({ runId, state: "cancelled" });
        continue;
      }
      const failedCode = codes.find((c) => c !== undefined && c !== 0);
      const vanished = meta.procs.some((_, i) => codes[i] === undefined && !running[i]);
      if (failedCode !== undefined || vanished) {
        if (running.some(Boolean)) await this.stop(meta);
        const message = meta.timedOut
          ? `exceeded maxRuntimeS ${String(meta.maxRuntimeS)}`
          : vanished
            ? "a process was killed"
            : `exit code ${String(failedCode)}`;
        out.push({ runId, state: "failed", ...(failedCode !== undefined ? { exitCode: failedCode } : {}), message });
        continue;
      }
      if (codes.every((c) => c === 0)) {
        out.push({ runId, state: "succeeded", exitCode: 0 });
        continue;
      }
      if (meta.maxRuntimeS !== undefined && this.now() - meta.startedAtMs > meta.maxRuntimeS * 1000) {
        meta.timedOut = true;
        writeFileSync(join(this.runDir(runId), "run.json"), JSON.stringify(meta));
        await this.stop(meta);
        out.push({ runId, state: "failed", message: `exceeded maxRuntimeS ${meta.maxRuntimeS}` });
        continue;
      }
      out.push({ runId, state: "running" });
    }
    return out;
  }

  /** Combined log of a run (all replicas, in replica order). */
  logs(runId: string): string {
    const meta = this.meta(runId);
    if (meta === undefined) return "";
    return meta.procs
      .map((p) => p.exitFile.replace(/\.exit$/, ".log"))
      .filter(existsSync)
      .map((f) => readFileSync(f, "utf8"))
      .join("");
  }
}

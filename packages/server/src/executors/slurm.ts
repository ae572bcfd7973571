import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { AidcError, type Executor, type ExecutorRun, type JobSpec, type Placement } from "@aidc/core";

const run = promisify(execFile);

/** Every Slurm job state (squeue/sacct base state), mapped to what aidc tracks. */
export const SLURM_STATE_MAP: Readonly<Record<string, ExecutorRun["state"]>> = {
  PENDING: "running",
  CONFIGURING: "running",
  RUNNING: "running",
  COMPLETING: "running",
  SUSPENDED: "running",
  REQUEUED: "running",
  REQUEUE_FED: "running",
  REQUEUE_HOLD: "running",
  RESIZING: "running",
  SIGNALING: "running",
  STAGE_OUT: "running",
  STOPPED: "running",
  RESV_DEL_HOLD: "running",
  SPECIAL_EXIT: "failed",
  COMPLETED: "succeeded",
  FAILED: "failed",
  NODE_FAIL: "failed",
  BOOT_FAIL: "failed",
  OUT_OF_MEMORY: "failed",
  TIMEOUT: "failed",
  DEADLINE: "failed",
  PREEMPTED: "failed",
  REVOKED: "failed",
  CANCELLED: "cancelled",
};

/** Map a Slurm state string ("CANCELLED by 0", "RUNNING") to an aidc run state. */
export function mapSlurmState(state: string): ExecutorRun["state"] {
  const base = state.trim().split(/[\s+]/)[0]?.toUpperCase() ?? "";
  return SLURM_STATE_MAP[base] ?? "failed";
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface SlurmExecutorOptions {
  readonly runsDir: string;
  readonly partition?: string;
  readonly now?: () => number;
  /** Seconds for each Slurm CLI call before it is treated as failed. */
  readonly cliTimeoutS?: number;
}

interface SlurmRun {
  readonly runId: string;
  readonly slurmId: string;
  readonly startedAtMs: number;
  readonly maxRuntimeS?: number;
  cancelled?: boolean;
  timedOut?: boolean;
}

/**
 * Runs jobs on a real Slurm cluster through its CLI (sbatch --parsable, squeue --json, sacct,
 * scancel). A job is one allocation with one Slurm task per aidc task replica (a gang by
 * construction); `srun --kill-on-bad-exit` fails the whole gang when one replica fails.
 */
export class SlurmExecutor implements Executor {
  readonly name = "slurm";
  private readonly now: () => number;

  constructor(private readonly options: SlurmExecutorOptions) {
    mkdirSync(options.runsDir, { recursive: true });
    this.now = options.now ?? (() => Date.now());
  }

  private async cli(cmd: string, args: readonly string[]): Promise<string> {
    try {
      const { stdout } = await run(cmd, [...args], { timeout: (this.options.cliTimeoutS ?? 30) * 1000, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (cause) {
      const e = cause as { stderr?: string; message: string };
      throw new AidcError("SLURM_CLI_FAILED", `${cmd} ${args.join(" ")} failed: ${(e.stderr ?? e.message).trim()}`, { cause });
    }
  }

  runDir(runId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new AidcError("BAD_RUN_ID", `Invalid run id "${runId}"`);
    return join(this.options.runsDir, runId);
  }

  /** The batch script and sbatch arguments for a job (exported for tests). */
  script(jobId: string, runId: string, job: JobSpec, dir: string): { args: string[]; text: string } {
    if (!("command" in job.run))
      throw new AidcError("UNSUPPORTED_RUN", `The slurm executor cannot run workload "${job.run.workload}" yet; give a command`);
    const replicas = job.tasks.reduce((s, t) => s + t.replicas, 0);
    const gpus = Math.max(...job.tasks.map((t) => t.resources.gpus));
    const cpus = Math.max(...job.tasks.map((t) => Math.ceil(t.resources.cpus)));
    const memMb = Math.max(...job.tasks.map((t) => Math.ceil(t.resources.memoryGiB * 1024)));
    const args = [
      "--parsable",
      `--job-name=aidc-${jobId}`,
      `--output=${join(dir, "slurm-%j.out")}`,
      `--ntasks=${replicas}`,
      `--cpus-per-task=${cpus}`,
      `--mem-per-cpu=${Math.max(1, Math.ceil(memMb / cpus))}`,
      ...(gpus > 0 ? [`--gpus-per-task=${gpus}`] : []),
      ...(job.maxRuntimeS ? [`--time=${Math.max(1, Math.ceil(job.maxRuntimeS / 60))}`] : []),
      ...(this.options.partition ? [`--partition=${this.options.partition}`] : []),
      `--chdir=${job.run.workingDir ?? dir}`,
    ];
    const env = { ...job.run.env, AIDC_JOB_ID: jobId, AIDC_RUN_ID: runId, AIDC_RUN_DIR: dir };
    const exports = Object.entries(env)
      .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
      .join("\n");
    const command = typeof job.run.command === "string" ? job.run.command : job.run.command.map(shellQuote).join(" ");
    // each replica records its own exit code: srun's is that of whichever task it reports last
    const inner =
      `export AIDC_REPLICA=$SLURM_PROCID AIDC_NODE=$SLURMD_NODENAME AIDC_GPUS=\${CUDA_VISIBLE_DEVICES:-}; ` +
      `( ${command} ); c=$?; echo $c > "$AIDC_RUN_DIR/exit-$SLURM_PROCID"; exit $c`;
    const text = `#!/bin/sh\n${exports}\nexec srun --kill-on-bad-exit=1 sh -c ${shellQuote(inner)}\n`;
    return { args, text };
  }

  async start(jobId: string, job: JobSpec, _placement: Placement): Promise<ExecutorRun> {
    const runId = `${jobId}.${this.now().toString(36)}`;
    const dir = this.runDir(runId);
    mkdirSync(dir, { recursive: true });
    const { args, text } = this.script(jobId, runId, job, dir);
    const scriptFile = join(dir, "job.sh");
    writeFileSync(scriptFile, text, { mode: 0o755 });
    const slurmId = (await this.cli("sbatch", [...args, scriptFile])).trim().split(";")[0] ?? "";
    if (!/^\d+$/.test(slurmId)) throw new AidcError("SLURM_SUBMIT_FAILED", `sbatch returned "${slurmId}" for job ${jobId}`);
    this.save({ runId, slurmId, startedAtMs: this.now(), ...(job.maxRuntimeS ? { maxRuntimeS: job.maxRuntimeS } : {}) });
    return { runId, state: "running", message: `slurm job ${slurmId}` };
  }

  private save(r: SlurmRun): void {
    writeFileSync(join(this.runDir(r.runId), "run.json"), JSON.stringify(r));
  }

  private load(runId: string): SlurmRun | undefined {
    const file = join(this.runDir(runId), "run.json");
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as SlurmRun) : undefined;
  }

  async cancel(runId: string): Promise<void> {
    const r = this.load(runId);
    if (r === undefined) return;
    r.cancelled = true;
    this.save(r);
    await this.cli("scancel", [r.slurmId]);
  }

  private async live(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const doc = JSON.parse(await this.cli("squeue", ["--json", `--jobs=${ids.join(",")}`])) as {
      jobs?: { job_id: number; job_state: string | string[] }[];
    };
    const out = new Map<string, string>();
    for (const j of doc.jobs ?? []) out.set(String(j.job_id), Array.isArray(j.job_state) ? (j.job_state[0] ?? "") : j.job_state);
    return out;
  }

  private async finished(id: string): Promise<{ state: string; exitCode?: number } | undefined> {
    const out = await this.cli("sacct", ["-j", id, "-X", "-P", "-n", "-o", "State,ExitCode"]);
    const line = out.trim().split("\n")[0];
    if (!line) return undefined;
    const [state, exit] = line.split("|");
    const code = Number((exit ?? "").split(":")[0]);
    return { state: state ?? "", ...(Number.isFinite(code) ? { exitCode: code } : {}) };
  }

  async status(runIds: readonly string[]): Promise<readonly ExecutorRun[]> {
    const runs = runIds.map((id) => ({ id, r: this.load(id) }));
    let live: Map<string, string>;
    try {
      live = await this.live(runs.flatMap((x) => (x.r ? [x.r.slurmId] : [])));
    } catch {
      live = new Map(); // squeue rejects a list containing only finished ids; fall back to sacct per job
    }
    const out: ExecutorRun[] = [];
    for (const { id, r } of runs) {
      if (r === undefined) {
        out.push({ runId: id, state: "failed", message: "run not found (lost)" });
        continue;
      }
      const liveState = live.get(r.slurmId);
      if (liveState !== undefined && mapSlurmState(liveState) === "running") {
        if (!r.cancelled && r.maxRuntimeS !== undefined && this.now() - r.startedAtMs > r.maxRuntimeS * 1000) {
          r.timedOut = true;
          this.save(r);
          await this.cli("scancel", [r.slurmId]);
        }
        out.push({ runId: id, state: "running", message: `slurm ${liveState}` });
        continue;
      }
      const done = await this.finished(r.slurmId);
      if (done === undefined) {
        out.push({ runId: id, state: "running", message: "slurm: not yet in accounting" });
        continue;
      }
      const state = r.cancelled ? "cancelled" : r.timedOut ? "failed" : mapSlurmState(done.state);
      const message = r.timedOut ? `exceeded maxRuntimeS ${String(r.maxRuntimeS)}` : `slurm ${done.state}`;
      const exitCode = state === "failed" ? (this.firstFailure(id) ?? done.exitCode) : state === "succeeded" ? 0 : undefined;
      out.push({ runId: id, state, ...(exitCode !== undefined ? { exitCode } : {}), message });
    }
    return out;
  }

  /** The exit code of the replica that failed first (by the time its exit file was written). */
  private firstFailure(runId: string): number | undefined {
    const dir = this.runDir(runId);
    const codes = readdirSync(dir)
      .filter((f) => f.startsWith("exit-"))
      .map((f) => ({ code: Number(readFileSync(join(dir, f), "utf8").trim()), at: statSync(join(dir, f)).mtimeMs }))
      .filter((x) => x.code !== 0)
      .sort((a, b) => a.at - b.at);
    return codes[0]?.code;
  }

  logs(runId: string): string {
    const dir = this.runDir(runId);
    if (!existsSync(dir)) return "";
    return readdirSync(dir)
      .filter((f) => f.startsWith("slurm-") && f.endsWith(".out"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("");
  }
}

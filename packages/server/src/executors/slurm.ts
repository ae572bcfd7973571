import { execFile } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { AidcError, type Executor, type ExecutorRun, type JobSpec, type Placement, type StartOptions } from "@aidc/core";
import { ensureUserSync, JOB_USER, type OsUser } from "./os-users.js";
import { baseEnv, checkJobEnv, shellQuote } from "./sandbox.js";
import { placedNodes, slurmLayout } from "./slurm-placement.js";
import { mapSlurmState } from "./slurm-states.js";

const run = promisify(execFile);

export { SLURM_STATE_MAP, mapSlurmState } from "./slurm-states.js";

export interface SlurmExecutorOptions {
  readonly runsDir: string;
  /** Root of the jobs' working directories, outside the data dir (default /var/lib/aidc-jobs as root). */
  readonly jobsDir?: string;
  readonly partition?: string;
  readonly now?: () => number;
  /** Seconds for each Slurm CLI call before it is treated as failed. */
  readonly cliTimeoutS?: number;
  /**
   * Run each job where aidc placed it (default true): `--nodelist` with the placement's nodes and
   * each node's replica count (see slurmLayout). Turn it off when the cluster model's node names
   * are not Slurm's (then Slurm chooses the nodes itself).
   */
  readonly usePlacement?: boolean;
  /** Slurm partitions of a node (the cluster read from Slurm): the job goes to one holding all its nodes. */
  readonly partitionsOf?: (node: string) => readonly string[];
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

  private readonly jobsDir: string;
  /** When the server is root, jobs drop to this OS user inside the allocation (setpriv). */
  private readonly jobUser: OsUser | undefined;

  constructor(private readonly options: SlurmExecutorOptions) {
    mkdirSync(options.runsDir, { recursive: true });
    this.now = options.now ?? (() => Date.now());
    const root = process.getuid?.() === 0;
    this.jobsDir = resolve(options.jobsDir ?? (root ? "/var/lib/aidc-jobs" : join(tmpdir(), `aidc-jobs-${process.getuid?.() ?? 0}`)));
    const dataDir = resolve(dirname(options.runsDir));
    const rel = relative(dataDir, this.jobsDir);
    if (rel === "" || (!rel.startsWith("..") && !rel.startsWith("/")))
      throw new AidcError("BAD_JOBS_DIR", `The jobs directory ${this.jobsDir} must be outside the data directory ${dataDir}`);
    mkdirSync(this.jobsDir, { recursive: true });
    if (root) {
      chmodSync(this.jobsDir, 0o711); // the data dir is made private by the composition root
    }
    this.jobUser = root ? ensureUserSync(JOB_USER) : undefined;
  }

  /** The job's own working directory (outside the data dir). */
  workDir(runId: string): string {
    this.runDir(runId);
    return join(this.jobsDir, runId);
  }

  private async cli(cmd: string, args: readonly string[]): Promise<string> {
    try {
      const { stdout } = await run(cmd, [...args], { timeout: (this.options.cliTimeoutS ?? 30) * 1000, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (cause) {
      const e = cause as { stderr?: string; message: string; code?: unknown };
      // the cause is never empty: a missing command has no stderr, only "spawn sbatch ENOENT"
      const why = e.code === "ENOENT" ? `${cmd} is not on PATH` : e.stderr?.trim() || e.message.trim();
      throw new AidcError("SLURM_CLI_FAILED", `${cmd} ${args.join(" ")} failed: ${why}`, { cause });
    }
  }

  runDir(runId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new AidcError("BAD_RUN_ID", `Invalid run id "${runId}"`);
    return join(this.options.runsDir, runId);
  }

  /**
   * The batch script and sbatch arguments for a job (exported for tests). Environment names must
   * be identifiers (checked) and every value is single-quoted; the job gets only an allow-listed
   * environment (`--export=NONE`), a working directory outside the data dir and, when the server
   * is root, runs as the unprivileged job user while a root-side shell records its exit code.
   */
  script(jobId: string, runId: string, job: JobSpec, dir: string, placement?: Placement): { args: string[]; text: string } {
    if (!("command" in job.run))
      throw new AidcError("UNSUPPORTED_RUN", `The slurm executor cannot run workload "${job.run.workload}" yet; give a command`);
    checkJobEnv(job.run.env, jobId);
    const replicas = job.tasks.reduce((s, t) => s + t.replicas, 0);
    const gpus = Math.max(...job.tasks.map((t) => t.resources.gpus));
    const cpus = Math.max(...job.tasks.map((t) => Math.ceil(t.resources.cpus)));
    const memMb = Math.max(...job.tasks.map((t) => Math.ceil(t.resources.memoryGiB * 1024)));
    const work = this.workDir(runId);
    const placed = this.options.usePlacement === false ? undefined : placement;
    const partition = this.partitionFor(placedNodes(placed, replicas));
    const resources = [
      `--cpus-per-task=${cpus}`,
      `--mem-per-cpu=${Math.max(1, Math.ceil(memMb / cpus))}`,
      ...(gpus > 0 ? [`--gpus-per-task=${gpus}`] : []),
      ...(job.maxRuntimeS ? [`--time=${Math.max(1, Math.ceil(job.maxRuntimeS / 60))}`] : []),
      ...(partition !== undefined ? [`--partition=${partition}`] : []),
    ];
    const layout = slurmLayout(placed, replicas, resources);
    const args = [
      "--parsable",
      `--job-name=aidc-${runId}`,
      `--output=${join(dir, "slurm-%j.out")}`,
      "--export=NONE",
      `--chdir=${job.run.workingDir ?? work}`,
      ...layout.args,
    ];
    const user = this.jobUser?.name ?? process.env["USER"] ?? "";
    const env = {
      ...baseEnv(work, join(work, "tmp"), user),
      ...job.run.env,
      AIDC_JOB_ID: jobId,
      AIDC_RUN_ID: runId,
      AIDC_RUN_DIR: work,
      AIDC_WORK_DIR: work,
    };
    const exports = Object.entries(env)
      .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
      .join("\n");
    const command = typeof job.run.command === "string" ? job.run.command : job.run.command.map(shellQuote).join(" ");
    const drop = this.jobUser ? `setpriv --reuid=${this.jobUser.name} --regid=${this.jobUser.name} --clear-groups --no-new-privs -- ` : "";
    // each replica records its own exit code (as the root-side shell; the job never sees the run dir)
    const inner =
      `${layout.replica}; export AIDC_REPLICA AIDC_NODE=$SLURMD_NODENAME AIDC_GPUS=\${CUDA_VISIBLE_DEVICES:-}; ` +
      `${drop}/bin/sh -c ${shellQuote(command)}; c=$?; echo $c > ${shellQuote(dir)}/exit-$AIDC_REPLICA; exit $c`;
    // --export=NONE would make srun pass nothing either: the steps get this script's (allow-listed) environment
    const srun = ["srun", "--kill-on-bad-exit=1", ...layout.srun].join(" ");
    const text = `#!/bin/sh\n${exports}\nexport SLURM_EXPORT_ENV=ALL\nexec ${srun} sh -c ${shellQuote(inner)}\n`;
    return { args, text };
  }

  /**
   * The partition to submit to: the configured one, else (when the nodes are known) every Slurm
   * partition that holds all the placed nodes, as sbatch's comma list; else Slurm's default.
   */
  private partitionFor(nodes: readonly string[] | undefined): string | undefined {
    if (this.options.partition !== undefined) return this.options.partition;
    const of = this.options.partitionsOf;
    if (of === undefined || nodes === undefined || nodes.length === 0) return undefined;
    const common = nodes.slice(1).reduce((acc, n) => acc.filter((p) => of(n).includes(p)), [...of(nodes[0] ?? "")]);
    return common.length > 0 ? common.join(",") : undefined;
  }

  async start(jobId: string, job: JobSpec, placement: Placement, o: StartOptions = {}): Promise<ExecutorRun> {
    const runId = o.runId ?? `${jobId}.${this.now().toString(36)}`;
    const dir = this.runDir(runId);
    const known = this.load(runId);
    if (known) return { runId, state: "running", message: `slurm job ${known.slurmId} (adopted)` };
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { args, text } = this.script(jobId, runId, job, dir, placement);
    const work = this.workDir(runId);
    mkdirSync(join(work, "tmp"), { recursive: true, mode: 0o700 });
    if (this.jobUser) {
      chownSync(work, this.jobUser.uid, this.jobUser.gid);
      chownSync(join(work, "tmp"), this.jobUser.uid, this.jobUser.gid);
      chmodSync(work, 0o700);
    }
    const scriptFile = join(dir, "job.sh");
    // a crash between sbatch and recording its id, or a new leader on another host without this
    // runs dir: the job name (aidc-<runId>) finds the submission again, so a run is never submitted twice
    const adopted = await this.byName(runId, existsSync(scriptFile));
    writeFileSync(scriptFile, text, { mode: 0o700 });
    const slurmId = adopted ?? (await this.cli("sbatch", [...args, scriptFile])).trim().split(";")[0] ?? "";
    if (!/^\d+$/.test(slurmId)) throw new AidcError("SLURM_SUBMIT_FAILED", `sbatch returned "${slurmId}" for job ${jobId}`);
    this.save({ runId, slurmId, startedAtMs: this.now(), ...(job.maxRuntimeS ? { maxRuntimeS: job.maxRuntimeS } : {}) });
    return { runId, state: "running", message: `slurm job ${slurmId}` };
  }

  /**
   * The Slurm job id of an earlier submission of this run, if Slurm knows one: squeue (which keeps
   * ended jobs for MinJobAge, 300 s by default; a controller that does not answer throws, rather
   * than risk a second submission), and accounting when `accounting` (sacct may be disabled).
   */
  private async byName(runId: string, accounting: boolean): Promise<string | undefined> {
    const queued = await this.cli("squeue", ["-h", `--name=aidc-${runId}`, "-o", "%i"]);
    const out = accounting ? await this.cli("sacct", ["-n", "-X", "-P", `--name=aidc-${runId}`, "-o", "JobID"]).catch(() => "") : "";
    const id = [...queued.split("\n"), ...out.split("\n")].map((l) => l.trim().replace(/\+\d+$/, "")).find((l) => /^\d+$/.test(l));
    return id;
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

  /** A run another replica submitted (its run dir is elsewhere): found by name in Slurm and recorded here. */
  private async adopt(runId: string): Promise<SlurmRun | undefined> {
    const slurmId = await this.byName(runId, true).catch(() => undefined);
    if (slurmId === undefined) return undefined;
    mkdirSync(this.runDir(runId), { recursive: true, mode: 0o700 });
    const r: SlurmRun = { runId, slurmId, startedAtMs: this.now() };
    this.save(r);
    return r;
  }

  async status(runIds: readonly string[]): Promise<readonly ExecutorRun[]> {
    const runs: { id: string; r: SlurmRun | undefined }[] = [];
    for (const id of runIds) runs.push({ id, r: this.load(id) ?? (await this.adopt(id)) });
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
      // squeue still lists a job for a while after it ended (MinJobAge); else ask accounting
      const done = liveState !== undefined ? { state: liveState } : await this.finished(r.slurmId);
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

import { execFile } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { rm } from "node:fs/promises";
import { promisify } from "node:util";
import { AidcError, type Executor, type ExecutorRun, type JobSpec, type Placement, type StartOptions } from "@aidc/core";
import { alive, killGroup, liveGroups } from "./alive.js";
import { Launcher, type LaunchSlot, type LauncherOptions } from "./launcher.js";
import { LocalRun, writeDurableAsync } from "./local-run.js";
import { ensureUser, ensureUserSync, JOB_USER, mappedUserName, type OsUser } from "./os-users.js";
import {
  baseEnv,
  checkJobEnv,
  DEFAULT_JOB_LIMITS,
  detectIsolation,
  launchScript,
  replicaScript,
  type Isolation,
  type IsolationMode,
  type JobLimits,
} from "./sandbox.js";

export { alive } from "./alive.js";

const execFileP = promisify(execFile);

export interface LocalExecutorOptions {
  /** Where run directories (logs, exit codes, the intent) live: `<dataDir>/runs`. */
  readonly runsDir: string;
  /** The data dir jobs must not see (default: the parent of runsDir). */
  readonly dataDir?: string;
  /** Root of the jobs' working directories, outside the data dir (default /var/lib/aidc-jobs as root). */
  readonly jobsDir?: string;
  /** Extra environment for every process (server configuration, e.g. PATH). */
  readonly env?: Readonly<Record<string, string>>;
  /** Seconds between SIGTERM and SIGKILL on cancel and timeout. */
  readonly killGraceS?: number;
  readonly now?: () => number;
  /** The command of a built-in workload job (`run.workload`); such jobs are refused without it. */
  readonly workloadCommand?: (job: JobSpec) => string[] | undefined;
  /**
   * Called for a workload job once its work dir exists and before anything runs: puts its inputs there
   * (e.g. a dataset artifact, checked and audited; governance/dataset-input.ts). A throw fails the start.
   */
  readonly prepareWorkload?: (run: {
    jobId: string;
    spec: JobSpec;
    user: string;
    jobDir: string;
    owner?: { uid: number; gid: number };
  }) => Promise<unknown>;
  /** Default "auto": the strongest level the machine allows; "uid" skips bubblewrap; "none" is for development only. */
  readonly isolation?: IsolationMode;
  /** Run each aidc user's jobs as its own OS user `aidc-u-<name>` (created on demand) instead of `aidc-job`. */
  readonly mapUsers?: boolean;
  readonly limits?: Partial<JobLimits>;
  readonly launcher?: LauncherOptions;
  /** Seconds between disk-use checks of a running job (default 10). */
  readonly diskCheckS?: number;
}

/** After its launch, a replica may take this long to claim itself before it counts as never started. */
const LAUNCH_GRACE_MS = 30_000;

function inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === "" || (!r.startsWith("..") && !r.startsWith("/"));
}

/**
 * Runs each task replica as an isolated process group, or under bubblewrap each batch of replicas
 * in one sandbox (see sandbox.ts for the levels). Starts are
 * asynchronous and bounded (Launcher); the intent and per-replica claim/pid/exit files make a
 * start crash-safe: a restarted server adopts a run and starts only the replicas nobody claimed.
 */
export class LocalExecutor implements Executor {
  readonly name = "local";
  readonly isolation: Isolation;
  readonly jobsDir: string;
  private readonly runs = new Map<string, LocalRun>();
  private readonly launchDone = new Map<string, number>();
  private readonly now: () => number;
  private readonly limits: JobLimits;
  private readonly launcher: Launcher;
  private readonly dataDir: string;
  private readonly jobUser: OsUser | undefined;

  constructor(private readonly options: LocalExecutorOptions) {
    this.now = options.now ?? (() => Date.now());
    this.limits = { ...DEFAULT_JOB_LIMITS, ...options.limits };
    this.launcher = new Launcher(options.launcher);
    this.isolation = detectIsolation(options.isolation);
    const root = this.isolation.level !== "none";
    this.dataDir = resolve(options.dataDir ?? dirname(options.runsDir));
    this.jobsDir = resolve(options.jobsDir ?? (root ? "/var/lib/aidc-jobs" : join(tmpdir(), `aidc-jobs-${process.getuid?.() ?? 0}`)));
    if (inside(this.jobsDir, this.dataDir) || inside(this.dataDir, this.jobsDir))
      throw new AidcError("BAD_JOBS_DIR", `The jobs directory ${this.jobsDir} must be outside the data directory ${this.dataDir}`);
    mkdirSync(options.runsDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.jobsDir, { recursive: true });
    if (root) {
      // jobs may pass through the jobs root to their own directory but not list it; the runs are the server's alone
      // (the data dir itself is made private by the composition root, which knows it is aidc's own folder)
      chmodSync(this.jobsDir, 0o711);
      chmodSync(options.runsDir, 0o700);
      this.jobUser = options.mapUsers ? undefined : ensureUserSync(JOB_USER);
    }
  }

  runDir(runId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runId) || runId.startsWith(".")) throw new AidcError("BAD_RUN_ID", `Invalid run id "${runId}"`);
    return join(this.options.runsDir, runId);
  }

  /** The job's own working directory (HOME, cwd unless run.workingDir says otherwise; a workload writes its model here). */
  workDir(runId: string): string {
    this.runDir(runId);
    return join(this.jobsDir, runId);
  }

  private async osUser(user: string | undefined): Promise<OsUser | undefined> {
    if (this.isolation.level === "none") return undefined;
    if (!this.options.mapUsers) return this.jobUser;
    return ensureUser(mappedUserName(user ?? "anonymous"));
  }

  async start(jobId: string, job: JobSpec, placement: Placement, o: StartOptions = {}): Promise<ExecutorRun> {
    const runId = o.runId ?? `${jobId}.${this.now().toString(36)}`;
    const dir = this.runDir(runId);
    const known = this.get(runId);
    if (known !== undefined) return { runId, state: "running", message: "adopted" }; // started before: resume only what is missing
    const command = "command" in job.run ? job.run.command : this.options.workloadCommand?.(job);
    if (command === undefined)
      throw new AidcError("UNSUPPORTED_RUN", `This server cannot run workload jobs ("${"workload" in job.run ? job.run.workload : ""}")`);
    const jobEnv = "command" in job.run ? job.run.env : {};
    checkJobEnv(jobEnv, jobId);
    const workingDir = "command" in job.run ? job.run.workingDir : undefined;
    if (workingDir !== undefined && !(existsSync(workingDir) && statSync(workingDir).isDirectory()))
      throw new AidcError("BAD_WORKING_DIR", `working directory ${workingDir} does not exist`);
    const user = await this.osUser(o.user);
    const jobDir = this.workDir(runId);
    const sandboxed = this.isolation.level === "bwrap+uid";
    mkdirSync(jobDir, { recursive: true, mode: 0o700 });
    if (!sandboxed) mkdirSync(join(jobDir, "tmp"), { recursive: true, mode: 0o700 });
    if (user) {
      chownSync(jobDir, user.uid, user.gid);
      if (!sandboxed) chownSync(join(jobDir, "tmp"), user.uid, user.gid);
    }
    if ("workload" in job.run && this.options.prepareWorkload !== undefined) {
      await this.options.prepareWorkload({
        jobId,
        spec: job,
        user: o.user ?? "anonymous",
        jobDir,
        ...(user ? { owner: { uid: user.uid, gid: user.gid } } : {}),
      });
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const slots: LaunchSlot[] = (
      placement.tasks.length > 0 ? placement.tasks : [{ task: job.tasks[0]?.name ?? "main", replica: 0, node: "local", gpuIndices: [] }]
    ).map((s, index) => ({ index, task: s.task, replica: s.replica, node: s.node, gpus: s.gpuIndices.join(",") }));
    const osUser = user?.name ?? "";
    const env = {
      ...baseEnv(jobDir, sandboxed ? "/tmp" : join(jobDir, "tmp"), osUser || (process.env["USER"] ?? "")),
      ...this.options.env,
      ...jobEnv,
      AIDC_JOB_ID: jobId,
      AIDC_RUN_ID: runId,
      AIDC_RUN_DIR: jobDir,
      AIDC_WORK_DIR: jobDir,
    };
    const scripts = {
      level: this.isolation.level,
      runDir: dir,
      jobDir,
      cwd: workingDir ?? jobDir,
      hide: [this.dataDir, this.jobsDir],
      osUser,
      env,
      command,
      limits: this.limits,
    };
    writeFileSync(join(dir, "run.sh"), replicaScript(scripts), { mode: 0o700 });
    writeFileSync(join(dir, "launch.sh"), launchScript(scripts), { mode: 0o700 });
    const intent = {
      runId,
      jobId,
      osUser,
      jobDir,
      slots,
      startedAtMs: this.now(),
      ...(job.maxRuntimeS ? { maxRuntimeS: job.maxRuntimeS } : {}),
    };
    await writeDurableAsync(join(dir, "intent.json"), JSON.stringify(intent)); // the record: from here on a restart resumes, never repeats
    const run = new LocalRun(dir, intent, {});
    run.resumed = true;
    this.runs.set(runId, run);
    this.launch(run, slots);
    return { runId, state: "running", message: `starting ${slots.length} replica(s)` };
  }

  private launch(run: LocalRun, slots: readonly LaunchSlot[]): void {
    run.launching++;
    void this.launcher
      .launch(join(run.dir, "launch.sh"), slots, () => run.stopped())
      .catch(() => undefined) // replicas left unclaimed are reported as never started
      .finally(() => {
        run.launching--;
        this.launchDone.set(run.intent.runId, this.now());
      });
  }

  /** A run this process knows, or one adopted from disk (then its unclaimed replicas are started, once). */
  private get(runId: string): LocalRun | undefined {
    const known = this.runs.get(runId);
    if (known !== undefined) return known;
    const run = LocalRun.load(this.runDir(runId));
    if (run === undefined) return undefined;
    this.runs.set(runId, run);
    if (!run.resumed && !run.stopped() && !run.flags.cancelled) {
      run.resumed = true;
      run.launching++; // starting until the listing says what is missing
      void run
        .unclaimed()
        .then((missing) => {
          const slots = run.intent.slots.filter((s) => missing.includes(s.index));
          if (slots.length > 0) this.launch(run, slots);
        })
        .catch(() => undefined)
        .finally(() => run.launching--);
    }
    return run;
  }

  async cancel(runId: string): Promise<void> {
    const run = this.get(runId);
    if (run === undefined) return;
    run.flags.cancelled = true;
    run.saveFlags();
    await this.stop(run);
  }

  private async stop(run: LocalRun): Promise<void> {
    run.markStop();
    const deadline = this.now() + (this.options.killGraceS ?? 5) * 1000;
    let pids = [...new Set(await run.livePids())]; // under bubblewrap a batch of replicas shares one group
    // wrappers that record themselves meanwhile are signalled too, until none is left or the grace ends
    while (pids.length > 0 || run.launching > 0) {
      for (const p of pids) killGroup(p, "SIGTERM");
      if (this.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 50));
      pids = [...new Set(await run.livePids())].filter(alive);
    }
    // a fork bomb forks while it is killed: signal each group until no live member is left (bounded;
    // zombies an init that does not reap leaves behind still belong to a group, so they do not count)
    const all = [...new Set(await run.livePids())];
    let groups = all;
    // a child forked just as its parent died shows up a moment later: three empty looks in a row end it
    for (let i = 0, quiet = 0; i < 60 && quiet < 3; i++) {
      for (const g of groups) killGroup(g, "SIGKILL");
      await new Promise((r) => setTimeout(r, 10));
      const live = await liveGroups(all);
      groups = all.filter((g) => live.has(g));
      quiet = groups.length === 0 ? quiet + 1 : 0;
    }
  }

  /** Current state of each run; enforces maxRuntimeS and the disk limit; a gang fails as soon as one replica fails. */
  async status(runIds: readonly string[]): Promise<readonly ExecutorRun[]> {
    const out: ExecutorRun[] = [];
    for (const runId of runIds) {
      try {
        const run = this.get(runId);
        out.push(run === undefined ? { runId, state: "failed", message: "run not found (lost)" } : await this.check(run));
      } catch (err) {
        // one damaged run directory fails that run, never the pass that reconciles all the others
        out.push({ runId, state: "failed", message: `cannot read the run's files: ${(err as Error).message}` });
      }
    }
    return out;
  }

  private async check(run: LocalRun): Promise<ExecutorRun> {
    const { runId, slots } = run.intent;
    const now = this.now();
    // a big run is scanned at most every n/2 ms (10,000 replicas: every 5 s), so its bookkeeping stays a small share of the server's time
    if (run.lastRunning && !run.flags.cancelled && now - run.lastScanMs < Math.min(5000, slots.length / 2)) return run.lastRunning;
    run.lastScanMs = now;
    run.lastRunning = undefined;
    const launching = run.launching > 0 || now - (this.launchDone.get(runId) ?? -Infinity) < LAUNCH_GRACE_MS;
    // liveness (kill -9 leaves no exit file) is swept every 5 s, or at every pass for small runs
    const sweep = slots.length <= 256 || now - run.lastSweepMs >= 5000;
    if (sweep) run.lastSweepMs = now;
    const scan = await run.scan(now, sweep);
    const starting = scan.starting + (launching ? scan.unclaimed : 0);
    const neverStarted = launching ? 0 : scan.unclaimed;
    const { killed, failedCode } = scan;
    const busy = scan.live + starting > 0;
    if (run.flags.cancelled) {
      if (busy) await this.stop(run);
      return { runId, state: "cancelled" };
    }
    if (run.flags.failure !== undefined || run.flags.timedOut || failedCode !== undefined || killed > 0 || neverStarted > 0) {
      if (busy) await this.stop(run);
      const message = run.flags.timedOut
        ? `exceeded maxRuntimeS ${String(run.intent.maxRuntimeS)}`
        : (run.flags.failure ??
          (failedCode !== undefined
            ? `exit code ${failedCode}`
            : killed > 0
              ? `${killed} process(es) were killed`
              : `${neverStarted} replica(s) never started (the system refused new processes)`));
      return { runId, state: "failed", ...(failedCode !== undefined ? { exitCode: failedCode } : {}), message };
    }
    const ok = scan.ok;
    if (ok === slots.length) return { runId, state: "succeeded", exitCode: 0 };
    const maxS = run.intent.maxRuntimeS;
    if (maxS !== undefined && now - run.intent.startedAtMs > maxS * 1000) {
      run.flags.timedOut = true;
      run.saveFlags();
      await this.stop(run);
      return { runId, state: "failed", message: `exceeded maxRuntimeS ${maxS}` };
    }
    if (starting === 0) run.writeAgentFile();
    const overDisk = await this.diskCheck(run);
    if (overDisk !== undefined) {
      run.flags.failure = overDisk;
      run.saveFlags();
      await this.stop(run);
      return { runId, state: "failed", message: overDisk };
    }
    run.lastRunning = {
      runId,
      state: "running",
      ...(starting > 0 ? { message: `starting: ${slots.length - starting} of ${slots.length} started` } : {}),
    };
    return run.lastRunning;
  }

  /** The "fill the disk" watchdog: `du` of the job's directory, off the event loop, at most every diskCheckS. */
  private async diskCheck(run: LocalRun): Promise<string | undefined> {
    const now = this.now();
    if (now - run.lastDiskCheckMs < (this.options.diskCheckS ?? 10) * 1000) return undefined;
    run.lastDiskCheckMs = now;
    try {
      const { stdout } = await execFileP("du", ["-s", "-B1", run.intent.jobDir], { timeout: 60_000 });
      const used = Number(stdout.split(/\s/)[0]);
      const limit = this.limits.diskBytes;
      if (used > limit)
        return `used ${(used / 2 ** 20).toFixed(1)} MiB of disk in its working directory, more than the limit of ${(limit / 2 ** 20).toFixed(1)} MiB`;
    } catch {
      // du failed (the directory vanished, or a timeout): check again next time
    }
    return undefined;
  }

  /** The job is over (and its model, if any, registered): its working directory goes, its logs stay. */
  async release(runId: string): Promise<void> {
    const run = this.get(runId);
    if (run === undefined) return;
    run.markStop(); // no wrapper may start after this, and a later adoption resumes nothing
    this.runs.delete(runId);
    this.launchDone.delete(runId);
    await rm(this.workDir(runId), { recursive: true, force: true });
  }

  /** Combined log of a run (all replicas, in replica order). */
  logs(runId: string): string {
    // read only: a replica that does not lead serves logs too, and must not adopt (launch) anything
    const run = this.runs.get(runId) ?? LocalRun.load(this.runDir(runId));
    if (run === undefined) return "";
    return run
      .logFiles()
      .filter(existsSync)
      .map((f) => readFileSync(f, "utf8"))
      .join("");
  }
}

/** What `aidc serve` may configure of the local executor (the rest comes from the data dir). */
export type LocalJobsOptions = Pick<
  LocalExecutorOptions,
  "jobsDir" | "mapUsers" | "isolation" | "limits" | "launcher" | "diskCheckS" | "killGraceS"
>;

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { AidcError } from "@aidc/core";

/**
 * How a local job is isolated from the server and from other jobs:
 * - "bwrap+uid": the server is root and bubblewrap works: an unprivileged OS user, a private
 *   mount view (data dir, jobs root and /tmp hidden; only the job's own directory writable),
 *   a private PID namespace, rlimits.
 * - "uid": the server is root without bubblewrap: an unprivileged OS user, rlimits, the data
 *   dir mode 700; the job still sees the world-readable parts of the filesystem.
 * - "none": the server is not root (a developer machine): jobs run as the server's user, with
 *   rlimits and an allow-listed environment only.
 */
export type IsolationLevel = "bwrap+uid" | "uid" | "none";

/** Resource limits of every job process (rlimits; per OS user for nproc). */
export interface JobLimits {
  /** Processes of the job's OS user (RLIMIT_NPROC; the fork-bomb bound). */
  readonly nproc: number;
  readonly nofile: number;
  /** Largest file a job may write, bytes (RLIMIT_FSIZE; also bounds its log). */
  readonly fsizeBytes: number;
  /** Working directory (plus tmp) size above which the watchdog kills the job. */
  readonly diskBytes: number;
  /** Size of the private /tmp (a tmpfs under bubblewrap). */
  readonly tmpBytes: number;
}

export const DEFAULT_JOB_LIMITS: JobLimits = {
  nproc: 2048,
  nofile: 4096,
  fsizeBytes: 8 * 2 ** 30,
  diskBytes: 20 * 2 ** 30,
  tmpBytes: 2 * 2 ** 30,
};

export interface Isolation {
  readonly level: IsolationLevel;
  /** Why the level is not the strongest, for the start-up warning ("" when it is). */
  readonly reason: string;
}

function works(cmd: string, args: readonly string[]): boolean {
  try {
    execFileSync(cmd, [...args], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Probe the machine once at start: root? bubblewrap that really sandboxes? setpriv? */
/** What the operator asks for: the strongest level available, at most uid (no bubblewrap), or none. */
export type IsolationMode = "auto" | "uid" | "none";

export function detectIsolation(want: IsolationMode = "auto"): Isolation {
  if (want === "none") return { level: "none", reason: "isolation turned off by configuration" };
  if (process.getuid?.() !== 0) return { level: "none", reason: "the server is not root, so jobs run as the server's OS user" };
  if (!works("setpriv", ["--version"]))
    return { level: "none", reason: "setpriv (util-linux) is missing, so jobs cannot drop to another user" };
  if (want === "uid") return { level: "uid", reason: "bubblewrap turned off by configuration" };
  const bwrap = works("bwrap", [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--unshare-pid",
    "--die-with-parent",
    "--",
    "true",
  ]);
  if (!bwrap) return { level: "uid", reason: "bubblewrap (bwrap) is missing or cannot create namespaces here" };
  return { level: "bwrap+uid", reason: "" };
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Job environment keys must be shell identifiers; values may hold anything but NUL. */
export function checkJobEnv(env: Readonly<Record<string, string>>, jobId: string): void {
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_KEY.test(k))
      throw new AidcError("BAD_ENV", `Cannot start job ${jobId}: environment variable name "${k}" is not a valid identifier`);
    if (v.includes("\0")) throw new AidcError("BAD_ENV", `Cannot start job ${jobId}: environment variable ${k} contains a NUL byte`);
  }
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The only variables of the server's environment a job sees (never tokens or other secrets). */
export function baseEnv(home: string, tmp: string, user: string): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? DEFAULT_PATH,
    LANG: process.env["LANG"] ?? "C.UTF-8",
    HOME: home,
    TMPDIR: tmp,
    USER: user,
    LOGNAME: user,
  };
}

export interface ReplicaScript {
  readonly level: IsolationLevel;
  readonly runDir: string;
  readonly jobDir: string;
  readonly cwd: string;
  /** Paths the job must not see (the data dir, the jobs root). */
  readonly hide: readonly string[];
  readonly osUser: string;
  readonly env: Readonly<Record<string, string>>;
  readonly command: string | readonly string[];
  readonly limits: JobLimits;
}

/** Devices a GPU job needs inside the sandbox (bind-mounted when present). */
function gpuDevices(): string[] {
  if (!existsSync("/dev")) return [];
  return readdirSync("/dev")
    .filter((d) => /^nvidia/.test(d) || d === "dri")
    .map((d) => join("/dev", d));
}

/** The mount and PID namespace of one batch of replicas (the job sees only its own directory writable). */
function bwrapArgs(s: ReplicaScript): string[] {
  const l = s.limits;
  return [
    "bwrap",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    ...gpuDevices().flatMap((d) => ["--dev-bind", d, d]),
    "--proc",
    "/proc",
    "--unshare-pid",
    "--unshare-ipc",
    "--die-with-parent",
    "--perms",
    "1777",
    "--size",
    String(l.tmpBytes),
    "--tmpfs",
    "/tmp",
    "--perms",
    "1777",
    "--size",
    String(l.tmpBytes),
    "--tmpfs",
    "/dev/shm",
    ...s.hide.flatMap((p) => ["--tmpfs", p]),
    "--bind",
    s.jobDir,
    s.jobDir,
    // the wrappers (root, inside) record claims, pids, logs and exit codes here; mode 700 root: the job user cannot open it
    "--bind",
    s.runDir,
    s.runDir,
    "--",
  ];
}

/**
 * The per-run launcher (`sh launch.sh <index> <task> <replica> <node> <gpus> ...`): starts a batch of
 * replica wrappers, says "launched" and reaps them. Without bubblewrap each wrapper leads its own
 * session (its pid is its process group). With bubblewrap the whole batch shares ONE sandbox (one
 * mount and PID namespace instead of one per replica: replicas of a job need no isolation from each
 * other); every process of the batch stays in the launcher's process group, so each wrapper records
 * the launcher's pid: signalling that group reaches every replica, and the launcher's death takes
 * the namespace with it (--die-with-parent).
 */
export function launchScript(s: ReplicaScript): string {
  const q = shellQuote;
  const run = q(join(s.runDir, "run.sh"));
  // wrappers start with an empty environment: run.sh exports only the job's allow-listed variables. The
  // launcher ignores SIGPIPE only after its wrappers are forked (they keep the default): when the server dies
  // before reading "launched", the echo fails instead of killing the launcher, and with it (under bubblewrap,
  // --die-with-parent) the whole batch it started
  const loop = (pre: string, group: string): string =>
    `while [ $# -ge 5 ]; do ${pre}/usr/bin/env -i /bin/sh "$r" ${group} "$1" "$2" "$3" "$4" "$5" </dev/null >/dev/null 2>&1 & shift 5; done; trap "" PIPE; echo launched 2>/dev/null; wait`;
  if (s.level !== "bwrap+uid") return ["#!/bin/sh", `r=${run}`, loop("setsid ", '""'), ""].join("\n");
  const inner = `r=$1; g=$2; shift 2; ${loop("", '"$g"')}`;
  return [
    "#!/bin/sh",
    "g=$$",
    `${bwrapArgs(s).map(q).join(" ")} /usr/bin/env -i /bin/sh -c ${q(inner)} aidc-launch ${run} "$g" "$@"`,
    "exit $?",
    "",
  ].join("\n");
}

/**
 * The per-run wrapper (`env -i sh run.sh <group> <index> <task> <replica> <node> <gpus>`). It runs as
 * root (or the server's user; inside the batch's sandbox under bubblewrap), claims its replica
 * atomically (exclusive create: a replica never runs twice, even when two launchers race after a
 * crash), records the process group that holds it (its own pid, or the sandboxed batch's group
 * `<group>`), opens the log, drops to the job's user and records the exit code. The job never
 * sees the run directory: it writes its output through the inherited file descriptors.
 */
export function replicaScript(s: ReplicaScript): string {
  const q = shellQuote;
  const l = s.limits;
  // shell builtins, not prlimit: every process less per replica matters when 10,000 start at once
  const limits = [
    "ulimit -c 0",
    `ulimit -n ${l.nofile}`,
    `ulimit -f ${Math.max(1, Math.floor(l.fsizeBytes / 512))}`,
    `ulimit -p ${l.nproc}`,
  ].join("; ");
  const drop =
    s.level === "none" ? [] : ["setpriv", `--reuid=${s.osUser}`, `--regid=${s.osUser}`, "--clear-groups", "--no-new-privs", "--"];
  // exported by the wrapper (started with an empty environment), not passed on a command line that `ps` shows
  const env = Object.entries(s.env).map(([k, v]) => `export ${k}=${q(v)}`);
  const perReplica = 'export AIDC_TASK="$2" AIDC_REPLICA="$3" AIDC_NODE="$4" AIDC_GPUS="$5" CUDA_VISIBLE_DEVICES="$5"';
  const command = typeof s.command === "string" ? ["/bin/sh", "-c", s.command] : [...s.command];
  return [
    "#!/bin/sh",
    `d=${q(s.runDir)}`,
    "g=$1; shift",
    // the claim is an exclusive create (O_EXCL under noclobber): of two wrappers for one replica only one runs it
    'set -C; { : > "$d/$1.claim"; } 2>/dev/null || exit 0; set +C',
    'echo "${g:-$$}" > "$d/$1.pid"',
    '[ -e "$d/stop" ] && exit 0',
    'exec >>"$d/$2-$3.log" 2>&1 </dev/null',
    limits,
    `cd ${q(s.cwd)} || { echo ${q(`aidc: cannot enter ${s.cwd}`)}; echo 126 > "$d/$1.exit"; exit 126; }`,
    ...env,
    perReplica,
    `${drop.map(q).join(" ")} ${command.map(q).join(" ")}`,
    "c=$?",
    'echo "$c" > "$d/$1.exit"',
    "",
  ].join("\n");
}

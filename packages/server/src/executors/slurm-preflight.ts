import { execFile } from "node:child_process";
import { AidcError } from "@aidc/core";

/** What `aidc serve --executor slurm` learnt about Slurm before accepting jobs. */
export interface SlurmInfo {
  /** The Slurm version of the client commands (`sbatch --version`), e.g. "23.11.4". */
  readonly version: string;
  /** What answered for the controller: `scontrol ping`'s line, or "squeue answered". */
  readonly controller: string;
}

export interface SlurmPreflightOptions {
  /** Seconds for each command (a controller that does not answer makes squeue hang). */
  readonly timeoutS?: number;
  /** The partition jobs go to; it must exist. */
  readonly partition?: string;
  /** Environment of the commands (tests put stand-ins first on PATH). */
  readonly env?: NodeJS.ProcessEnv;
}

interface Ran {
  readonly code: number | string;
  readonly out: string;
}

function runCommand(cmd: string, args: readonly string[], o: SlurmPreflightOptions): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: (o.timeoutS ?? 10) * 1000, env: o.env ?? process.env }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim();
      if (err === null) return resolve({ code: 0, out });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      if (e.code === "ENOENT") return resolve({ code: "ENOENT", out });
      if (e.killed === true) return resolve({ code: "TIMEOUT", out });
      resolve({ code: e.code ?? 1, out });
    });
  });
}

const unavailable = (why: string): AidcError => new AidcError("EXECUTOR_UNAVAILABLE", `Cannot use the slurm executor: ${why}`);

/**
 * Checks at start what the slurm executor needs, so that a server without Slurm fails at once
 * with the reason instead of failing every job later with "spawn sbatch ENOENT": the client
 * commands (sbatch, squeue, sacct, scancel) are on PATH, the controller answers (`scontrol ping`,
 * or `squeue` when scontrol is absent), and the partition exists. Throws EXECUTOR_UNAVAILABLE.
 */
export async function slurmPreflight(o: SlurmPreflightOptions = {}): Promise<SlurmInfo> {
  let version = "";
  for (const cmd of ["sbatch", "squeue", "sacct", "scancel"]) {
    const r = await runCommand(cmd, ["--version"], o);
    if (r.code === "ENOENT") throw unavailable(`${cmd} is not on PATH (install Slurm's client commands, or use --executor local)`);
    if (r.code !== 0) throw unavailable(`${cmd} --version failed: ${r.out || `exit ${r.code}`}`);
    if (cmd === "sbatch") version = /(\d+\.\d+(?:\.\d+)?)/.exec(r.out)?.[1] ?? r.out;
  }
  const timeout = `did not answer within ${o.timeoutS ?? 10} s`;
  let controller: string;
  const ping = await runCommand("scontrol", ["ping"], o);
  if (ping.code === "ENOENT") {
    const q = await runCommand("squeue", ["-h", "-o", "%i"], o);
    if (q.code !== 0)
      throw unavailable(`the controller does not answer: squeue ${q.code === "TIMEOUT" ? timeout : q.out || `exit ${q.code}`}`);
    controller = "squeue answered";
  } else {
    const line = ping.out.split("\n")[0] ?? "";
    if (ping.code !== 0 || /\bDOWN\b/.test(ping.out)) {
      throw unavailable(
        `slurmctld is not reachable: ${ping.code === "TIMEOUT" ? `scontrol ping ${timeout}` : line || `exit ${ping.code}`}`,
      );
    }
    controller = line;
  }
  if (o.partition !== undefined) {
    const p = await runCommand("sinfo", ["-h", "-p", o.partition, "-o", "%P"], o);
    if (p.code !== 0 || p.out === "") throw unavailable(`partition "${o.partition}" does not exist${p.out ? `: ${p.out}` : ""}`);
  }
  return { version, controller };
}

import { existsSync, readFileSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";

const PROC = existsSync("/proc/self/stat");

/** True when the process exists and is not a zombie (a killed orphan not yet reaped still answers kill 0). */
export function alive(pid: number): boolean {
  if (PROC) {
    // one read answers both questions (a status scan calls this for thousands of processes)
    try {
      const state = readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]?.[0];
      return state !== "Z" && state !== "X";
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** alive(), reading /proc in the thread pool. */
export async function aliveAsync(pid: number): Promise<boolean> {
  if (!PROC) return alive(pid);
  try {
    const state = (await readFile(`/proc/${pid}/stat`, "latin1")).split(") ")[1]?.[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Signal a whole process group (the replica wrapper is its leader); false when the group is gone. */
export function killGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which of these process groups still have a member that is not a zombie (one pass over /proc,
 * in the thread pool). Without procfs every group that answers a signal counts.
 */
export async function liveGroups(groups: readonly number[]): Promise<Set<number>> {
  const wanted = new Set(groups);
  if (!PROC) return new Set(groups.filter((g) => killGroup(g, 0)));
  const out = new Set<number>();
  const pids = (await readdir("/proc")).filter((e) => /^\d+$/.test(e));
  for (let i = 0; i < pids.length; i += 256) {
    await Promise.all(
      pids.slice(i, i + 256).map(async (pid) => {
        try {
          // "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after its closing parenthesis
          const rest = (await readFile(`/proc/${pid}/stat`, "latin1")).split(") ")[1]?.split(" ") ?? [];
          const pgrp = Number(rest[2]);
          if (wanted.has(pgrp) && rest[0] !== "Z" && rest[0] !== "X") out.add(pgrp);
        } catch {
          // exited while we looked
        }
      }),
    );
  }
  return out;
}

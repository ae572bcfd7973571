import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

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
export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

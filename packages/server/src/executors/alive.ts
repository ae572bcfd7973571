import { existsSync, readFileSync } from "node:fs";

/** True when the process exists and is not a zombie (a killed orphan not yet reaped still answers kill 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true; // no procfs: trust kill 0
  try {
    const state = readFileSync(stat, "utf8").split(") ")[1]?.[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false; // exited between the two checks
  }
}

/** Signal a whole process group (the replica wrapper is its leader); gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

import type { ExecutorRun } from "@aidc/core";

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

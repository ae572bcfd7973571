import { IllegalTransitionError } from "../errors.js";

/**
 * The job lifecycle as an explicit state machine.
 *
 *   pending ──admit──▶ admitted ──start──▶ running ──succeed──▶ succeeded
 *      ▲                  │                   ├──fail──────▶ failed ──retry──▶ pending
 *      │               release                ├──preempt───▶ preempted ──requeue──▶ pending
 *      └──────────────────┘                   └──cancel────▶ cancelled
 *
 * `release` forgets an admission the executor could not honour; `requeue` puts a preempted
 * (or node-lost) job back in the queue; `retry` does the same for a failed job with retries left.
 * pending, admitted and running jobs can be cancelled; succeeded and cancelled are final.
 */
export const JOB_STATES = ["pending", "admitted", "running", "succeeded", "failed", "cancelled", "preempted"] as const;
export type JobState = (typeof JOB_STATES)[number];

export const JOB_EVENTS = ["admit", "release", "start", "succeed", "fail", "cancel", "preempt", "requeue", "retry"] as const;
export type JobEvent = (typeof JOB_EVENTS)[number];

const TRANSITIONS: Readonly<Record<JobState, Partial<Record<JobEvent, JobState>>>> = {
  pending: { admit: "admitted", cancel: "cancelled" },
  admitted: { start: "running", release: "pending", fail: "failed", cancel: "cancelled", preempt: "preempted" },
  running: { succeed: "succeeded", fail: "failed", cancel: "cancelled", preempt: "preempted" },
  preempted: { requeue: "pending", cancel: "cancelled" },
  failed: { retry: "pending" },
  succeeded: {},
  cancelled: {},
};

export const TERMINAL_STATES: readonly JobState[] = ["succeeded", "cancelled"];
/** States in which a job holds (or is about to hold) resources. */
export const ACTIVE_STATES: readonly JobState[] = ["admitted", "running"];

export function nextState(from: JobState, event: JobEvent): JobState | undefined {
  return TRANSITIONS[from][event];
}

export function canTransition(from: JobState, event: JobEvent): boolean {
  return nextState(from, event) !== undefined;
}

/** The state after `event`, or an IllegalTransitionError naming both. */
export function transition(from: JobState, event: JobEvent, jobName = "job"): JobState {
  const to = nextState(from, event);
  if (to === undefined) {
    const allowed = Object.keys(TRANSITIONS[from]);
    const hint = allowed.length === 0 ? `${from} is final` : `allowed from ${from}: ${allowed.join(", ")}`;
    throw new IllegalTransitionError(`Cannot ${event} ${jobName}: it is ${from} (${hint})`);
  }
  return to;
}

export function isTerminal(state: JobState, retriesLeft = 0): boolean {
  return TERMINAL_STATES.includes(state) || (state === "failed" && retriesLeft <= 0);
}
